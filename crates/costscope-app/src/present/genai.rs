//! GenAI tables: money to the cent, shares to 4 decimals, tokens whole.

use costscope_analytics::genai::{GenaiReport, GenaiRow};

use super::round;

/// The heading: the grouping and the totals.
pub fn heading(report: &GenaiReport) -> String {
    format!(
        "== GenAI (Bedrock) cost by {}: ${:.2} for {:.1}M tokens (${:.2} per million), cache reads saved ${:.2}",
        report.group_by.join(", "),
        report.total.cost,
        report.total.tokens / 1e6,
        report.total.cost_per_million_tokens.unwrap_or(0.0),
        report.total.cache_savings
    )
}

/// The rows rounded for reading.
pub fn rounded_rows(report: &GenaiReport) -> Vec<GenaiRow> {
    report.rows.iter().map(rounded).collect()
}

/// The rows and the total, with every digit (CSV).
pub fn rows_with_total(report: &GenaiReport) -> Vec<GenaiRow> {
    let mut rows = report.rows.clone();
    rows.push(report.total.clone());
    rows
}

fn rounded(row: &GenaiRow) -> GenaiRow {
    GenaiRow {
        group: row.group.clone(),
        cost: round(row.cost, 2),
        share: round(row.share, 4),
        tokens: round(row.tokens, 0),
        input_tokens: round(row.input_tokens, 0),
        output_tokens: round(row.output_tokens, 0),
        cache_read_tokens: round(row.cache_read_tokens, 0),
        cache_write_tokens: round(row.cache_write_tokens, 0),
        cost_per_million_tokens: row.cost_per_million_tokens.map(|v| round(v, 4)),
        cache_savings: round(row.cache_savings, 2),
        unattributed_cost: round(row.unattributed_cost, 2),
    }
}

/// Whether every dollar is attributed, and why departments pay different prices.
pub fn closing_lines(report: &GenaiReport) -> Vec<String> {
    let attribution = if report.unattributed_flag {
        format!(
            "! ${:.2} of Bedrock spend has no inference profile, team or department tag",
            report.unattributed_cost
        )
    } else {
        "Every Bedrock dollar is attributed to a profile, team or department.".into()
    };
    std::iter::once(attribution)
        .chain(
            report
                .comparisons
                .iter()
                .map(|c| format!("Why: {}.", c.why)),
        )
        .collect()
}
