//! `costscope cost`: the cost explorer (see docs/cost.md).

use clap::Args;
use costscope_app::cost::CostRequest;
use costscope_app::present;

use crate::args::{Format, FormatArgs, Global};
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
    /// The explorer request these arguments make.
    pub fn request(&self) -> anyhow::Result<CostRequest> {
        Ok(CostRequest {
            group_by: self.group_by.clone(),
            granularity: self.granularity.clone(),
            measure: self.measure.clone(),
            filters: self.filter.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            top: self.top,
            compare: self.compare.clone(),
            rules: self.team.rules()?,
        })
    }
}

pub async fn run(global: &Global, args: CostArgs) -> anyhow::Result<()> {
    let request = args.request()?;
    let report = super::app(global)?
        .cost(&super::principal(global)?, &request)
        .await?;
    let format = args.output.format;
    if format == Format::Json {
        // Keys in the documented order (rows list `period`, the dimensions, `amount`, `unit`).
        return output::line(&serde_json::to_string_pretty(&report)?);
    }
    // Tables show cents (usage to 1/10000); CSV keeps every digit for spreadsheets.
    let report = match format {
        Format::Table => present::cost::rounded(report),
        _ => report,
    };
    let rows = report.rows_batch()?;
    match (format, report.comparison_batch()?) {
        (Format::Table, Some(comparison)) => {
            output::line(&present::cost::rows_heading(&report))?;
            output::print_batch(rows, format)?;
            if let Some(previous) = &report.comparison {
                output::line(&present::cost::comparison_heading(previous))?;
            }
            output::print_batch(comparison, format)
        }
        (Format::Table, None) => {
            output::print_batch(rows, format)?;
            output::lines(present::cost::total_lines(&report))
        }
        // CSV: the comparison when asked for, else the rows.
        (_, Some(comparison)) => output::print_batch(comparison, format),
        (_, None) => output::print_batch(rows, format),
    }
}
