//! `costscope unit-cost`: cost per unit of a business or bill metric over time.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use costscope_app::present::unit_cost;
use costscope_app::unit_cost::UnitCostRequest;

use crate::args::{Format, FormatArgs, Global};
use crate::output::{line, lines, print_records, print_report};

#[derive(Debug, Args)]
pub struct UnitCostArgs {
    /// Business metric (from `ingest metrics`, e.g. invocations) or bill metric
    /// (lambda-requests, lambda-gb-seconds, bedrock-tokens, s3-gb-month,
    /// ec2-instance-hours, nat-gb).
    #[arg(long)]
    pub metric: String,
    /// Restrict the cost: tag:KEY=VALUE (e.g. tag:app=clickstream), account=ID|NAME or
    /// service=CODE; repeat to combine. tag:app and tag:team also narrow business metrics.
    #[arg(long)]
    pub scope: Vec<String>,
    /// Period width.
    #[arg(long, value_enum, default_value_t = GranularityArg::Monthly)]
    pub granularity: GranularityArg,
    /// Cost measure: unblended, amortized, net-unblended, net-amortized or public.
    #[arg(long, default_value = "amortized")]
    pub measure: String,
    /// YAML file of static/variable rules checked before the built-in ones.
    #[arg(long)]
    pub classification: Option<PathBuf>,
    /// Business metric holding revenue, for ROI and margin.
    #[arg(long, default_value = "revenue")]
    pub revenue_metric: String,
    /// First day included (YYYY-MM-DD).
    #[arg(long)]
    pub start: Option<String>,
    /// First day excluded (YYYY-MM-DD).
    #[arg(long)]
    pub end: Option<String>,
    #[command(flatten)]
    pub output: FormatArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GranularityArg {
    Daily,
    Weekly,
    Monthly,
}

impl GranularityArg {
    /// The name the request carries.
    fn name(self) -> &'static str {
        match self {
            GranularityArg::Daily => "daily",
            GranularityArg::Weekly => "weekly",
            GranularityArg::Monthly => "monthly",
        }
    }
}

pub async fn run(global: &Global, args: UnitCostArgs) -> anyhow::Result<()> {
    let request = UnitCostRequest {
        metric: args.metric,
        scope: args.scope,
        granularity: args.granularity.name().to_string(),
        measure: args.measure,
        classification: super::document(args.classification.as_deref())?,
        revenue_metric: args.revenue_metric,
        start: args.start,
        end: args.end,
    };
    let report = super::app(global)?
        .unit_cost(&super::principal(global)?, &request)
        .await?;
    match args.output.format {
        Format::Json => print_report(&report, Format::Json),
        Format::Csv => print_records(&unit_cost::rows(&report, false), Format::Csv),
        Format::Table => {
            line(&unit_cost::heading(&report))?;
            print_records(&unit_cost::rows(&report, true), Format::Table)?;
            lines(unit_cost::closing_lines(&report))
        }
    }
}
