//! `costscope bench`: generate an organisation, ingest it in a child process (so its peak
//! memory is its own), then time a fixed set of typical FinOps queries. Prints JSON.
//! `bench/duckdb_compare.py` runs the same queries with DuckDB on the same source files.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use costscope_analytics::allocation::{self, AllocateOptions, Rules};
use costscope_analytics::budgets::{self, BudgetOptions};
use costscope_analytics::explorer::{self, ExplorerOptions, Measure};
use costscope_analytics::tags::{self, TagOptions};
use costscope_analytics::unit_cost::{self, UnitCostOptions};
use costscope_core::TeamExpr;
use costscope_lake::Lake;
use costscope_query::{Engine, Principal, Session};
use costscope_synth::GenerateOptions;
use costscope_synth::demo_lake::generate_unless_reused;
use serde::{Deserialize, Serialize};

use crate::args::Global;
use clap::Args;

/// The benchmark's query set, shared with the DuckDB comparison script.
pub const QUERIES_JSON: &str = include_str!("../../../../bench/queries.json");

/// One benchmark query.
#[derive(Debug, Clone, Deserialize)]
pub struct BenchQuery {
    pub name: String,
    pub sql: String,
}

/// The parsed query set.
pub fn queries() -> anyhow::Result<Vec<BenchQuery>> {
    Ok(serde_json::from_str(QUERIES_JSON)?)
}

#[derive(Debug, Serialize)]
struct QueryTiming {
    name: String,
    rows: usize,
    median_seconds: f64,
    runs_seconds: Vec<f64>,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// CUR rows to generate.
    #[arg(long, default_value_t = 1_000_000)]
    pub rows: u64,
    /// Working directory (kept; default: a temporary directory).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Runs per query; the median is reported.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Reuse data already generated in --dir.
    #[arg(long)]
    pub reuse: bool,
    /// Lines of the generated flow-log file whose ingest is timed (0: skip).
    #[arg(long, default_value_t = 2_000_000)]
    pub flow_log_lines: u64,
    /// Measure anomaly detection instead: precision, recall and days to detect on the
    /// natural organisation's labelled incidents, and the detector's speed.
    #[arg(long)]
    pub anomalies: bool,
}

pub async fn run(global: &Global, args: BenchArgs) -> anyhow::Result<()> {
    if args.anomalies {
        return bench_anomalies(global, args).await;
    }
    let (dir, _temp) = match &args.dir {
        Some(dir) => (dir.clone(), None),
        None => {
            let temp = tempfile::tempdir()?;
            (temp.path().to_path_buf(), Some(temp))
        }
    };
    let data = dir.join("data");
    let lake_dir = dir.join("lake");
    let export_root = costscope_synth::export_root(&data);
    let started = Instant::now();
    let generated = generate_unless_reused(
        &GenerateOptions {
            out: data,
            rows: Some(args.rows),
            progress: !global.quiet,
            ..GenerateOptions::default()
        },
        args.reuse,
    )?;
    let generate_seconds = generated.map(|_| started.elapsed().as_secs_f64());
    if lake_dir.exists() {
        std::fs::remove_dir_all(&lake_dir)?;
    }
    let ingest = ingest_in_child(&lake_dir, &export_root)?;
    let rows = ingest["rows"].as_u64().unwrap_or(0);
    let ingest_seconds = ingest["seconds"].as_f64().unwrap_or(0.0);
    let session = Engine::new(Lake::open(&lake_dir)?)
        .session(&Principal::admin())
        .await?;
    let mut timings = Vec::new();
    for query in queries()? {
        let mut runs = Vec::with_capacity(args.runs);
        let mut result_rows = 0;
        for _ in 0..args.runs.max(1) {
            let started = Instant::now();
            let result = session.sql(&query.sql).await?;
            runs.push(started.elapsed().as_secs_f64());
            result_rows = result.num_rows();
        }
        timings.push(QueryTiming {
            name: query.name,
            rows: result_rows,
            median_seconds: median(&runs),
            runs_seconds: runs,
        });
    }
    let analyses = time_analyses(&session, args.runs).await?;
    let flow_logs = bench_flow_logs(&dir, &args)?;
    let mut report = serde_json::json!({
        "cur_rows": rows,
        "generate_seconds": generate_seconds,
        "ingest_seconds": ingest_seconds,
        "ingest_rows_per_second": if ingest_seconds > 0.0 { rows as f64 / ingest_seconds } else { 0.0 },
        "ingest_peak_rss_bytes": ingest["peak_rss_bytes"],
        "queries": timings,
        "query_total_seconds": timings.iter().map(|t| t.median_seconds).sum::<f64>(),
        "analyses": analyses,
        "source": export_root,
        "lake": lake_dir,
        "profile": if cfg!(debug_assertions) { "dev" } else { "release" },
    });
    if let (Some(map), serde_json::Value::Object(flow)) = (report.as_object_mut(), flow_logs) {
        map.extend(flow);
    }
    crate::outln!("{}", serde_json::to_string_pretty(&report)?)?;
    Ok(())
}

/// `bench --anomalies`: generates the natural organisation (its labelled incidents), runs
/// detection as of every day of the last 31 days and scores it against the labels; then
/// times the detector on 10,000 synthetic series of 400 days.
async fn bench_anomalies(global: &Global, args: BenchArgs) -> anyhow::Result<()> {
    use costscope_analytics::anomalies::{AnomalyOptions, quality};
    let (dir, _temp) = match &args.dir {
        Some(dir) => (dir.clone(), None),
        None => {
            let temp = tempfile::tempdir()?;
            (temp.path().to_path_buf(), Some(temp))
        }
    };
    let data = dir.join("data");
    let lake_dir = dir.join("lake");
    let export_root = costscope_synth::export_root(&data);
    generate_unless_reused(
        &GenerateOptions {
            out: data.clone(),
            progress: !global.quiet,
            ..GenerateOptions::default()
        },
        args.reuse,
    )?;
    if lake_dir.exists() {
        std::fs::remove_dir_all(&lake_dir)?;
    }
    ingest_in_child(&lake_dir, &export_root)?;
    let session = Engine::new(Lake::open(&lake_dir)?)
        .session(&Principal::admin())
        .await?;
    let labels = quality::load_labels(&data.join("labels.json"))?;
    let started = Instant::now();
    let options = AnomalyOptions {
        explain: false,
        ..AnomalyOptions::default()
    };
    let quality = quality::evaluate(&session, &labels, &options, None, None).await?;
    let evaluate_seconds = started.elapsed().as_secs_f64();
    let speed = quality::speed(10_000, 400, options.lookback_days as usize);
    let report = serde_json::json!({
        "anomalies": {
            "quality": quality,
            "evaluate_seconds": evaluate_seconds,
            "speed": speed,
        },
        "lake": lake_dir,
        "profile": if cfg!(debug_assertions) { "dev" } else { "release" },
    });
    crate::outln!("{}", serde_json::to_string_pretty(&report)?)?;
    Ok(())
}

/// Times each analysis command as the CLI runs it (library call, same session).
async fn time_analyses(session: &Session, runs: usize) -> anyhow::Result<Vec<QueryTiming>> {
    let rules = Rules::parse(super::demo::ALLOCATION_RULES, "examples/allocation.yaml")?;
    let budget_list = budgets::parse_budgets(super::demo::BUDGETS, "examples/budgets.yaml")?;
    let explore = |group_by: &str, team: TeamExpr| -> anyhow::Result<ExplorerOptions> {
        Ok(ExplorerOptions {
            group_by: group_by
                .split(',')
                .map(str::parse)
                .collect::<Result<_, _>>()?,
            measure: Measure::Amortized,
            top: Some(10),
            team,
            ..ExplorerOptions::default()
        })
    };
    let by_service = explore("service", TeamExpr::default())?;
    let by_team = explore("team,service", rules.team())?;
    // Bill-derived units: the benchmark lake holds the CUR only.
    let mut unit_options = UnitCostOptions::new("lambda-requests");
    unit_options.scope = vec!["tag:app=clickstream".parse()?];
    let tag_options = TagOptions {
        required: ["department", "team", "app"].map(String::from).to_vec(),
        ..TagOptions::default()
    };
    let budget_options = BudgetOptions {
        budgets: budget_list,
        ..BudgetOptions::default()
    };
    let mut timings = Vec::new();
    for name in [
        "cost_monthly_by_service_top10",
        "cost_monthly_by_team_and_service",
        "allocate",
        "tags",
        "unit_cost_clickstream",
        "budgets",
        "score",
        "genai",
        "recommend",
    ] {
        let mut runs_seconds = Vec::with_capacity(runs);
        let mut rows = 0;
        for _ in 0..runs.max(1) {
            let started = Instant::now();
            rows = match name {
                "cost_monthly_by_service_top10" => {
                    explorer::explore(session, &by_service).await?.rows.len()
                }
                "cost_monthly_by_team_and_service" => {
                    explorer::explore(session, &by_team).await?.rows.len()
                }
                "allocate" => allocation::allocate(session, &rules, &AllocateOptions::default())
                    .await?
                    .rows
                    .len(),
                "tags" => tags::tag_report(session, &tag_options)
                    .await?
                    .coverage
                    .len(),
                "unit_cost_clickstream" => unit_cost::unit_cost(session, &unit_options)
                    .await?
                    .periods
                    .len(),
                "score" => costscope_analytics::efficiency::score(session, &Default::default())
                    .await?
                    .teams
                    .len(),
                "genai" => costscope_analytics::genai::genai(session, &Default::default())
                    .await?
                    .rows
                    .len(),
                "recommend" => costscope_analytics::recommend::recommend(
                    session,
                    None,
                    &costscope_analytics::recommend::RecommendOptions::default(),
                )
                .await?
                .recommendations
                .len(),
                _ => budgets::report(session, &budget_options)
                    .await?
                    .budgets
                    .len(),
            };
            runs_seconds.push(started.elapsed().as_secs_f64());
        }
        timings.push(QueryTiming {
            name: name.to_string(),
            rows,
            median_seconds: median(&runs_seconds),
            runs_seconds,
        });
    }
    Ok(timings)
}

fn ingest_in_child(lake: &PathBuf, source: &PathBuf) -> anyhow::Result<serde_json::Value> {
    let output = Command::new(std::env::current_exe()?)
        .arg("--lake")
        .arg(lake)
        .arg("--quiet")
        .args(["ingest", "cur"])
        .arg(source)
        .args(["--format", "json"])
        .output()?;
    if !output.status.success() {
        anyhow::bail!("ingest failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(serde_json::from_slice(&output.stdout)?)
}

/// Times the ingest of one generated gzip flow-log file of `--flow-log-lines` records,
/// `--runs` times, each in a child process into a fresh lake. Adds the `flow_log_*` keys
/// (the medians, and each run's rate).
fn bench_flow_logs(dir: &std::path::Path, args: &BenchArgs) -> anyhow::Result<serde_json::Value> {
    if args.flow_log_lines == 0 {
        return Ok(serde_json::json!({}));
    }
    let root = dir.join("flowlogs-sample");
    // Named after what the sample is, so `--reuse` never times an older kind of file.
    let marker = root.join(format!("lines-{}-gzip-default", args.flow_log_lines));
    if !(args.reuse && marker.exists()) {
        if root.exists() {
            std::fs::remove_dir_all(&root)?;
        }
        costscope_synth::write_flow_log_sample(&root, args.flow_log_lines, 42)?;
        std::fs::write(&marker, b"")?;
    }
    let bytes: u64 =
        std::fs::read_dir(root.join("AWSLogs/222222222222/vpcflowlogs/us-east-1/2026/10/01"))?
            .filter_map(|e| e.ok()?.metadata().ok())
            .map(|m| m.len())
            .sum();
    let lake = dir.join("lake-flowlogs");
    let mut rates = Vec::new();
    let mut seconds = Vec::new();
    let mut peak_rss = 0u64;
    let mut records = 0;
    for _ in 0..args.runs.max(1) {
        if lake.exists() {
            std::fs::remove_dir_all(&lake)?;
        }
        let output = Command::new(std::env::current_exe()?)
            .arg("--lake")
            .arg(&lake)
            .arg("--quiet")
            .args(["ingest", "flowlogs"])
            .arg(root.join("AWSLogs"))
            .args(["--format", "json"])
            .output()?;
        if !output.status.success() {
            anyhow::bail!(
                "flow-log ingest failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let ingest: serde_json::Value = serde_json::from_slice(&output.stdout)?;
        records = ingest["rows"].as_u64().unwrap_or(0);
        let run_seconds = ingest["seconds"].as_f64().unwrap_or(0.0);
        seconds.push(run_seconds);
        rates.push(if run_seconds > 0.0 {
            records as f64 / run_seconds
        } else {
            0.0
        });
        peak_rss = peak_rss.max(ingest["peak_rss_bytes"].as_u64().unwrap_or(0));
    }
    Ok(serde_json::json!({
        "flow_log_lines": records,
        "flow_log_gzip_bytes": bytes,
        "flow_log_ingest_seconds": median(&seconds),
        "flow_log_ingest_lines_per_second": median(&rates),
        "flow_log_ingest_runs_lines_per_second": rates,
        "flow_log_ingest_peak_rss_bytes": peak_rss,
        "flow_log_source": root,
    }))
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}
