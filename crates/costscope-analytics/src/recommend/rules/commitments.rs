//! Commitments: a Compute Savings Plan sized from the steady On-Demand baseline.
//!
//! The baseline is the 10th percentile of the organisation's hourly On-Demand spend that a
//! Compute Savings Plan covers (EC2 instance hours, Lambda, Fargate; Spot and already
//! covered hours excluded) over the window. The compute recommendations above lower that
//! spend, so their hourly savings are taken off the baseline first (change first, then
//! commit): the same dollar is never counted by both.

use super::{Context, UNTAGGED, usd};
use crate::recommend::{Category, Effort, Found, Recommendation, Source};

/// Percentile of hourly spend the commitment covers.
pub const BASELINE_PERCENTILE: f64 = 0.10;

/// The value at `p` (0..1) of `values` (nearest rank).
pub fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

pub(crate) fn compute_savings_plan(
    cx: &Context<'_>,
    hourly: &[f64],
    others: &[Recommendation],
) -> Vec<Recommendation> {
    let Some(discount) = cx.price("savings-plan/compute-1yr-no-upfront-discount") else {
        return Vec::new();
    };
    let baseline = percentile(hourly, BASELINE_PERCENTILE);
    // Only On-Demand hours are in the baseline; compute savings on them lower it.
    let compute_hourly: f64 = others
        .iter()
        .filter(|r| r.category == Category::Compute && r.rule != "compute-savings-plan")
        .map(|r| r.monthly_saving / super::usage::HOURS_PER_MONTH)
        .sum();
    let sized = (baseline - compute_hourly).max(0.0);
    if sized <= 0.0 {
        return Vec::new();
    }
    let commitment = sized * (1.0 - discount);
    let saving = sized * discount * super::usage::HOURS_PER_MONTH;
    let resource_id = "compute-savings-plan".to_string();
    vec![Found {
        rule: "compute-savings-plan".to_string(),
        source: Source::Costscope,
        category: Category::Compute,
        effort: Effort::Low,
        team: UNTAGGED.to_string(),
        account_id: "payer".to_string(),
        resource_id,
        pool: "commitment".to_string(),
        current: format!("{} /h On-Demand baseline (p10)", usd(baseline)),
        recommended: format!(
            "Compute Savings Plan, 1 year, no upfront, {}/h",
            usd(commitment)
        ),
        monthly_cost: sized * super::usage::HOURS_PER_MONTH,
        monthly_saving: saving,
        explanation: format!(
            "p10 of {} hourly On-Demand compute spends = {}/h, less {}/h that the compute recommendations save = {}/h covered; commitment {}/h × (1 − {:.0}%); saving {}/h × {:.0}% × 730 = {}/month",
            hourly.len(),
            usd(baseline),
            usd(compute_hourly),
            usd(sized),
            usd(sized),
            discount * 100.0,
            usd(sized),
            discount * 100.0,
            usd(saving)
        ),
        app: None,
    }
    .open()]
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentile_is_nearest_rank() {
        let values: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(percentile(&values, 0.10), 2.0);
        assert_eq!(percentile(&values, 1.0), 20.0);
        assert_eq!(percentile(&[], 0.1), 0.0);
    }
}
