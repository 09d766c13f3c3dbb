//! The CUR 2.0 (`COST_AND_USAGE_REPORT`) column set with the Arrow types costscope stores.
//!
//! Costs are `Float64`, rates and unit counts are strings (as AWS delivers them), timestamps
//! are `Timestamp(Millisecond)` without a zone (CUR times are UTC), and the four map columns
//! use the Parquet `key_value` layout so the lake reads the same in any engine.

use std::sync::{Arc, LazyLock};

use arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};

/// The logical kind of a CUR column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Str,
    F64,
    Timestamp,
    MapStr,
    MapF64,
}

impl Kind {
    /// The Arrow type the lake stores for this kind.
    pub fn data_type(self) -> DataType {
        match self {
            Kind::Str => DataType::Utf8,
            Kind::F64 => DataType::Float64,
            Kind::Timestamp => timestamp_type(),
            Kind::MapStr => map_type(DataType::Utf8),
            Kind::MapF64 => map_type(DataType::Float64),
        }
    }
}

/// The timestamp type of every CUR time column in the lake.
pub fn timestamp_type() -> DataType {
    DataType::Timestamp(TimeUnit::Millisecond, None)
}

/// A `map<string, value>` in the Parquet `key_value` layout.
pub fn map_type(value: DataType) -> DataType {
    let entries = Fields::from(vec![
        Field::new("key", DataType::Utf8, false),
        Field::new("value", value, true),
    ]);
    DataType::Map(
        Arc::new(Field::new("key_value", DataType::Struct(entries), false)),
        false,
    )
}

use Kind::*;

/// Every CUR 2.0 column, in AWS's documented order, with its kind.
pub const COLUMNS: &[(&str, Kind)] = &[
    ("bill_bill_type", Str),
    ("bill_billing_entity", Str),
    ("bill_billing_period_end_date", Timestamp),
    ("bill_billing_period_start_date", Timestamp),
    ("bill_invoice_id", Str),
    ("bill_invoicing_entity", Str),
    ("bill_payer_account_id", Str),
    ("bill_payer_account_name", Str),
    ("capacity_reservation_capacity_reservation_arn", Str),
    ("capacity_reservation_capacity_reservation_status", Str),
    ("capacity_reservation_capacity_reservation_type", Str),
    ("cost_category", MapStr),
    ("discount", MapF64),
    ("discount_bundled_discount", F64),
    ("discount_total_discount", F64),
    ("identity_line_item_id", Str),
    ("identity_time_interval", Str),
    ("line_item_availability_zone", Str),
    ("line_item_blended_cost", F64),
    ("line_item_blended_rate", Str),
    ("line_item_currency_code", Str),
    ("line_item_iam_principal", Str),
    ("line_item_legal_entity", Str),
    ("line_item_line_item_description", Str),
    ("line_item_line_item_type", Str),
    ("line_item_net_unblended_cost", F64),
    ("line_item_net_unblended_rate", Str),
    ("line_item_normalization_factor", F64),
    ("line_item_normalized_usage_amount", F64),
    ("line_item_operation", Str),
    ("line_item_product_code", Str),
    ("line_item_resource_id", Str),
    ("line_item_tax_type", Str),
    ("line_item_unblended_cost", F64),
    ("line_item_unblended_rate", Str),
    ("line_item_usage_account_id", Str),
    ("line_item_usage_account_name", Str),
    ("line_item_usage_amount", F64),
    ("line_item_usage_end_date", Timestamp),
    ("line_item_usage_start_date", Timestamp),
    ("line_item_usage_type", Str),
    ("line_item_user_identifier", Str),
    ("pricing_currency", Str),
    ("pricing_lease_contract_length", Str),
    ("pricing_offering_class", Str),
    ("pricing_public_on_demand_cost", F64),
    ("pricing_public_on_demand_rate", Str),
    ("pricing_purchase_option", Str),
    ("pricing_rate_code", Str),
    ("pricing_rate_id", Str),
    ("pricing_term", Str),
    ("pricing_unit", Str),
    ("product", MapStr),
    ("product_comment", Str),
    ("product_fee_code", Str),
    ("product_fee_description", Str),
    ("product_from_location", Str),
    ("product_from_location_type", Str),
    ("product_from_region_code", Str),
    ("product_instance_family", Str),
    ("product_instance_type", Str),
    ("product_instancesku", Str),
    ("product_location", Str),
    ("product_location_type", Str),
    ("product_operation", Str),
    ("product_pricing_unit", Str),
    ("product_product_family", Str),
    ("product_region_code", Str),
    ("product_servicecode", Str),
    ("product_sku", Str),
    ("product_to_location", Str),
    ("product_to_location_type", Str),
    ("product_to_region_code", Str),
    ("product_usagetype", Str),
    ("reservation_amortized_upfront_cost_for_usage", F64),
    ("reservation_amortized_upfront_fee_for_billing_period", F64),
    ("reservation_availability_zone", Str),
    ("reservation_effective_cost", F64),
    ("reservation_end_time", Str),
    ("reservation_modification_status", Str),
    ("reservation_net_amortized_upfront_cost_for_usage", F64),
    (
        "reservation_net_amortized_upfront_fee_for_billing_period",
        F64,
    ),
    ("reservation_net_effective_cost", F64),
    ("reservation_net_recurring_fee_for_usage", F64),
    (
        "reservation_net_unused_amortized_upfront_fee_for_billing_period",
        F64,
    ),
    ("reservation_net_unused_recurring_fee", F64),
    ("reservation_net_upfront_value", F64),
    ("reservation_normalized_units_per_reservation", Str),
    ("reservation_number_of_reservations", Str),
    ("reservation_recurring_fee_for_usage", F64),
    ("reservation_reservation_a_r_n", Str),
    ("reservation_start_time", Str),
    ("reservation_subscription_id", Str),
    ("reservation_total_reserved_normalized_units", Str),
    ("reservation_total_reserved_units", Str),
    ("reservation_units_per_reservation", Str),
    (
        "reservation_unused_amortized_upfront_fee_for_billing_period",
        F64,
    ),
    ("reservation_unused_normalized_unit_quantity", F64),
    ("reservation_unused_quantity", F64),
    ("reservation_unused_recurring_fee", F64),
    ("reservation_upfront_value", F64),
    ("resource_tags", MapStr),
    (
        "savings_plan_amortized_upfront_commitment_for_billing_period",
        F64,
    ),
    ("savings_plan_end_time", Str),
    ("savings_plan_instance_type_family", Str),
    (
        "savings_plan_net_amortized_upfront_commitment_for_billing_period",
        F64,
    ),
    (
        "savings_plan_net_recurring_commitment_for_billing_period",
        F64,
    ),
    ("savings_plan_net_savings_plan_effective_cost", F64),
    ("savings_plan_offering_type", Str),
    ("savings_plan_payment_option", Str),
    ("savings_plan_purchase_term", Str),
    ("savings_plan_recurring_commitment_for_billing_period", F64),
    ("savings_plan_region", Str),
    ("savings_plan_savings_plan_a_r_n", Str),
    ("savings_plan_savings_plan_effective_cost", F64),
    ("savings_plan_savings_plan_rate", F64),
    ("savings_plan_start_time", Str),
    ("savings_plan_total_commitment_to_date", F64),
    ("savings_plan_used_commitment", F64),
    ("split_line_item_actual_usage", F64),
    ("split_line_item_net_split_cost", F64),
    ("split_line_item_net_unused_cost", F64),
    ("split_line_item_parent_resource_id", Str),
    ("split_line_item_public_on_demand_split_cost", F64),
    ("split_line_item_public_on_demand_unused_cost", F64),
    ("split_line_item_reserved_usage", F64),
    ("split_line_item_split_cost", F64),
    ("split_line_item_split_usage", F64),
    ("split_line_item_split_usage_ratio", F64),
    ("split_line_item_unused_cost", F64),
    ("tags", MapStr),
];

/// Columns without which a file is not a cost and usage report: ingest rejects inputs
/// that lack any of them. Everything else is optional and read as NULL when absent.
pub const REQUIRED: &[&str] = &[
    "bill_payer_account_id",
    "line_item_line_item_type",
    "line_item_usage_account_id",
    "line_item_usage_start_date",
    "line_item_product_code",
    "line_item_unblended_cost",
];

/// The partition column added to every lake row: the billing period as `YYYY-MM`.
pub const BILLING_PERIOD: &str = "billing_period";

/// The column that names the currency of each row.
pub const CURRENCY: &str = "line_item_currency_code";

/// Looks up the kind of a CUR 2.0 column by exact name.
pub fn kind_of(name: &str) -> Option<Kind> {
    COLUMNS.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
}

/// The schema of CUR 2.0 data as generated and as stored in the lake, without the
/// partition column.
pub fn schema() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        Arc::new(Schema::new(
            COLUMNS
                .iter()
                .map(|(name, kind)| Field::new(*name, kind.data_type(), true))
                .collect::<Vec<_>>(),
        ))
    });
    SCHEMA.clone()
}

/// The schema of lake files: every CUR 2.0 column plus `billing_period`.
pub fn lake_schema() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        let mut fields: Vec<Field> = schema()
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        fields.push(Field::new(BILLING_PERIOD, DataType::Utf8, false));
        Arc::new(Schema::new(fields))
    });
    SCHEMA.clone()
}

/// Line-item types as AWS writes them in `line_item_line_item_type`.
pub mod line_item_type {
    pub const USAGE: &str = "Usage";
    pub const DISCOUNTED_USAGE: &str = "DiscountedUsage";
    pub const SAVINGS_PLAN_COVERED_USAGE: &str = "SavingsPlanCoveredUsage";
    pub const SAVINGS_PLAN_NEGATION: &str = "SavingsPlanNegation";
    pub const SAVINGS_PLAN_UPFRONT_FEE: &str = "SavingsPlanUpfrontFee";
    pub const SAVINGS_PLAN_RECURRING_FEE: &str = "SavingsPlanRecurringFee";
    pub const RI_FEE: &str = "RIFee";
    pub const FEE: &str = "Fee";
    pub const TAX: &str = "Tax";
    pub const CREDIT: &str = "Credit";
    pub const REFUND: &str = "Refund";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names_are_unique_and_required_ones_exist() {
        let mut names: Vec<_> = COLUMNS.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len());
        for r in REQUIRED {
            assert!(kind_of(r).is_some(), "{r}");
        }
        assert_eq!(lake_schema().fields().len(), COLUMNS.len() + 1);
    }
}
