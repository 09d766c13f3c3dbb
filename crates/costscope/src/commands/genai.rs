//! `costscope genai`: GenAI (Bedrock) cost and tokens by model, provider type, pricing
//! model, inference profile, team, app, department or tag, with cost per million tokens,
//! cache savings, unattributed spend and why departments pay different prices.

use clap::Args;
use costscope_analytics::genai::{self, GenaiOptions, GroupBy};

use crate::cli::{Format, FormatArgs, Global};
use crate::output::{print_records, print_report};

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

fn parse_day(text: &str) -> anyhow::Result<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        costscope_analytics::Error::InvalidArgument(format!("invalid day `{text}`: use YYYY-MM-DD"))
            .into()
    })
}

fn line(text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    match writeln!(std::io::stdout().lock(), "{text}") {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

pub async fn run(global: &Global, args: GenaiArgs) -> anyhow::Result<()> {
    let group_by = args
        .group_by
        .split(',')
        .map(str::parse::<GroupBy>)
        .collect::<Result<Vec<_>, _>>()?;
    let options = GenaiOptions {
        group_by,
        from: args.from.as_deref().map(parse_day).transpose()?,
        to: args.to.as_deref().map(parse_day).transpose()?,
        team: args.rules.team()?,
    };
    let session = crate::commands::admin_session(global).await?;
    let report = genai::genai(&session, &options).await?;
    match args.output.format {
        Format::Json => print_report(&report, Format::Json),
        Format::Csv => {
            let mut rows = report.rows.clone();
            rows.push(report.total.clone());
            print_records(&rows, Format::Csv)
        }
        Format::Table => {
            line(&format!(
                "== GenAI (Bedrock) cost by {}: ${:.2} for {:.1}M tokens (${:.2} per million), cache reads saved ${:.2}",
                report.group_by.join(", "),
                report.total.cost,
                report.total.tokens / 1e6,
                report.total.cost_per_million_tokens.unwrap_or(0.0),
                report.total.cache_savings
            ))?;
            let rows: Vec<_> = report.rows.iter().map(rounded).collect();
            print_records(&rows, Format::Table)?;
            if report.unattributed_flag {
                line(&format!(
                    "! ${:.2} of Bedrock spend has no inference profile, team or department tag",
                    report.unattributed_cost
                ))?;
            } else {
                line("Every Bedrock dollar is attributed to a profile, team or department.")?;
            }
            for comparison in &report.comparisons {
                line(&format!("Why: {}.", comparison.why))?;
            }
            Ok(())
        }
    }
}

fn rounded(row: &genai::GenaiRow) -> genai::GenaiRow {
    let r = |v: f64, d: i32| {
        let s = 10f64.powi(d);
        (v * s).round() / s
    };
    genai::GenaiRow {
        group: row.group.clone(),
        cost: r(row.cost, 2),
        share: r(row.share, 4),
        tokens: r(row.tokens, 0),
        input_tokens: r(row.input_tokens, 0),
        output_tokens: r(row.output_tokens, 0),
        cache_read_tokens: r(row.cache_read_tokens, 0),
        cache_write_tokens: r(row.cache_write_tokens, 0),
        cost_per_million_tokens: row.cost_per_million_tokens.map(|v| r(v, 4)),
        cache_savings: r(row.cache_savings, 2),
        unattributed_cost: r(row.unattributed_cost, 2),
    }
}
