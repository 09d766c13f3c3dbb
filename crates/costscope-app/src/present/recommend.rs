//! The recommendations table and its totals.

use costscope_analytics::recommend::{RecommendReport, Recommendation};
use serde::Serialize;

/// One recommendation as a flat row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row<'a> {
    pub category: &'static str,
    pub team: &'a str,
    pub id: &'a str,
    pub effort: &'static str,
    pub current: &'a str,
    pub recommended: &'a str,
    pub monthly_cost: f64,
    pub monthly_saving: f64,
    pub realized_monthly_saving: Option<f64>,
    pub status: &'static str,
    pub source: String,
}

/// A recommendation's row.
pub fn row(r: &Recommendation) -> Row<'_> {
    Row {
        category: r.category.name(),
        team: &r.team,
        id: &r.id,
        effort: r.effort.name(),
        current: &r.current,
        recommended: &r.recommended,
        monthly_cost: r.monthly_cost,
        monthly_saving: r.monthly_saving,
        realized_monthly_saving: r.realized_monthly_saving,
        status: r.status.name(),
        source: serde_json::to_value(r.source)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
    }
}

/// Every recommendation's row.
pub fn rows(report: &RecommendReport) -> Vec<Row<'_>> {
    report.recommendations.iter().map(row).collect()
}

/// One line per category, then the total with the usage window and the prices' date.
pub fn total_lines(report: &RecommendReport) -> Vec<String> {
    let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    report
        .categories
        .iter()
        .map(|c| {
            format!(
                "{}: {} recommendations, ${:.2}/month",
                c.category, c.count, c.monthly_saving
            )
        })
        .chain([format!(
            "total: ${:.2}/month (usage {} to {}; prices as of {})",
            report.total_monthly_saving,
            day(report.window_from),
            day(report.window_to),
            report.prices.as_of
        )])
        .collect()
}
