//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// costscope: FinOps cost intelligence over AWS billing exports.
#[derive(Debug, Parser)]
#[command(name = "costscope", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Clone, Args)]
pub struct Global {
    /// The lake directory.
    #[arg(
        long,
        global = true,
        env = "COSTSCOPE_LAKE",
        default_value = "./costscope-lake"
    )]
    pub lake: PathBuf,
    /// Print only results and errors: no progress bars or notes.
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate a synthetic AWS organisation: CUR 2.0 export, flow logs, inventory, metrics.
    Generate(GenerateArgs),
    /// Ingest a source into the lake.
    Ingest(IngestArgs),
    /// Run Athena-compatible SQL (no query: an interactive shell).
    Sql(SqlArgs),
    /// List the lake's tables and partitions.
    Tables(FormatArgs),
    /// Generate a small organisation, ingest it and print a tour of its costs.
    Demo(DemoArgs),
    /// Benchmark generation, ingest and a fixed set of FinOps queries.
    Bench(BenchArgs),
    /// Cost Explorer: cost grouped by up to three dimensions over time.
    Cost(crate::commands::cost::CostArgs),
    /// Allocate every dollar to a team by rules, with shared costs split.
    Allocate(crate::commands::allocate::AllocateArgs),
    /// Tag policy compliance: coverage of required tags, untagged spend, inconsistent values.
    Tags(crate::commands::tags::TagsArgs),
    /// Unit economics: cost per business or usage metric over time, ROI.
    UnitCost(crate::commands::unit_cost::UnitCostArgs),
    /// Budgets vs actual, with a forecast to the end of each period.
    Budgets(crate::commands::budgets::BudgetsArgs),
    /// Cost anomalies with their root cause, and feedback on them.
    Anomalies(crate::commands::anomalies::AnomaliesArgs),
    /// Network cost attribution from VPC Flow Logs: cross-AZ, NAT, top talkers, egress.
    Network(crate::commands::network::NetworkArgs),
    /// Which resource held an IP address (at a time).
    Whois(crate::commands::whois::WhoisArgs),
    /// The weekly efficiency score per team, with the actions that raise it.
    Score(crate::commands::score::ScoreArgs),
    /// Recommendations with estimated savings, and their lifecycle.
    Recommend(crate::commands::recommend::RecommendArgs),
    /// GenAI (Bedrock) cost and tokens by model, provider, pricing model and team.
    Genai(crate::commands::genai::GenaiArgs),
    /// Weekly team reports (HTML, Markdown, JSON).
    Report(crate::commands::report::ReportArgs),
}

/// How results are printed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    #[default]
    Table,
    Csv,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct FormatArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Output directory.
    #[arg(long)]
    pub out: PathBuf,
    /// Random seed: the same seed gives the same files.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Number of billing periods.
    #[arg(long, default_value_t = 3)]
    pub months: u32,
    /// Last billing period, YYYY-MM.
    #[arg(long, default_value = "2026-10")]
    pub end: String,
    /// Scale the CUR to about this many rows.
    #[arg(long)]
    pub rows: Option<u64>,
    #[command(flatten)]
    pub output: FormatArgs,
}

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

#[derive(Debug, Args)]
pub struct SqlArgs {
    /// The query; without it, an interactive shell starts.
    pub query: Option<String>,
    /// Read the query from a file.
    #[arg(long, conflicts_with = "query")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub output: FormatArgs,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to put the generated organisation and the lake (default: a temporary directory).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Scale the CUR to about this many rows.
    #[arg(long)]
    pub rows: Option<u64>,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    #[command(flatten)]
    pub output: FormatArgs,
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
