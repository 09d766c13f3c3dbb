//! The flow-log ingest benchmark: one generated gzip file, ingested in a child process.

use std::process::Command;

use super::{BenchArgs, median};

/// Times the ingest of one generated gzip flow-log file of `--flow-log-lines` records,
/// `--runs` times, each in a child process into a fresh lake. Adds the `flow_log_*` keys
/// (the medians, and each run's rate).
pub fn bench_flow_logs(
    dir: &std::path::Path,
    args: &BenchArgs,
) -> anyhow::Result<serde_json::Value> {
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
