//! Budget tables: money to the cent, percentages to 0.1 (backtest errors to 0.01).

use costscope_analytics::budgets::{BacktestReport, BudgetReport, LevelCoverage};
use serde::Serialize;

use super::fixed;

/// One budget as a flat row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetRow {
    pub name: String,
    pub scope: String,
    pub measure: String,
    pub period: String,
    pub period_start: String,
    pub period_end: String,
    pub currency: String,
    pub budget: String,
    pub actual: String,
    pub percent_used: String,
    pub forecast: String,
    pub forecast_lower: String,
    pub forecast_upper: String,
    pub state: String,
    /// The thresholds reached, `80% actual; 100% forecast`.
    pub alerts: String,
}

/// Every budget of the report.
pub fn budget_rows(report: &BudgetReport) -> Vec<BudgetRow> {
    report
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
            budget: fixed(b.budget, 2),
            actual: fixed(b.actual, 2),
            percent_used: fixed(b.percent_used, 1),
            forecast: fixed(b.forecast.mean, 2),
            forecast_lower: fixed(b.forecast.lower, 2),
            forecast_upper: fixed(b.forecast.upper, 2),
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
        .collect()
}

/// The heading over the budgets.
pub fn heading(report: &BudgetReport) -> String {
    format!("== budgets as of {}", report.as_of)
}

/// The line naming budgets that have not started, if any.
pub fn not_started_line(report: &BudgetReport) -> Option<String> {
    (!report.not_started.is_empty())
        .then(|| format!("not started yet: {}", report.not_started.join(", ")))
}

/// One backtested scope as a flat row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestRow {
    pub scope: String,
    pub actual: String,
    pub forecasts: usize,
    pub mape_percent: String,
    pub max_ape_percent: String,
    /// Coverage at the requested confidence.
    pub coverage: String,
    /// Coverage at the nominal 50%, 80% and 95%.
    pub coverage_50: String,
    pub coverage_80: String,
    pub coverage_95: String,
}

/// Every backtested scope.
pub fn backtest_rows(report: &BacktestReport) -> Vec<BacktestRow> {
    report
        .scopes
        .iter()
        .map(|s| BacktestRow {
            scope: s.scope.to_string(),
            actual: fixed(s.actual, 2),
            forecasts: s.points.len(),
            mape_percent: fixed(s.mape, 2),
            max_ape_percent: fixed(s.max_ape, 2),
            coverage: fixed(s.coverage, 2),
            coverage_50: level(&s.coverage_by_level, 0.5),
            coverage_80: level(&s.coverage_by_level, 0.8),
            coverage_95: level(&s.coverage_by_level, 0.95),
        })
        .collect()
}

/// The coverage at `confidence`, to 0.01 (empty when not measured).
fn level(levels: &[LevelCoverage], confidence: f64) -> String {
    levels
        .iter()
        .find(|l| (l.confidence - confidence).abs() < 1e-9)
        .map(|l| fixed(l.coverage, 2))
        .unwrap_or_default()
}

/// The heading over the backtest: the month, the error, the interval coverage at the
/// requested and nominal levels, and how the intervals are made.
pub fn backtest_heading(report: &BacktestReport) -> String {
    let day = |d: Option<&chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let levels: Vec<String> = report
        .coverage_by_level
        .iter()
        .map(|l| {
            format!(
                "{:.0}% held {:.0}%",
                l.confidence * 100.0,
                l.coverage * 100.0
            )
        })
        .collect();
    format!(
        "== backtest of {} month-end forecasts ({}), as of {} to {}: MAPE {:.2}%, {:.0}% intervals held {:.0}% ({})\n== intervals: {}",
        report.month,
        report.measure,
        day(report.as_of_dates.first()),
        day(report.as_of_dates.last()),
        report.mape,
        report.confidence * 100.0,
        report.coverage * 100.0,
        levels.join(", "),
        report.interval_method,
    )
}
