//! DuckDB side by side: `bench/duckdb_compare.py` (embedded in the binary) run with a
//! Python that has the `duckdb` package, over the same source files, in the same run.
//! It times the query set and the partitioned Parquet write in DuckDB, checks that both
//! engines return the same rows, and returns the ratios.

use std::path::Path;
use std::process::Command;

/// The comparison script, so an installed binary can run it (with the query set beside it).
const SCRIPT: &str = include_str!("../../../../../bench/duckdb_compare.py");

/// Runs the comparison on the report written to `report_path`; its JSON output.
pub fn compare(
    python: &Path,
    dir: &Path,
    report_path: &Path,
    runs: usize,
) -> anyhow::Result<serde_json::Value> {
    let script = dir.join("duckdb_compare.py");
    std::fs::write(&script, SCRIPT)?;
    std::fs::write(dir.join("queries.json"), super::QUERIES_JSON)?;
    let output = Command::new(python)
        .arg(&script)
        .arg("--bench-json")
        .arg(report_path)
        .arg("--costscope")
        .arg(std::env::current_exe()?)
        .args(["--runs", &runs.to_string()])
        .output()?;
    // The script exits 1 when a query's rows differ; its report says which.
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).map_err(|e| {
        anyhow::anyhow!(
            "the DuckDB comparison failed ({e}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })?;
    Ok(report)
}
