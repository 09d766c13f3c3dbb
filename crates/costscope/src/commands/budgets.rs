//! `costscope budgets`: budgets vs actual with a forecast to the end of each period, from a
//! budgets file or a one-off budget given by flags; `--backtest` measures the forecast.

use std::path::PathBuf;

use clap::Args;
use costscope_analytics::Error;
use costscope_analytics::budgets::{
    self, BacktestOptions, BacktestReport, Budget, BudgetOptions, BudgetReport, Measure,
    PeriodKind, Scope,
};
use serde::Serialize;

use crate::cli::{Format, FormatArgs, Global};
use crate::output::{print_records, print_report};

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
    let session = crate::commands::admin_session(global).await?;
    let invalid = |message: String| Error::InvalidArgument(message);
    let measure: Measure = args.measure.parse()?;
    let team = args.team.team()?;
    if args.backtest {
        let scopes = match &args.scope {
            Some(scope) => vec![scope.parse::<Scope>().map_err(invalid)?],
            None => Vec::new(),
        };
        let report = budgets::backtest(
            &session,
            &BacktestOptions {
                scopes,
                measure,
                month: args.month.clone(),
                team: team.clone(),
                confidence: args.confidence,
                ..BacktestOptions::default()
            },
        )
        .await?;
        return print_backtest(&report, args.output.format);
    }

    let mut list = match &args.file {
        Some(path) => budgets::load_budgets(path)?,
        None => Vec::new(),
    };
    if let (Some(scope), Some(amount)) = (&args.scope, args.amount) {
        if !(amount.is_finite() && amount > 0.0) {
            return Err(
                invalid(format!("--amount must be greater than zero, not {amount}")).into(),
            );
        }
        let scope: Scope = scope.parse().map_err(invalid)?;
        let period: PeriodKind = args.period.parse().map_err(invalid)?;
        list.push(Budget {
            period,
            measure,
            thresholds: args.thresholds.clone(),
            ..Budget::new(scope, amount)
        });
    }
    if list.is_empty() {
        return Err(
            invalid("no budgets: give --file budgets.yaml or --scope and --amount".into()).into(),
        );
    }
    let as_of = args
        .as_of
        .as_deref()
        .map(|text| budgets::parse_day(text).map_err(|e| invalid(format!("--as-of: {e}"))))
        .transpose()?;
    let report = budgets::report(
        &session,
        &BudgetOptions {
            budgets: list,
            as_of,
            team: team.clone(),
            confidence: args.confidence,
            ..BudgetOptions::default()
        },
    )
    .await?;
    print_budgets(&report, args.output.format)
}

/// One budget as a flat row (amounts rounded to the cent for display).
#[derive(Serialize)]
struct BudgetRow {
    name: String,
    scope: String,
    measure: String,
    period: String,
    period_start: String,
    period_end: String,
    currency: String,
    budget: String,
    actual: String,
    percent_used: String,
    forecast: String,
    forecast_lower: String,
    forecast_upper: String,
    state: String,
    alerts: String,
}

fn print_budgets(report: &BudgetReport, format: Format) -> anyhow::Result<()> {
    if format == Format::Json {
        return print_report(report, format);
    }
    let rows: Vec<BudgetRow> = report
        .budgets
        .iter()
        .map(|b| BudgetRow {
            name: b.name.clone(),
            scope: b.scope.to_string(),
            measure: b.measure.to_string(),
            period: b.period.to_string(),
            period_start: b.period_start.to_string(),
            period_end: b.period_end.to_string(),
            currency: b.currency.clone(),
            budget: cents(b.budget),
            actual: cents(b.actual),
            percent_used: format!("{:.1}", b.percent_used),
            forecast: cents(b.forecast.mean),
            forecast_lower: cents(b.forecast.lower),
            forecast_upper: cents(b.forecast.upper),
            state: b.state.name().to_string(),
            alerts: b
                .thresholds
                .iter()
                .filter_map(|t| {
                    let basis = if t.actual_crossed {
                        "actual"
                    } else if t.forecast_crossed {
                        "forecast"
                    } else {
                        return None;
                    };
                    Some(format!("{}% {basis}", t.percent))
                })
                .collect::<Vec<_>>()
                .join("; "),
        })
        .collect();
    if format == Format::Table {
        crate::outln!("== budgets as of {}", report.as_of)?;
    }
    print_records(&rows, format)?;
    if format == Format::Table && !report.not_started.is_empty() {
        crate::outln!("not started yet: {}", report.not_started.join(", "))?;
    }
    Ok(())
}

/// One backtested scope as a flat row.
#[derive(Serialize)]
struct BacktestRow {
    scope: String,
    actual: String,
    forecasts: usize,
    mape_percent: String,
    max_ape_percent: String,
    coverage: String,
}

fn print_backtest(report: &BacktestReport, format: Format) -> anyhow::Result<()> {
    if format == Format::Json {
        return print_report(report, format);
    }
    if format == Format::Table {
        crate::outln!(
            "== backtest of {} month-end forecasts ({}), as of {} to {}: MAPE {:.2}%, {:.0}% intervals held {:.0}%",
            report.month,
            report.measure,
            report
                .as_of_dates
                .first()
                .map(|d| d.to_string())
                .unwrap_or_default(),
            report
                .as_of_dates
                .last()
                .map(|d| d.to_string())
                .unwrap_or_default(),
            report.mape,
            report.confidence * 100.0,
            report.coverage * 100.0,
        )?;
    }
    let rows: Vec<BacktestRow> = report
        .scopes
        .iter()
        .map(|s| BacktestRow {
            scope: s.scope.to_string(),
            actual: cents(s.actual),
            forecasts: s.points.len(),
            mape_percent: format!("{:.2}", s.mape),
            max_ape_percent: format!("{:.2}", s.max_ape),
            coverage: format!("{:.2}", s.coverage),
        })
        .collect();
    print_records(&rows, format)
}

fn cents(value: f64) -> String {
    format!("{value:.2}")
}
