//! `costscope ingest cur|flowlogs|inventory|metrics|optimizer`.

use costscope_app::ingest::{IngestKind as Kind, IngestRequest};

use clap::{Args, Subcommand};

use crate::args::{FormatArgs, Global};
use crate::output::print_report;

#[derive(Debug, Args)]
pub struct IngestArgs {
    #[command(subcommand)]
    pub kind: IngestKind,
}

#[derive(Debug, Subcommand)]
pub enum IngestKind {
    /// A CUR 2.0 export (root or one billing period) or a legacy CUR (CSV, CSV.gz, Parquet).
    Cur(SourceArgs),
    /// VPC Flow Logs (gzip text with a header line).
    Flowlogs(FlowLogArgs),
    /// A resource inventory (JSON lines or CSV).
    Inventory(SourceArgs),
    /// Business metrics (CSV or JSON: date, metric, value, app, team).
    Metrics(SourceArgs),
    /// A Compute Optimizer or Cost Optimization Hub export (CSV, CSV.gz or Parquet).
    Optimizer(SourceArgs),
}

#[derive(Debug, Args)]
pub struct SourceArgs {
    /// A local path or s3://bucket/prefix.
    pub source: String,
    #[command(flatten)]
    pub output: FormatArgs,
}

#[derive(Debug, Args)]
pub struct FlowLogArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Refuse the whole ingest on the first malformed line.
    #[arg(long)]
    pub strict: bool,
}

pub async fn run(global: &Global, args: IngestArgs) -> anyhow::Result<()> {
    let (kind, source, strict) = match args.kind {
        IngestKind::Cur(a) => (Kind::Cur, a, false),
        IngestKind::Flowlogs(a) => (Kind::Flowlogs, a.source, a.strict),
        IngestKind::Inventory(a) => (Kind::Inventory, a, false),
        IngestKind::Metrics(a) => (Kind::Metrics, a, false),
        IngestKind::Optimizer(a) => (Kind::Optimizer, a, false),
    };
    let request = IngestRequest {
        kind,
        source: source.source,
        strict,
    };
    let format = source.output.format;
    let progress = crate::progress::ingest_progress(global.quiet);
    let report = super::app(global)?
        .ingest(&super::principal(global)?, &request, progress)
        .await?;
    if report.malformed_count > 0 && !global.quiet {
        eprintln!(
            "warning: {} malformed line(s) skipped (use --strict to refuse them); first: {}",
            report.malformed_count,
            report.malformed.first().map(String::as_str).unwrap_or("")
        );
    }
    let mut value = serde_json::to_value(&report)?;
    if let Some(map) = value.as_object_mut() {
        map.insert("peak_rss_bytes".into(), super::peak_rss_bytes().into());
    }
    print_report(&value, format)
}
