//! `costscope bench`: generate an organisation, ingest it in a child process (so its peak
//! memory is its own), then time a fixed set of typical FinOps queries. Prints JSON.
//! `bench/duckdb_compare.py` runs the same queries with DuckDB on the same source files.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use costscope_lake::Lake;
use costscope_lake::generate::{GenerateOptions, generate};
use costscope_query::{Engine, Principal};
use serde::{Deserialize, Serialize};

use crate::cli::{BenchArgs, Global};

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

pub async fn run(global: &Global, args: BenchArgs) -> anyhow::Result<()> {
    let (dir, _temp) = match &args.dir {
        Some(dir) => (dir.clone(), None),
        None => {
            let temp = tempfile::tempdir()?;
            (temp.path().to_path_buf(), Some(temp))
        }
    };
    let data = dir.join("data");
    let lake_dir = dir.join("lake");
    let export_root = data.join("cur").join("costscope-demo");
    let mut generate_seconds = None;
    if !(args.reuse && export_root.exists()) {
        if data.exists() {
            std::fs::remove_dir_all(&data)?;
        }
        let started = Instant::now();
        generate(&GenerateOptions {
            out: data.clone(),
            rows: Some(args.rows),
            progress: !global.quiet,
            ..GenerateOptions::default()
        })?;
        generate_seconds = Some(started.elapsed().as_secs_f64());
    }
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
    let report = serde_json::json!({
        "cur_rows": rows,
        "generate_seconds": generate_seconds,
        "ingest_seconds": ingest_seconds,
        "ingest_rows_per_second": if ingest_seconds > 0.0 { rows as f64 / ingest_seconds } else { 0.0 },
        "ingest_peak_rss_bytes": ingest["peak_rss_bytes"],
        "queries": timings,
        "query_total_seconds": timings.iter().map(|t| t.median_seconds).sum::<f64>(),
        "source": export_root,
        "lake": lake_dir,
        "profile": if cfg!(debug_assertions) { "dev" } else { "release" },
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
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

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}
