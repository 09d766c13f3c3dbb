//! Cost measures as AWS Cost Explorer and the Cloud Intelligence Dashboards define them,
//! written once as SQL so every view, analysis and benchmark uses the same formula.

/// Amortized cost of one CUR row.
pub const AMORTIZED_COST_SQL: &str = "CASE line_item_line_item_type \
  WHEN 'SavingsPlanCoveredUsage' THEN savings_plan_savings_plan_effective_cost \
  WHEN 'SavingsPlanRecurringFee' THEN savings_plan_total_commitment_to_date - savings_plan_used_commitment \
  WHEN 'SavingsPlanNegation' THEN 0 \
  WHEN 'SavingsPlanUpfrontFee' THEN 0 \
  WHEN 'DiscountedUsage' THEN reservation_effective_cost \
  WHEN 'RIFee' THEN reservation_unused_amortized_upfront_fee_for_billing_period + reservation_unused_recurring_fee \
  WHEN 'Fee' THEN CASE WHEN coalesce(reservation_reservation_a_r_n, '') <> '' THEN 0 ELSE line_item_unblended_cost END \
  ELSE line_item_unblended_cost END";

/// Net unblended cost: the net column where AWS filled it, else the gross one.
pub const NET_UNBLENDED_COST_SQL: &str =
    "coalesce(line_item_net_unblended_cost, line_item_unblended_cost)";

/// Net amortized cost: the amortized formula over the `*_net_*` columns, each falling back
/// to its gross counterpart when AWS left it empty (no EDP/PPA discounts).
pub const NET_AMORTIZED_COST_SQL: &str = "CASE line_item_line_item_type \
  WHEN 'SavingsPlanCoveredUsage' THEN coalesce(savings_plan_net_savings_plan_effective_cost, savings_plan_savings_plan_effective_cost) \
  WHEN 'SavingsPlanRecurringFee' THEN coalesce(savings_plan_net_amortized_upfront_commitment_for_billing_period, savings_plan_amortized_upfront_commitment_for_billing_period, 0) \
       + coalesce(savings_plan_net_recurring_commitment_for_billing_period, savings_plan_recurring_commitment_for_billing_period, 0) \
       - coalesce(savings_plan_used_commitment, 0) \
  WHEN 'SavingsPlanNegation' THEN 0 \
  WHEN 'SavingsPlanUpfrontFee' THEN 0 \
  WHEN 'DiscountedUsage' THEN coalesce(reservation_net_effective_cost, reservation_effective_cost) \
  WHEN 'RIFee' THEN coalesce(reservation_net_unused_amortized_upfront_fee_for_billing_period, reservation_unused_amortized_upfront_fee_for_billing_period) \
       + coalesce(reservation_net_unused_recurring_fee, reservation_unused_recurring_fee) \
  WHEN 'Fee' THEN CASE WHEN coalesce(reservation_reservation_a_r_n, '') <> '' THEN 0 ELSE coalesce(line_item_net_unblended_cost, line_item_unblended_cost) END \
  ELSE coalesce(line_item_net_unblended_cost, line_item_unblended_cost) END";

/// Amortized cost of one row computed in Rust, mirroring [`AMORTIZED_COST_SQL`]; the
/// generator's ledger uses it so tests compare two independent computations.
#[allow(clippy::too_many_arguments)]
pub fn amortized_cost(
    line_item_type: &str,
    unblended: f64,
    sp_effective: f64,
    sp_total_commitment: f64,
    sp_used_commitment: f64,
    ri_effective: f64,
    ri_unused_upfront: f64,
    ri_unused_recurring: f64,
    has_reservation_arn: bool,
) -> f64 {
    match line_item_type {
        "SavingsPlanCoveredUsage" => sp_effective,
        "SavingsPlanRecurringFee" => sp_total_commitment - sp_used_commitment,
        "SavingsPlanNegation" | "SavingsPlanUpfrontFee" => 0.0,
        "DiscountedUsage" => ri_effective,
        "RIFee" => ri_unused_upfront + ri_unused_recurring,
        "Fee" if has_reservation_arn => 0.0,
        _ => unblended,
    }
}
