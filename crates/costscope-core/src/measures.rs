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

/// What an analysis sums: one of the cost measures, the on-demand equivalent, or usage.
/// The default is amortized, what FinOps reports show; the Cost Explorer, like AWS's,
/// defaults to unblended.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum CostMeasure {
    /// `line_item_unblended_cost`: Savings Plan covered usage at on-demand rates.
    Unblended,
    /// Savings Plan and Reserved Instance costs spread over the usage they cover.
    #[default]
    Amortized,
    /// Unblended after discounts.
    NetUnblended,
    /// Amortized after discounts.
    NetAmortized,
    /// What the usage would cost at public on-demand prices.
    Public,
    /// `line_item_usage_amount` of usage lines, per pricing unit (not money).
    Usage,
}

/// The line-item types whose usage amount the `usage` measure counts: usage however it
/// was paid for. Commitment fees and the Savings Plan negation repeat hours already
/// counted on the usage lines, and taxes, credits and refunds carry no usage.
pub const USAGE_LINE_ITEM_TYPES: [&str; 3] =
    ["Usage", "DiscountedUsage", "SavingsPlanCoveredUsage"];

impl CostMeasure {
    /// Every measure, in the order they are documented.
    pub const ALL: [CostMeasure; 6] = [
        CostMeasure::Unblended,
        CostMeasure::Amortized,
        CostMeasure::NetUnblended,
        CostMeasure::NetAmortized,
        CostMeasure::Public,
        CostMeasure::Usage,
    ];

    /// The four measures of billed money (what allocation, tags and budgets sum).
    pub const BILLED: [CostMeasure; 4] = [
        CostMeasure::Unblended,
        CostMeasure::Amortized,
        CostMeasure::NetUnblended,
        CostMeasure::NetAmortized,
    ];

    /// The name used in files, flags and JSON: `amortized`, `net-unblended` …
    pub fn name(self) -> &'static str {
        match self {
            CostMeasure::Unblended => "unblended",
            CostMeasure::Amortized => "amortized",
            CostMeasure::NetUnblended => "net-unblended",
            CostMeasure::NetAmortized => "net-amortized",
            CostMeasure::Public => "public",
            CostMeasure::Usage => "usage",
        }
    }

    /// The column of the `cur_amortized` view holding this measure.
    pub fn column(self) -> &'static str {
        match self {
            CostMeasure::Unblended => "line_item_unblended_cost",
            CostMeasure::Amortized => "amortized_cost",
            CostMeasure::NetUnblended => "net_unblended_cost",
            CostMeasure::NetAmortized => "net_amortized_cost",
            CostMeasure::Public => "pricing_public_on_demand_cost",
            CostMeasure::Usage => "line_item_usage_amount",
        }
    }

    /// The value of one `cur` row under this measure, as SQL over `cur` columns.
    pub fn sql(self) -> &'static str {
        match self {
            CostMeasure::Amortized => AMORTIZED_COST_SQL,
            CostMeasure::NetUnblended => NET_UNBLENDED_COST_SQL,
            CostMeasure::NetAmortized => NET_AMORTIZED_COST_SQL,
            other => other.column(),
        }
    }

    /// The column naming each row's unit: the pricing unit for usage, the currency
    /// otherwise. Amounts are only ever summed per unit.
    pub fn unit_column(self) -> &'static str {
        match self {
            CostMeasure::Usage => "pricing_unit",
            _ => crate::cur::CURRENCY,
        }
    }

    /// This measure if `analysis` accepts it (one of `allowed`), else an error naming
    /// the ones it does.
    pub fn supported_by(
        self,
        analysis: &'static str,
        allowed: &[CostMeasure],
    ) -> crate::Result<CostMeasure> {
        if allowed.contains(&self) {
            Ok(self)
        } else {
            Err(crate::Error::Unsupported {
                what: "measure",
                value: self.name().to_string(),
                analysis,
                expected: crate::error::choices(allowed),
            })
        }
    }
}

impl std::fmt::Display for CostMeasure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for CostMeasure {
    type Err = crate::Error;

    /// Accepts the names in any case, with `-` or `_`.
    fn from_str(text: &str) -> crate::Result<Self> {
        let wanted = text.trim().to_ascii_lowercase().replace('_', "-");
        CostMeasure::ALL
            .into_iter()
            .find(|m| m.name() == wanted)
            .ok_or_else(|| crate::Error::UnknownValue {
                what: "measure",
                value: text.to_string(),
                expected: crate::error::choices(&CostMeasure::ALL),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_in_any_spelling() {
        for measure in CostMeasure::ALL {
            assert_eq!(measure.name().parse::<CostMeasure>().ok(), Some(measure));
            let snake = measure.name().replace('-', "_").to_uppercase();
            assert_eq!(snake.parse::<CostMeasure>().ok(), Some(measure));
        }
        let error = "blended".parse::<CostMeasure>().expect_err("unknown");
        assert_eq!(
            error.to_string(),
            "unknown measure `blended`: use unblended, amortized, net-unblended, net-amortized, public or usage"
        );
    }

    #[test]
    fn analyses_refuse_measures_they_cannot_sum() {
        let error = CostMeasure::Usage
            .supported_by("allocation", &CostMeasure::BILLED)
            .expect_err("usage is not money");
        assert!(error.to_string().contains("not available for allocation"));
        assert_eq!(
            CostMeasure::NetAmortized
                .supported_by("allocation", &CostMeasure::BILLED)
                .ok(),
            Some(CostMeasure::NetAmortized)
        );
    }
}
