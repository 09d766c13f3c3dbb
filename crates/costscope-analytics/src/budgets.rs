//! Budgets and forecasts: for each budget (a scope of cost, a measure, a monthly or
//! quarterly amount), the actual cost of the current period to date, a forecast of the
//! period's total with a prediction interval, and a state that automation acts on:
//! `over` (actual above budget), `forecast_over` (forecast mean above budget) or `ok`.
//!
//! One query aggregates the daily series of every budget; forecasting runs in Rust on
//! those small series ([`crate::forecast`]). Recurring lumps (tax, fees, credits, monthly
//! lines) are kept out of the daily model and added as last month's amounts until billed.
//! [`backtest`] measures the month-end forecast error on held-out days.

mod backtest;
mod definition;
mod file;
mod projection;
mod series;

use chrono::{Days, NaiveDate};
use costscope_core::TeamExpr;
use costscope_query::Session;
use serde::Serialize;

pub use backtest::{
    BacktestOptions, BacktestPoint, BacktestReport, INTERVAL_METHOD, LevelCoverage, LevelInterval,
    NOMINAL_LEVELS, ScopeBacktest, backtest,
};
pub use definition::{Budget, Measure, PeriodKind, Scope, parse_day, parse_month};
pub use file::{load_budgets, parse_budgets};
pub use series::RECURRING_LINE_ITEM_TYPES;

use crate::forecast::{DEFAULT_CONFIDENCE, iso_date};
use crate::{Error, Result};
use projection::{ProjectionSettings, project};
use series::{last_usage_day, load_series};

/// Days of history the daily model is fitted on by default (13 weeks).
pub const DEFAULT_HISTORY_DAYS: usize = 91;

/// What to report.
#[derive(Debug, Clone)]
pub struct BudgetOptions {
    pub budgets: Vec<Budget>,
    /// The day the report is made as of (inclusive); `None`: the last day with usage.
    pub as_of: Option<NaiveDate>,
    /// Who owns a row, for team budgets (default: the `user_team` tag).
    pub team: TeamExpr,
    /// Coverage of the forecast interval, in (0, 1).
    pub confidence: f64,
    /// Days of history the forecast is fitted on.
    pub history_days: usize,
}

impl Default for BudgetOptions {
    fn default() -> Self {
        BudgetOptions {
            budgets: Vec::new(),
            as_of: None,
            team: TeamExpr::default(),
            confidence: DEFAULT_CONFIDENCE,
            history_days: DEFAULT_HISTORY_DAYS,
        }
    }
}

/// Budgets as of a day.
#[derive(Debug, Clone, Serialize)]
pub struct BudgetReport {
    #[serde(serialize_with = "iso_date")]
    pub as_of: NaiveDate,
    /// Coverage of the forecast intervals.
    pub confidence: f64,
    pub budgets: Vec<BudgetStatus>,
    /// Budgets whose start month is after the as-of day.
    pub not_started: Vec<String>,
}

/// One budget's period: where it stands and where it is heading.
#[derive(Debug, Clone, Serialize)]
pub struct BudgetStatus {
    pub name: String,
    pub scope: Scope,
    pub measure: Measure,
    pub period: PeriodKind,
    #[serde(serialize_with = "iso_date")]
    pub period_start: NaiveDate,
    #[serde(serialize_with = "iso_date")]
    pub period_end: NaiveDate,
    /// Days of the period up to and including the as-of day.
    pub days_elapsed: i64,
    /// Days of the period after the as-of day.
    pub days_remaining: i64,
    /// Billing currency (empty when no cost matched).
    pub currency: String,
    /// The budgeted amount for the period.
    pub budget: f64,
    /// Cost from the period start to the as-of day.
    pub actual: f64,
    /// `actual` as a percentage of `budget`.
    pub percent_used: f64,
    /// The period's total as forecast: mean and prediction interval.
    pub forecast: ForecastTotal,
    /// `forecast.mean` as a percentage of `budget`.
    pub forecast_percent: f64,
    /// Part of the forecast from recurring charges not billed yet.
    pub recurring_estimate: f64,
    pub state: BudgetState,
    pub thresholds: Vec<ThresholdStatus>,
    /// The daily model used (`holt-winters` or `mean`).
    pub method: &'static str,
    /// How the forecast's interval was made (`conformal`, `state-space` or `mean`).
    pub interval_method: &'static str,
    /// Things to check, e.g. a scope that matches no cost.
    pub warnings: Vec<String>,
}

/// A forecast period total.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ForecastTotal {
    pub mean: f64,
    pub lower: f64,
    pub upper: f64,
}

/// The state automation acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BudgetState {
    /// Actual and forecast within budget.
    Ok,
    /// Actual within budget, forecast mean above it.
    ForecastOver,
    /// Actual above budget.
    Over,
}

impl BudgetState {
    pub fn name(self) -> &'static str {
        match self {
            BudgetState::Ok => "ok",
            BudgetState::ForecastOver => "forecast_over",
            BudgetState::Over => "over",
        }
    }

    /// The state of `actual` and `forecast_mean` against `budget`.
    pub fn of(budget: f64, actual: f64, forecast_mean: f64) -> Self {
        if actual > budget {
            BudgetState::Over
        } else if forecast_mean > budget {
            BudgetState::ForecastOver
        } else {
            BudgetState::Ok
        }
    }
}

/// An alert threshold and whether the actual or the forecast has reached it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ThresholdStatus {
    /// Percent of the budget.
    pub percent: f64,
    /// The threshold as an amount.
    pub amount: f64,
    pub actual_crossed: bool,
    pub forecast_crossed: bool,
}

/// Reports every budget of `options` for the period containing the as-of day.
pub async fn report(session: &Session, options: &BudgetOptions) -> Result<BudgetReport> {
    check_settings(options.confidence, options.history_days)?;
    let as_of = match options.as_of {
        Some(day) => day,
        None => last_usage_day(session).await?.ok_or_else(|| {
            Error::InvalidArgument("the lake holds no cost data (ingest a CUR first)".into())
        })?,
    };
    let mut active = Vec::new();
    let mut not_started = Vec::new();
    for budget in &options.budgets {
        match budget.period_containing(as_of) {
            Some(period) => active.push((budget, period)),
            None => not_started.push(budget.name.clone()),
        }
    }
    let keys = unique_keys(active.iter().map(|(b, _)| (b.scope.clone(), b.measure)));
    let history_start = as_of
        .checked_sub_days(Days::new(options.history_days as u64))
        .unwrap_or(as_of);
    let first = active
        .iter()
        .map(|(_, (start, _))| *start)
        .chain([history_start])
        .min()
        .unwrap_or(as_of);
    let series = load_series(session, &keys, &options.team, first, as_of).await?;
    let settings = ProjectionSettings {
        history_days: options.history_days,
        confidence: options.confidence,
        hide_current_recurring: false,
    };
    let mut statuses = Vec::with_capacity(active.len());
    for (budget, period) in active {
        let index = keys
            .iter()
            .position(|k| *k == (budget.scope.clone(), budget.measure))
            .ok_or_else(|| Error::InvalidArgument(format!("budget {} lost", budget.name)))?;
        statuses.push(status(budget, period, as_of, &series[index], settings)?);
    }
    Ok(BudgetReport {
        as_of,
        confidence: options.confidence,
        budgets: statuses,
        not_started,
    })
}

fn status(
    budget: &Budget,
    (period_start, period_end): (NaiveDate, NaiveDate),
    as_of: NaiveDate,
    series: &series::ScopeSeries,
    settings: ProjectionSettings,
) -> Result<BudgetStatus> {
    if series.currencies.len() > 1 {
        return Err(Error::InvalidArgument(format!(
            "budget {} covers cost in several currencies ({}); narrow its scope to one",
            budget.name,
            series
                .currencies
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let mut warnings = Vec::new();
    if series.is_empty() {
        warnings.push(format!(
            "no cost matches {} in the period or the history before it",
            budget.scope
        ));
    }
    let projection = project(series, (period_start, period_end), as_of, settings);
    let total = projection.total;
    let percent = |value: f64| value / budget.amount * 100.0;
    let thresholds = budget
        .thresholds
        .iter()
        .map(|p| {
            let amount = budget.amount * p / 100.0;
            ThresholdStatus {
                percent: *p,
                amount,
                actual_crossed: projection.actual >= amount,
                forecast_crossed: total.mean >= amount,
            }
        })
        .collect();
    Ok(BudgetStatus {
        name: budget.name.clone(),
        scope: budget.scope.clone(),
        measure: budget.measure,
        period: budget.period,
        period_start,
        period_end,
        days_elapsed: (as_of - period_start).num_days() + 1,
        days_remaining: (period_end - as_of).num_days(),
        currency: series.currencies.iter().next().cloned().unwrap_or_default(),
        budget: budget.amount,
        actual: projection.actual,
        percent_used: percent(projection.actual),
        forecast: ForecastTotal {
            mean: total.mean,
            lower: total.lower,
            upper: total.upper,
        },
        forecast_percent: percent(total.mean),
        recurring_estimate: projection.recurring_estimate,
        state: BudgetState::of(budget.amount, projection.actual, total.mean),
        thresholds,
        method: projection.daily.method,
        interval_method: projection.daily.interval_method,
        warnings,
    })
}

fn check_settings(confidence: f64, history_days: usize) -> Result<()> {
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(Error::InvalidArgument(format!(
            "confidence must be between 0 and 1 (e.g. 0.8), not {confidence}"
        )));
    }
    if history_days < 7 {
        return Err(Error::InvalidArgument(format!(
            "history must be at least 7 days, not {history_days}"
        )));
    }
    Ok(())
}

/// The distinct keys in first-seen order.
fn unique_keys<K: PartialEq>(keys: impl Iterator<Item = K>) -> Vec<K> {
    let mut unique = Vec::new();
    for key in keys {
        if !unique.contains(&key) {
            unique.push(key);
        }
    }
    unique
}
