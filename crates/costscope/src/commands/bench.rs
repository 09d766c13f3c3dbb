//! `costscope bench`: generate an organisation (`--scale 10m|100m`, streamed to files as
//! it is generated), ingest it in a child process (so its peak memory is its own), then
//! time a fixed set of typical FinOps queries, every analysis command and the dashboard
//! calls. Prints every figure as JSON; with `--duckdb-python`, DuckDB runs the same queries
//! on the same source files in the same run (`bench/duckdb_compare.py`) and the ratios are
//! added.

mod analyses;
mod dashboards;
mod duckdb;
mod flow_logs;
mod load;

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

pub use costscope_analytics::forecast::median;
use costscope_app::{App, AppConfig};
use costscope_lake::Lake;
use costscope_query::{Engine, Principal};
use costscope_synth::GenerateOptions;
use costscope_synth::demo_lake::generate_unless_reused;
use serde::{Deserialize, Serialize};

use crate::args::Global;
use clap::{Args, ValueEnum};

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
pub struct QueryTiming {
    pub name: String,
    pub rows: usize,
    pub median_seconds: f64,
    pub runs_seconds: Vec<f64>,
}

/// A benchmark size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scale {
    /// Ten million CUR rows.
    #[value(name = "10m")]
    TenMillion,
    /// A hundred million CUR rows.
    #[value(name = "100m")]
    HundredMillion,
}

impl Scale {
    fn rows(self) -> u64 {
        match self {
            Scale::TenMillion => 10_000_000,
            Scale::HundredMillion => 100_000_000,
        }
    }
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// CUR rows to generate.
    #[arg(long, default_value_t = 1_000_000)]
    pub rows: u64,
    /// A standard size instead of `--rows`.
    #[arg(long, value_enum)]
    pub scale: Option<Scale>,
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
    /// Warm runs of each dashboard call (their median and 95th percentile are reported).
    #[arg(long, default_value_t = 20)]
    pub dashboard_runs: usize,
    /// A Python with the `duckdb` package: run the same queries with DuckDB on the same
    /// source files and add the ratios to the report.
    #[arg(long)]
    pub duckdb_python: Option<PathBuf>,
    /// Seconds the server is put under load by `--load-clients` concurrent clients (half
    /// of them a restricted principal) mixing dashboard analyses and SQL; 0 skips it.
    #[arg(long, default_value_t = 60)]
    pub load_seconds: u64,
    /// Concurrent clients of the load phase.
    #[arg(long, default_value_t = 32)]
    pub load_clients: usize,
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
            rows: Some(args.scale.map_or(args.rows, Scale::rows)),
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
    let analyses = analyses::time_analyses(&session, args.runs).await?;
    drop(session);
    let app = App::open(&AppConfig {
        lake: lake_dir.clone(),
        access: None,
    })?;
    let dashboards = dashboards::time_dashboards(&app, args.dashboard_runs).await?;
    drop(app);
    let load = match args.load_seconds {
        0 => serde_json::Value::Null,
        seconds => load::run_load(&lake_dir, &dir, args.load_clients.max(1), seconds).await?,
    };
    let flow_logs = flow_logs::bench_flow_logs(&dir, &args)?;
    let mut report = serde_json::json!({
        "cur_rows": rows,
        "generate_seconds": generate_seconds,
        "ingest_seconds": ingest_seconds,
        "ingest_rows_per_second": if ingest_seconds > 0.0 { rows as f64 / ingest_seconds } else { 0.0 },
        "ingest_peak_rss_bytes": ingest["peak_rss_bytes"],
        "queries": timings,
        "query_total_seconds": timings.iter().map(|t| t.median_seconds).sum::<f64>(),
        "analyses": analyses,
        "analysis_max_seconds": analyses.iter().map(|t| t.median_seconds).fold(0.0, f64::max),
        "dashboards": dashboards,
        "dashboard_max_p95_ms": dashboards.iter().map(|t| t.p95_ms).fold(0.0, f64::max),
        "dashboard_max_uncached_p95_ms": dashboards
            .iter()
            .map(|t| t.uncached_p95_ms)
            .fold(0.0, f64::max),
        "load": load,
        "lake_bytes": lake_bytes(&lake_dir)?,
        "source": export_root,
        "lake": lake_dir,
        "profile": if cfg!(debug_assertions) { "dev" } else { "release" },
    });
    if let (Some(map), serde_json::Value::Object(flow)) = (report.as_object_mut(), flow_logs) {
        map.extend(flow);
    }
    if let Some(python) = &args.duckdb_python {
        let path = dir.join("costscope-bench.json");
        std::fs::write(&path, serde_json::to_vec_pretty(&report)?)?;
        let duck = duckdb::compare(python, &dir, &path, args.runs)?;
        if let Some(map) = report.as_object_mut() {
            map.insert("duckdb".into(), duck);
        }
    }
    crate::outln!("{}", serde_json::to_string_pretty(&report)?)?;
    Ok(())
}

/// Bytes of each table's live files, and their total.
fn lake_bytes(lake: &std::path::Path) -> anyhow::Result<serde_json::Value> {
    let manifest = Lake::open(lake)?.manifest()?;
    let mut tables = serde_json::Map::new();
    let mut total = 0;
    for (name, table) in &manifest.tables {
        let bytes: u64 = table
            .partitions
            .values()
            .flat_map(|p| &p.files)
            .map(|f| f.bytes)
            .sum();
        total += bytes;
        tables.insert(name.clone(), bytes.into());
    }
    tables.insert("total".into(), total.into());
    Ok(tables.into())
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
