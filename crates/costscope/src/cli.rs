//! Command-line arguments.

use clap::{Parser, Subcommand};

use crate::args::{FormatArgs, Global};
use crate::commands::{
    access, allocate, anomalies, audit, bench, budgets, cost, demo, genai, generate, history,
    ingest, network, recommend, report, score, serve, sql, tags, unit_cost, whois,
};

/// costscope: FinOps cost intelligence over AWS billing exports.
#[derive(Debug, Parser)]
#[command(name = "costscope", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate a synthetic AWS organisation: CUR 2.0 export, flow logs, inventory, metrics.
    Generate(generate::GenerateArgs),
    /// Ingest a source into the lake.
    Ingest(ingest::IngestArgs),
    /// Run Athena-compatible SQL (no query: an interactive shell).
    Sql(sql::SqlArgs),
    /// List the lake's tables and partitions.
    Tables(FormatArgs),
    /// Generate a small organisation, ingest it and print a tour of its costs.
    Demo(demo::DemoArgs),
    /// Benchmark generation, ingest and a fixed set of FinOps queries.
    Bench(bench::BenchArgs),
    /// Cost Explorer: cost grouped by up to three dimensions over time.
    Cost(cost::CostArgs),
    /// Allocate every dollar to a team by rules, with shared costs split.
    Allocate(allocate::AllocateArgs),
    /// Tag policy compliance: coverage of required tags, untagged spend, inconsistent values.
    Tags(tags::TagsArgs),
    /// Unit economics: cost per business or usage metric over time, ROI.
    UnitCost(unit_cost::UnitCostArgs),
    /// Budgets vs actual, with a forecast to the end of each period.
    Budgets(budgets::BudgetsArgs),
    /// Cost anomalies with their root cause, and feedback on them.
    Anomalies(anomalies::AnomaliesArgs),
    /// Network cost attribution from VPC Flow Logs: cross-AZ, NAT, top talkers, egress.
    Network(network::NetworkArgs),
    /// Which resource held an IP address (at a time).
    Whois(whois::WhoisArgs),
    /// The weekly efficiency score per team, with the actions that raise it.
    Score(score::ScoreArgs),
    /// Recommendations with estimated savings, and their lifecycle.
    Recommend(recommend::RecommendArgs),
    /// GenAI (Bedrock) cost and tokens by model, provider, pricing model and team.
    Genai(genai::GenaiArgs),
    /// Weekly team reports (HTML, Markdown, JSON).
    Report(report::ReportArgs),
    /// Serve the HTTP API and the PostgreSQL protocol until SIGINT or SIGTERM.
    Serve(serve::ServeArgs),
    /// Access files: check one, make a token.
    Access(access::AccessArgs),
    /// The query history of the workgroups you may see.
    History(history::HistoryArgs),
    /// The tamper-evident audit log: verify it, list it, print its head.
    Audit(audit::AuditArgs),
}
