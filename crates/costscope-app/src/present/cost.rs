//! The cost explorer's tables: cents (usage to 1/10000), change in percent to 0.1.

use costscope_analytics::explorer::{Comparison, CostReport, Measure};

use super::round;

/// The report with amounts rounded for reading: cents, or four decimals for usage.
pub fn rounded(mut report: CostReport) -> CostReport {
    let digits = if report.measure == Measure::Usage {
        4
    } else {
        2
    };
    let amount = |value: &mut f64| *value = round(*value, digits);
    report.rows.iter_mut().for_each(|r| amount(&mut r.amount));
    report.totals.iter_mut().for_each(|t| amount(&mut t.amount));
    if let Some(comparison) = &mut report.comparison {
        for row in &mut comparison.rows {
            amount(&mut row.current);
            amount(&mut row.previous);
            amount(&mut row.change);
            if let Some(pct) = &mut row.change_pct {
                *pct = round(*pct, 1);
            }
        }
    }
    report
}

/// The heading over the rows when a comparison follows.
pub fn rows_heading(report: &CostReport) -> String {
    format!("== {} by period", report.measure)
}

/// The heading over the comparison.
pub fn comparison_heading(comparison: &Comparison) -> String {
    format!(
        "== change from the previous period ({} to {}, exclusive)",
        comparison.from, comparison.to
    )
}

/// One `total: AMOUNT UNIT` line per unit.
pub fn total_lines(report: &CostReport) -> Vec<String> {
    report
        .totals
        .iter()
        .map(|total| format!("total: {} {}", total.amount, total.unit))
        .collect()
}
