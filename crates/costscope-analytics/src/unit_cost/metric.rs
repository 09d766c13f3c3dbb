//! The units a cost is divided by: a business metric from `business_metrics`, or a
//! metric derived from the bill's own usage amounts (Lambda requests, Bedrock tokens,
//! GB stored …), which follows the same scope as the cost.

use serde::Serialize;

/// Line item types that carry usage once (negations and fees would count it twice or not
/// at all).
const USAGE_LINE_ITEM_TYPES: &str =
    "line_item_line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')";

/// A metric derived from CUR usage amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BillMetric {
    /// Stable name, as given to `--metric`.
    pub name: &'static str,
    /// What it counts.
    pub description: &'static str,
    /// The units of one value.
    pub unit: &'static str,
    /// SQL over `line_item_product_code`, `line_item_usage_type`, `pricing_unit` and
    /// `line_item_usage_amount` (of a row, or of a group of rows sharing those values):
    /// the units it contributes (NULL when none).
    units_sql: &'static str,
}

impl BillMetric {
    /// SQL for the units a `cur` row contributes (0 for rows of other usage).
    pub fn units_sql(&self) -> String {
        format!(
            "CASE WHEN {USAGE_LINE_ITEM_TYPES} THEN coalesce({}, 0) ELSE 0 END",
            self.units_sql
        )
    }
}

/// Every metric derived from the bill.
pub const BILL_METRICS: &[BillMetric] = &[
    BillMetric {
        name: "lambda-requests",
        description: "Lambda requests (usage types `Request`, `Request-ARM`, `<region>-Request…`)",
        unit: "requests",
        units_sql: "CASE WHEN line_item_product_code = 'AWSLambda' \
            AND line_item_usage_type LIKE '%Request%' THEN line_item_usage_amount END",
    },
    BillMetric {
        name: "lambda-gb-seconds",
        description: "Lambda compute (usage types `…Lambda-GB-Second…`)",
        unit: "GB-seconds",
        units_sql: "CASE WHEN line_item_product_code = 'AWSLambda' \
            AND line_item_usage_type LIKE '%GB-Second%' THEN line_item_usage_amount END",
    },
    BillMetric {
        name: "bedrock-tokens",
        description: "Bedrock input and output tokens, Amazon and Marketplace models \
            (usage types `…-input-tokens`, `…-output-tokens`, `…InputTokenCount…`, \
            `…OutputTokenCount…`; cache reads excluded)",
        unit: "tokens",
        units_sql: "CASE WHEN line_item_usage_type LIKE '%-input-tokens' \
            OR line_item_usage_type LIKE '%-output-tokens' \
            OR line_item_usage_type LIKE '%InputTokenCount%' \
            OR line_item_usage_type LIKE '%OutputTokenCount%' \
            THEN line_item_usage_amount * CASE \
              WHEN pricing_unit LIKE '1K%' THEN 1000 \
              WHEN pricing_unit LIKE '1M%' OR line_item_usage_type LIKE '%TokenCount%' THEN 1000000 \
              ELSE 1 END END",
    },
    BillMetric {
        name: "s3-gb-month",
        description: "S3 data stored, every storage class (usage types `…TimedStorage…`)",
        unit: "GB-months",
        units_sql: "CASE WHEN line_item_product_code = 'AmazonS3' \
            AND line_item_usage_type LIKE '%TimedStorage%' THEN line_item_usage_amount END",
    },
    BillMetric {
        name: "ec2-instance-hours",
        description: "EC2 instance hours (usage types `…BoxUsage…`, `…SpotUsage…`, \
            `…DedicatedUsage…`)",
        unit: "hours",
        units_sql: "CASE WHEN line_item_product_code = 'AmazonEC2' \
            AND (line_item_usage_type LIKE '%BoxUsage%' \
              OR line_item_usage_type LIKE '%SpotUsage%' \
              OR line_item_usage_type LIKE '%DedicatedUsage%') THEN line_item_usage_amount END",
    },
    BillMetric {
        name: "nat-gb",
        description: "GB processed by NAT gateways (usage types `…NatGateway-Bytes`)",
        unit: "GB",
        units_sql: "CASE WHEN line_item_usage_type LIKE '%NatGateway-Bytes%' \
            THEN line_item_usage_amount END",
    },
];

/// The bill metric called `name`.
pub fn bill_metric(name: &str) -> Option<&'static BillMetric> {
    BILL_METRICS.iter().find(|m| m.name == name)
}

/// Where a report's units come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MetricSource {
    /// `business_metrics`, imported with `costscope ingest metrics`.
    Business,
    /// Usage amounts in the bill.
    Bill,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bill_metric_names_are_unique_and_stable() {
        let mut names: Vec<&str> = BILL_METRICS.iter().map(|m| m.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), BILL_METRICS.len());
        assert!(bill_metric("lambda-requests").is_some());
        assert!(bill_metric("lambda_requests").is_none());
    }
}
