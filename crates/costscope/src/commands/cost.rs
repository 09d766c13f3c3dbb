//! `costscope cost`: the cost explorer (see docs/cost.md).

use std::io::Write;

use clap::Args;
use costscope_analytics::explorer::{self, ExplorerOptions};
use costscope_query::QueryResult;

use crate::cli::{Format, FormatArgs, Global};
use crate::output;

#[derive(Debug, Args)]
pub struct CostArgs {
    /// Group by up to three dimensions (repeat or separate with commas): service, account,
    /// region, az, usage-type, operation, line-item-type, resource, purchase-option,
    /// charge-type, tag:KEY, category:NAME, team.
    #[arg(long, value_name = "DIM", value_delimiter = ',')]
    pub group_by: Vec<String>,
    /// Period length: hourly, daily, weekly (ISO, from Monday) or monthly.
    #[arg(long, default_value = "monthly")]
    pub granularity: String,
    /// unblended, amortized, net-unblended, net-amortized, public (on-demand equivalent)
    /// or usage (per pricing unit).
    #[arg(long, default_value = "unblended")]
    pub measure: String,
    /// Keep rows matching `DIM=VALUE[,VALUE…]` or drop those matching `DIM!=VALUE[,VALUE…]`;
    /// a value with `%` is a LIKE pattern. Repeatable: every filter must hold.
    #[arg(long, value_name = "FILTER")]
    pub filter: Vec<String>,
    /// First day, YYYY-MM-DD (default: the first day with data).
    #[arg(long)]
    pub from: Option<String>,
    /// Day after the last, YYYY-MM-DD, exclusive (default: the day after the last day with data).
    #[arg(long)]
    pub to: Option<String>,
    /// Keep the N largest groups over the range; sum the rest as `Others`.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
    /// Compare with the same-length period before --from: previous-period.
    #[arg(long, value_name = "WHAT")]
    pub compare: Option<String>,
    #[command(flatten)]
    pub team: crate::commands::TeamArgs,
    #[command(flatten)]
    pub output: FormatArgs,
}

impl CostArgs {
    /// The explorer's options, every value checked by the library's parsers.
    pub fn options(&self) -> anyhow::Result<ExplorerOptions> {
        Ok(ExplorerOptions {
            group_by: self
                .group_by
                .iter()
                .map(|d| d.parse())
                .collect::<Result<_, _>>()?,
            granularity: self.granularity.parse()?,
            measure: self.measure.parse()?,
            filters: self
                .filter
                .iter()
                .map(|f| f.parse())
                .collect::<Result<_, _>>()?,
            from: self
                .from
                .as_deref()
                .map(|d| explorer::parse_date("--from", d))
                .transpose()?,
            to: self
                .to
                .as_deref()
                .map(|d| explorer::parse_date("--to", d))
                .transpose()?,
            top: self.top,
            compare: self.compare.as_deref().map(str::parse).transpose()?,
            team: self.team.team()?,
        })
    }
}

pub async fn run(global: &Global, args: CostArgs) -> anyhow::Result<()> {
    let options = args.options()?;
    let session = crate::commands::admin_session(global).await?;
    let report = explorer::explore(&session, &options).await?;
    let format = args.output.format;
    if format == Format::Json {
        return print_json(&report);
    }
    // Tables show cents (usage to 1/10000); CSV keeps every digit for spreadsheets.
    let report = match format {
        Format::Table => rounded(report),
        _ => report,
    };
    let rows = as_result(report.rows_batch()?);
    match (format, report.comparison_batch()?) {
        (Format::Table, Some(comparison)) => {
            line(&format!("== {} by period", report.measure))?;
            output::print_result(&rows, format)?;
            if let Some(previous) = &report.comparison {
                line(&format!(
                    "== change from the previous period ({} to {}, exclusive)",
                    previous.from, previous.to
                ))?;
            }
            output::print_result(&as_result(comparison), format)
        }
        (Format::Table, None) => {
            output::print_result(&rows, format)?;
            for total in &report.totals {
                line(&format!("total: {} {}", total.amount, total.unit))?;
            }
            Ok(())
        }
        // CSV: the comparison when asked for, else the rows.
        (_, Some(comparison)) => output::print_result(&as_result(comparison), format),
        (_, None) => output::print_result(&rows, format),
    }
}

/// The report as pretty JSON, keys in the documented order (rows list their columns in
/// order: `period`, the dimension columns, `amount`, `unit`).
fn print_json(report: &explorer::CostReport) -> anyhow::Result<()> {
    line(&serde_json::to_string_pretty(report)?)
}

/// Writes one line to stdout; a reader that stopped early (`| head`) is not an error.
fn line(text: &str) -> anyhow::Result<()> {
    match writeln!(std::io::stdout().lock(), "{text}") {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// The report with amounts rounded for reading: cents, or 4 decimals for usage.
fn rounded(mut report: explorer::CostReport) -> explorer::CostReport {
    let decimals = if report.measure == explorer::Measure::Usage {
        4
    } else {
        2
    };
    let scale = 10f64.powi(decimals);
    let round = |value: &mut f64| *value = (*value * scale).round() / scale;
    report.rows.iter_mut().for_each(|r| round(&mut r.amount));
    report.totals.iter_mut().for_each(|t| round(&mut t.amount));
    if let Some(comparison) = &mut report.comparison {
        for row in &mut comparison.rows {
            round(&mut row.current);
            round(&mut row.previous);
            round(&mut row.change);
            if let Some(pct) = &mut row.change_pct {
                *pct = (*pct * 10.0).round() / 10.0;
            }
        }
    }
    report
}

fn as_result(batch: arrow::array::RecordBatch) -> QueryResult {
    QueryResult {
        schema: batch.schema(),
        batches: vec![batch],
    }
}
