//! The rollups of `cur` that ingest writes beside each billing period: `cur_daily` (one
//! row per day and combination of the grouping columns, resource included) and
//! `cur_monthly` (per month, without the resource). Each holds the sums of every
//! [`CostMeasure`] under the measure's `cur_amortized` column name, of a few other
//! figures ([`SUMMED_COLUMNS`]) and the number of lines, so an aggregate over `cur_amortized` that only groups and filters by rollup
//! columns, at a granularity no finer than the rollup's, gives the same figures read from
//! a fraction of the rows.
//!
//! Column names are those of `cur` / `cur_amortized`: SQL written for `cur_amortized`
//! runs unchanged over a rollup when every column it names is there. The usage start of
//! a rollup row is the start of its day (or month).

use std::sync::{Arc, LazyLock};

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use crate::cur::{self, BILLING_PERIOD};
use crate::tables::{CUR_DAILY, CUR_MONTHLY};
use crate::{CostMeasure, Granularity};

/// The usage start, truncated to the rollup's day or month.
pub const PERIOD_COLUMN: &str = "line_item_usage_start_date";

/// The resource id: in `cur_daily`, not in `cur_monthly`.
pub const RESOURCE_COLUMN: &str = "line_item_resource_id";

/// The text columns the daily rollup groups by, in schema order (`cur_monthly` has all
/// but [`RESOURCE_COLUMN`]).
pub const TEXT_COLUMNS: [&str; 18] = [
    "bill_payer_account_id",
    "bill_billing_entity",
    "line_item_usage_account_id",
    "line_item_usage_account_name",
    "line_item_product_code",
    "product_product_family",
    "product_region_code",
    "line_item_availability_zone",
    "line_item_usage_type",
    "line_item_operation",
    "line_item_line_item_type",
    "pricing_term",
    "pricing_purchase_option",
    "reservation_reservation_a_r_n",
    RESOURCE_COLUMN,
    "product_instance_type",
    "pricing_unit",
    "line_item_currency_code",
];

/// How long a line's usage lasts, in milliseconds from its usage start to its usage end
/// (an hour for hourly usage, a month for monthly fees). The rollups group by it, since
/// their usage start is only a day, so analyses can still tell monthly charges apart.
pub const USAGE_SPAN: &str = "usage_span_ms";

/// [`USAGE_SPAN`] as SQL over `cur` / `cur_amortized`.
pub const USAGE_SPAN_SQL: &str =
    "(CAST(line_item_usage_end_date AS BIGINT) - CAST(line_item_usage_start_date AS BIGINT))";

/// Milliseconds in a day, to compare [`USAGE_SPAN`] with.
pub const DAY_MS: i64 = 86_400_000;

/// The `product` map keeps these keys only.
pub const PRODUCT_KEYS: [&str; 3] = ["product_name", "model", "provider"];

/// The map columns: `product` (the [`PRODUCT_KEYS`]), `cost_category` (every category)
/// and `resource_tags` (the tag keys the rollup keeps: see [`DEFAULT_TAG_COST_SHARE`]).
pub const PRODUCT: &str = "product";
pub const COST_CATEGORY: &str = "cost_category";
pub const TAGS: &str = "resource_tags";

/// Columns of `cur` summed under their own name, besides the measures: the commitment
/// figures the efficiency score reads.
pub const SUMMED_COLUMNS: [&str; 5] = [
    "savings_plan_total_commitment_to_date",
    "savings_plan_used_commitment",
    "reservation_amortized_upfront_fee_for_billing_period",
    "reservation_unused_amortized_upfront_fee_for_billing_period",
    "reservation_unused_recurring_fee",
];

/// Every summed column, in schema order: the [`CostMeasure`] columns (in
/// [`CostMeasure::ALL`] order), then [`SUMMED_COLUMNS`].
pub fn sum_columns() -> impl Iterator<Item = &'static str> {
    CostMeasure::ALL
        .into_iter()
        .map(CostMeasure::column)
        .chain(SUMMED_COLUMNS)
}

/// How many columns a rollup sums.
pub const SUM_COUNT: usize = CostMeasure::ALL.len() + SUMMED_COLUMNS.len();

/// The number of `cur` lines summed into a rollup row (`count(*)` over `cur`).
pub const LINE_COUNT: &str = "line_count";

/// By default a rollup keeps the tag keys found on lines that carry at least this share
/// of the billing period's cost (absolute unblended cost), and [`ANALYSIS_TAG_KEYS`].
pub const DEFAULT_TAG_COST_SHARE: f64 = 0.01;

/// The tag `user_created`: when a snapshot was taken (its age decides the efficiency
/// score's snapshot KPI and the snapshot recommendations).
pub const CREATED_TAG: &str = "user_created";

/// Tag keys the analyses read whatever their share of cost: the default team tag and
/// the snapshot creation date. Rollups keep them by default, so the score and the
/// recommendations need not read `cur`.
pub const ANALYSIS_TAG_KEYS: [&str; 2] = [crate::team::DEFAULT_TEAM_TAG, CREATED_TAG];

/// One rollup of `cur`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rollup {
    /// Its table name.
    pub table: &'static str,
    /// The length of its periods: [`Granularity::Daily`] or [`Granularity::Monthly`].
    pub granularity: Granularity,
    /// Whether it keeps the resource id.
    pub has_resource: bool,
}

/// `cur_daily`.
pub const DAILY: Rollup = Rollup {
    table: CUR_DAILY,
    granularity: Granularity::Daily,
    has_resource: true,
};

/// `cur_monthly`.
pub const MONTHLY: Rollup = Rollup {
    table: CUR_MONTHLY,
    granularity: Granularity::Monthly,
    has_resource: false,
};

/// Every rollup, coarsest first: analyses take the first that answers.
pub const ROLLUPS: [Rollup; 2] = [MONTHLY, DAILY];

impl Rollup {
    /// The rollup stored as `table`, if it is one.
    pub fn named(table: &str) -> Option<Rollup> {
        ROLLUPS.into_iter().find(|r| r.table == table)
    }

    /// The text columns it groups by, in schema order.
    pub fn text_columns(self) -> impl Iterator<Item = &'static str> {
        TEXT_COLUMNS
            .into_iter()
            .filter(move |c| self.has_resource || *c != RESOURCE_COLUMN)
    }

    /// Whether it has a column of this name (partition column included).
    pub fn has_column(self, name: &str) -> bool {
        self.schema().column_with_name(name).is_some()
    }

    /// The schema of its files, `billing_period` last.
    pub fn schema(self) -> SchemaRef {
        if self.has_resource {
            daily_schema()
        } else {
            monthly_schema()
        }
    }

    /// Period, text columns, maps, measures, line count, billing period.
    fn build_schema(self) -> SchemaRef {
        let kind = |name: &str| cur::kind_of(name).map(|k| k.data_type());
        let mut fields = vec![Field::new(PERIOD_COLUMN, cur::timestamp_type(), true)];
        fields.extend(
            self.text_columns()
                .map(|c| Field::new(c, kind(c).unwrap_or(DataType::Utf8), true)),
        );
        fields.push(Field::new(USAGE_SPAN, DataType::Int64, true));
        for map in [PRODUCT, COST_CATEGORY, TAGS] {
            fields.push(Field::new(map, cur::map_type(DataType::Utf8), true));
        }
        fields.extend(sum_columns().map(|c| Field::new(c, DataType::Float64, true)));
        fields.push(Field::new(LINE_COUNT, DataType::Int64, false));
        fields.push(Field::new(BILLING_PERIOD, DataType::Utf8, false));
        Arc::new(Schema::new(fields))
    }
}

/// The schema of `cur_daily` files.
pub fn daily_schema() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| DAILY.build_schema());
    SCHEMA.clone()
}

/// The schema of `cur_monthly` files.
pub fn monthly_schema() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| MONTHLY.build_schema());
    SCHEMA.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rollup_columns_are_cur_columns_or_measures() {
        for rollup in ROLLUPS {
            for field in rollup.schema().fields() {
                let name = field.name().as_str();
                let measure = CostMeasure::ALL.iter().any(|m| m.column() == name);
                assert!(
                    cur::kind_of(name).is_some()
                        || measure
                        || name == LINE_COUNT
                        || name == USAGE_SPAN
                        || name == BILLING_PERIOD,
                    "{name}"
                );
            }
        }
        assert!(DAILY.has_column(RESOURCE_COLUMN));
        assert!(!MONTHLY.has_column(RESOURCE_COLUMN));
        assert_eq!(Rollup::named(CUR_MONTHLY), Some(MONTHLY));
        assert_eq!(Rollup::named("cur"), None);
    }
}
