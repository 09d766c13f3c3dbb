//! Which measures each analysis sums. The measures themselves are
//! [`costscope_core::CostMeasure`]; allocation, tags, budgets and anomalies sum billed
//! money only.

pub use costscope_core::CostMeasure;

use crate::Result;

/// Parses a measure of billed money for `analysis` (unblended, amortized and the net
/// forms; not public or usage).
pub fn parse_billed(text: &str, analysis: &'static str) -> Result<CostMeasure> {
    Ok(text
        .parse::<CostMeasure>()?
        .supported_by(analysis, &CostMeasure::BILLED)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn billed_measures_only() {
        for measure in CostMeasure::BILLED {
            assert_eq!(parse_billed(measure.name(), "budgets").ok(), Some(measure));
        }
        let error = parse_billed("usage", "budgets").expect_err("not money");
        assert!(error.to_string().contains("budgets"), "{error}");
        assert!(parse_billed("blended", "budgets").is_err());
    }
}
