//! The cost measures of one CUR line, computed as the `cur_amortized` view computes them
//! (`costscope_core::measures::*_SQL`), NULLs included: an arithmetic over a NULL is NULL,
//! `coalesce` takes the first value present.

use arrow::array::{Array, AsArray, Float64Array, RecordBatch, StringArray};
use costscope_core::CostMeasure;
use costscope_core::cur::line_item_type as kind;
use costscope_core::rollup::{SUM_COUNT, SUMMED_COLUMNS};

/// The measures of a line in [`CostMeasure::ALL`] order, then the
/// [`SUMMED_COLUMNS`] of `cur`.
pub type LineMeasures = [Option<f64>; SUM_COUNT];

/// The input columns of the measures in one batch of `cur::schema()`.
pub struct MeasureInputs<'a> {
    line_type: &'a StringArray,
    reservation_arn: &'a StringArray,
    unblended: &'a Float64Array,
    net_unblended: &'a Float64Array,
    public: &'a Float64Array,
    usage: &'a Float64Array,
    sp_effective: &'a Float64Array,
    sp_net_effective: &'a Float64Array,
    sp_total_commitment: &'a Float64Array,
    sp_used_commitment: &'a Float64Array,
    sp_upfront: &'a Float64Array,
    sp_net_upfront: &'a Float64Array,
    sp_recurring: &'a Float64Array,
    sp_net_recurring: &'a Float64Array,
    ri_effective: &'a Float64Array,
    ri_net_effective: &'a Float64Array,
    ri_unused_upfront: &'a Float64Array,
    ri_net_unused_upfront: &'a Float64Array,
    ri_unused_recurring: &'a Float64Array,
    ri_net_unused_recurring: &'a Float64Array,
    summed: Vec<&'a Float64Array>,
}

fn float<'a>(batch: &'a RecordBatch, name: &str) -> &'a Float64Array {
    batch
        .column_by_name(name)
        .unwrap_or_else(|| panic!("{name} is a column of the CUR schema"))
        .as_primitive()
}

fn text<'a>(batch: &'a RecordBatch, name: &str) -> &'a StringArray {
    batch
        .column_by_name(name)
        .unwrap_or_else(|| panic!("{name} is a column of the CUR schema"))
        .as_string()
}

fn at(array: &Float64Array, row: usize) -> Option<f64> {
    array.is_valid(row).then(|| array.value(row))
}

impl<'a> MeasureInputs<'a> {
    /// The columns of `batch`, which has the schema `cur::schema()`.
    pub fn new(batch: &'a RecordBatch) -> Self {
        MeasureInputs {
            line_type: text(batch, "line_item_line_item_type"),
            reservation_arn: text(batch, "reservation_reservation_a_r_n"),
            unblended: float(batch, "line_item_unblended_cost"),
            net_unblended: float(batch, "line_item_net_unblended_cost"),
            public: float(batch, "pricing_public_on_demand_cost"),
            usage: float(batch, "line_item_usage_amount"),
            sp_effective: float(batch, "savings_plan_savings_plan_effective_cost"),
            sp_net_effective: float(batch, "savings_plan_net_savings_plan_effective_cost"),
            sp_total_commitment: float(batch, "savings_plan_total_commitment_to_date"),
            sp_used_commitment: float(batch, "savings_plan_used_commitment"),
            sp_upfront: float(
                batch,
                "savings_plan_amortized_upfront_commitment_for_billing_period",
            ),
            sp_net_upfront: float(
                batch,
                "savings_plan_net_amortized_upfront_commitment_for_billing_period",
            ),
            sp_recurring: float(
                batch,
                "savings_plan_recurring_commitment_for_billing_period",
            ),
            sp_net_recurring: float(
                batch,
                "savings_plan_net_recurring_commitment_for_billing_period",
            ),
            ri_effective: float(batch, "reservation_effective_cost"),
            ri_net_effective: float(batch, "reservation_net_effective_cost"),
            ri_unused_upfront: float(
                batch,
                "reservation_unused_amortized_upfront_fee_for_billing_period",
            ),
            ri_net_unused_upfront: float(
                batch,
                "reservation_net_unused_amortized_upfront_fee_for_billing_period",
            ),
            ri_unused_recurring: float(batch, "reservation_unused_recurring_fee"),
            ri_net_unused_recurring: float(batch, "reservation_net_unused_recurring_fee"),
            summed: SUMMED_COLUMNS.iter().map(|c| float(batch, c)).collect(),
        }
    }

    /// The unblended cost of `row` (NULL as 0), for the tag keys' cost shares.
    pub fn unblended(&self, row: usize) -> f64 {
        at(self.unblended, row).unwrap_or(0.0)
    }

    /// Every measure of `row`.
    pub fn row(&self, row: usize) -> LineMeasures {
        let v = |array: &Float64Array| at(array, row);
        let line_type = (!self.line_type.is_null(row)).then(|| self.line_type.value(row));
        let has_reservation =
            !self.reservation_arn.is_null(row) && !self.reservation_arn.value(row).is_empty();
        let unblended = v(self.unblended);
        let net_unblended = v(self.net_unblended).or(unblended);
        let add = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| a + b);
        let amortized = match line_type {
            Some(kind::SAVINGS_PLAN_COVERED_USAGE) => v(self.sp_effective),
            Some(kind::SAVINGS_PLAN_RECURRING_FEE) => v(self.sp_total_commitment)
                .zip(v(self.sp_used_commitment))
                .map(|(total, used)| total - used),
            Some(kind::SAVINGS_PLAN_NEGATION | kind::SAVINGS_PLAN_UPFRONT_FEE) => Some(0.0),
            Some(kind::DISCOUNTED_USAGE) => v(self.ri_effective),
            Some(kind::RI_FEE) => add(v(self.ri_unused_upfront), v(self.ri_unused_recurring)),
            Some(kind::FEE) if has_reservation => Some(0.0),
            _ => unblended,
        };
        let net_amortized = match line_type {
            Some(kind::SAVINGS_PLAN_COVERED_USAGE) => {
                v(self.sp_net_effective).or(v(self.sp_effective))
            }
            Some(kind::SAVINGS_PLAN_RECURRING_FEE) => Some(
                v(self.sp_net_upfront).or(v(self.sp_upfront)).unwrap_or(0.0)
                    + v(self.sp_net_recurring)
                        .or(v(self.sp_recurring))
                        .unwrap_or(0.0)
                    - v(self.sp_used_commitment).unwrap_or(0.0),
            ),
            Some(kind::SAVINGS_PLAN_NEGATION | kind::SAVINGS_PLAN_UPFRONT_FEE) => Some(0.0),
            Some(kind::DISCOUNTED_USAGE) => v(self.ri_net_effective).or(v(self.ri_effective)),
            Some(kind::RI_FEE) => add(
                v(self.ri_net_unused_upfront).or(v(self.ri_unused_upfront)),
                v(self.ri_net_unused_recurring).or(v(self.ri_unused_recurring)),
            ),
            Some(kind::FEE) if has_reservation => Some(0.0),
            _ => net_unblended,
        };
        let mut out = [None; SUM_COUNT];
        for (slot, measure) in out.iter_mut().zip(CostMeasure::ALL) {
            *slot = match measure {
                CostMeasure::Unblended => unblended,
                CostMeasure::Amortized => amortized,
                CostMeasure::NetUnblended => net_unblended,
                CostMeasure::NetAmortized => net_amortized,
                CostMeasure::Public => v(self.public),
                CostMeasure::Usage => v(self.usage),
            };
        }
        for (slot, column) in out[CostMeasure::ALL.len()..].iter_mut().zip(&self.summed) {
            *slot = v(column);
        }
        out
    }
}
