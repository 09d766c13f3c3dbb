//! `costscope budgets`: budgets vs actual with a forecast to the end of each period, from a
//! budgets file or a one-off budget given by flags; `--backtest` measures the forecast.

use std::path::PathBuf;

use clap::Args;
use costscope_app::budgets::{BacktestRequest, BudgetsRequest};
use costscope_app::present::budgets;

use crate::args::{Format, FormatArgs, Global};
use crate::output::{line, print_records, print_report};

#[derive(Debug, Args)]
pub struct BudgetsArgs {
    /// A budgets file (YAML; see docs/budgets.md).
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// A one-off budget's scope: overall, account=ID|NAME, service=CODE, tag:KEY=VALUE,
    /// team=NAME.
    #[arg(long, requires = "amount")]
    pub scope: Option<String>,
    /// The one-off budget's amount per period.
    #[arg(long, requires = "scope")]
    pub amount: Option<f64>,
    /// The one-off budget's period: monthly or quarterly.
    #[arg(long, default_value = "monthly")]
    pub period: String,
    /// Cost measure: unblended, amortized, net-unblended, net-amortized.
    #[arg(long, default_value = "amortized")]
    pub measure: String,
    /// The one-off budget's alert thresholds, percent of the amount (repeatable).
    #[arg(long = "threshold")]
    pub thresholds: Vec<f64>,
    /// Report as of this day, YYYY-MM-DD (default: the last day with usage).
    #[arg(long)]
    pub as_of: Option<String>,
    #[command(flatten)]
    pub team: crate::commands::TeamArgs,
    /// Coverage of the forecast interval.
    #[arg(long, default_value_t = 0.8)]
    pub confidence: f64,
    /// Backtest month-end forecasts on a held-out month instead of reporting budgets.
    #[arg(long)]
    pub backtest: bool,
    /// The held-out month for --backtest, YYYY-MM (default: the last complete month).
    #[arg(long, requires = "backtest")]
    pub month: Option<String>,
    #[command(flatten)]
    pub output: FormatArgs,
}

pub async fn run(global: &Global, args: BudgetsArgs) -> anyhow::Result<()> {
    let app = super::app(global)?;
    let rules = args.team.rules()?;
    let format = args.output.format;
    if args.backtest {
        let request = BacktestRequest {
            scope: args.scope,
            measure: args.measure,
            month: args.month,
            rules,
            confidence: args.confidence,
        };
        let report = app
            .backtest_budgets(&super::principal(global)?, &request)
            .await?;
        if format == Format::Json {
            return print_report(&report, format);
        }
        if format == Format::Table {
            line(&budgets::backtest_heading(&report))?;
        }
        return print_records(&budgets::backtest_rows(&report), format);
    }
    let request = BudgetsRequest {
        file: super::document(args.file.as_deref())?,
        scope: args.scope,
        amount: args.amount,
        period: args.period,
        measure: args.measure,
        thresholds: args.thresholds,
        as_of: args.as_of,
        rules,
        confidence: args.confidence,
    };
    let report = app.budgets(&super::principal(global)?, &request).await?;
    if format == Format::Json {
        return print_report(&report, format);
    }
    if format == Format::Table {
        line(&budgets::heading(&report))?;
    }
    print_records(&budgets::budget_rows(&report), format)?;
    if format == Format::Table
        && let Some(text) = budgets::not_started_line(&report)
    {
        line(&text)?;
    }
    Ok(())
}
