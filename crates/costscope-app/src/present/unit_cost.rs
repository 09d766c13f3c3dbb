//! Unit-cost tables: money to the cent, cost per unit to 8 decimals, ROI and margin in
//! percent to 0.1 — or every digit, for CSV.

use costscope_analytics::unit_cost::{PeriodUnitCost, UnitCostReport};
use serde::Serialize;

/// The heading over the periods.
pub fn heading(report: &UnitCostReport) -> String {
    let scope = if report.scope.is_empty() {
        String::new()
    } else {
        format!(" for {}", report.scope.join(", "))
    };
    format!(
        "== cost per unit of {} ({}){scope}, {} cost in {}",
        report.metric,
        report.metric_description,
        report.measure,
        report.currency.as_deref().unwrap_or("-"),
    )
}

/// The summary and notes after the periods.
pub fn closing_lines(report: &UnitCostReport) -> Vec<String> {
    std::iter::once(report.summary.text.clone())
        .chain(report.notes.iter().map(|note| format!("note: {note}")))
        .collect()
}

/// One period with the change from the one before (empty text for null).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub period: String,
    pub cost: String,
    pub static_cost: String,
    pub variable_cost: String,
    pub units: String,
    pub cost_per_unit: String,
    pub variable_cost_per_unit: String,
    pub revenue: String,
    pub roi: String,
    pub margin: String,
    pub cost_change: String,
    pub volume_effect: String,
    pub unit_cost_effect: String,
}

/// The periods rounded for reading (`display`) or with every digit (CSV).
pub fn rows(report: &UnitCostReport, display: bool) -> Vec<Row> {
    let money = |v: f64| {
        if display {
            format!("{v:.2}")
        } else {
            v.to_string()
        }
    };
    let rate = |v: Option<f64>| {
        v.map(|v| {
            if display {
                format!("{v:.8}")
            } else {
                v.to_string()
            }
        })
        .unwrap_or_default()
    };
    let percent = |v: Option<f64>| {
        v.map(|v| {
            if display {
                format!("{:.1}%", v * 100.0)
            } else {
                v.to_string()
            }
        })
        .unwrap_or_default()
    };
    report
        .periods
        .iter()
        .enumerate()
        .map(|(index, p): (usize, &PeriodUnitCost)| {
            let change = index
                .checked_sub(1)
                .and_then(|i| report.changes.get(i))
                .filter(|c| c.to == p.period);
            Row {
                period: p.period.clone(),
                cost: money(p.cost),
                static_cost: money(p.static_cost),
                variable_cost: money(p.variable_cost),
                units: if display {
                    format!("{}", p.units.round())
                } else {
                    p.units.to_string()
                },
                cost_per_unit: rate(p.cost_per_unit),
                variable_cost_per_unit: rate(p.variable_cost_per_unit),
                revenue: p.revenue.map(money).unwrap_or_default(),
                roi: percent(p.roi),
                margin: percent(p.margin),
                cost_change: change.map(|c| money(c.cost_change)).unwrap_or_default(),
                volume_effect: change
                    .and_then(|c| c.volume_effect)
                    .map(money)
                    .unwrap_or_default(),
                unit_cost_effect: change
                    .and_then(|c| c.unit_cost_effect)
                    .map(money)
                    .unwrap_or_default(),
            }
        })
        .collect()
}
