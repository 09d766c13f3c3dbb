//! `costscope genai`: GenAI (Bedrock) cost and tokens by model, provider type, pricing
//! model, inference profile, team, app, department or tag, with cost per million tokens,
//! cache savings, unattributed spend and why departments pay different prices.

use clap::Args;
use costscope_app::genai::GenaiRequest;
use costscope_app::present::genai;

use crate::args::{Format, FormatArgs, Global};
use crate::output::{line, lines, print_records, print_report};

#[derive(Debug, Args)]
pub struct GenaiArgs {
    /// Group by model, provider, pricing-model, profile, team, app, department, account or
    /// tag:KEY (comma-separated to combine).
    #[arg(long, default_value = "model")]
    pub group_by: String,
    /// First day, YYYY-MM-DD (inclusive).
    #[arg(long)]
    pub from: Option<String>,
    /// Last day, YYYY-MM-DD (inclusive).
    #[arg(long)]
    pub to: Option<String>,
    #[command(flatten)]
    pub rules: crate::commands::TeamArgs,
    #[command(flatten)]
    pub output: FormatArgs,
}

pub async fn run(global: &Global, args: GenaiArgs) -> anyhow::Result<()> {
    let request = GenaiRequest {
        group_by: args.group_by.split(',').map(str::to_string).collect(),
        from: args.from,
        to: args.to,
        rules: args.rules.rules()?,
    };
    let report = super::app(global)?
        .genai(&super::principal(global)?, &request)
        .await?;
    match args.output.format {
        Format::Json => print_report(&report, Format::Json),
        Format::Csv => print_records(&genai::rows_with_total(&report), Format::Csv),
        Format::Table => {
            line(&genai::heading(&report))?;
            print_records(&genai::rounded_rows(&report), Format::Table)?;
            lines(genai::closing_lines(&report))
        }
    }
}
