//! The dimensions cost can be grouped and filtered by, each written once as SQL over
//! `cur_amortized`, and the `--filter` expressions over them.
//!
//! Every dimension expression is NULL-free: a missing value shows as a label
//! (`(none)`, `(untagged)`, `(uncategorized)`, `(unallocated)`), so it can be grouped,
//! filtered (`tag:team=(untagged)`) and joined on like any other value.

use std::fmt;
use std::str::FromStr;

use costscope_core::TeamExpr;
use costscope_core::sql::{labelled, like, literal, map_value};
pub use costscope_core::team::tag_column_key;

use crate::source::Reads;
use crate::{Error, Result};

/// The label of an empty or missing column value.
pub const NONE_LABEL: &str = "(none)";
/// The label of a resource without the tag.
pub const UNTAGGED_LABEL: &str = "(untagged)";
/// The label of a row outside a cost category.
pub const UNCATEGORIZED_LABEL: &str = "(uncategorized)";
/// The label of a row the team expression leaves without an owner.
pub const UNALLOCATED_LABEL: &str = "(unallocated)";

/// A dimension of `--group-by` and `--filter`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Dimension {
    /// Product code and product name (`service`, `service_name` columns).
    Service,
    /// Usage account id and name (`account`, `account_name` columns).
    Account,
    Region,
    AvailabilityZone,
    UsageType,
    Operation,
    LineItemType,
    Resource,
    /// On-Demand, Spot, Savings Plan, Reserved or Other.
    PurchaseOption,
    /// Usage, Tax, Credit, Refund, Fee, Recurring Fee, Upfront Fee, Discount …
    ChargeType,
    /// A resource tag, by its key as the user gave it (`team` or `user_team`).
    Tag(String),
    /// A cost category by name.
    CostCategory(String),
    /// The owning team: the allocation rules' expression, else the `user_team` tag.
    Team,
}

/// The dimension names `--group-by` and `--filter` accept, for error messages and docs.
pub const DIMENSION_NAMES: &str = "service, account, region, az (availability-zone), usage-type, \
     operation, line-item-type, resource, purchase-option, charge-type, tag:KEY, category:NAME, team";

impl FromStr for Dimension {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        let text = text.trim();
        if let Some((kind, name)) = text.split_once(':') {
            let name = name.trim();
            let kind = kind.trim().to_ascii_lowercase();
            if name.is_empty() && (kind == "tag" || kind == "category") {
                return Err(Error::InvalidArgument(format!(
                    "dimension '{text}' needs a name after the colon (e.g. tag:team, category:business_unit)"
                )));
            }
            return match kind.as_str() {
                "tag" => Ok(Dimension::Tag(name.to_string())),
                "category" => Ok(Dimension::CostCategory(name.to_string())),
                _ => Err(unknown(text)),
            };
        }
        let dimension = match text.to_ascii_lowercase().replace('_', "-").as_str() {
            "service" => Dimension::Service,
            "account" => Dimension::Account,
            "region" => Dimension::Region,
            "az" | "availability-zone" => Dimension::AvailabilityZone,
            "usage-type" => Dimension::UsageType,
            "operation" => Dimension::Operation,
            "line-item-type" => Dimension::LineItemType,
            "resource" | "resource-id" => Dimension::Resource,
            "purchase-option" => Dimension::PurchaseOption,
            "charge-type" => Dimension::ChargeType,
            "team" => Dimension::Team,
            _ => return Err(unknown(text)),
        };
        Ok(dimension)
    }
}

fn unknown(text: &str) -> Error {
    Error::InvalidArgument(format!(
        "unknown dimension '{text}'; valid dimensions: {DIMENSION_NAMES}"
    ))
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dimension::Service => f.write_str("service"),
            Dimension::Account => f.write_str("account"),
            Dimension::Region => f.write_str("region"),
            Dimension::AvailabilityZone => f.write_str("az"),
            Dimension::UsageType => f.write_str("usage-type"),
            Dimension::Operation => f.write_str("operation"),
            Dimension::LineItemType => f.write_str("line-item-type"),
            Dimension::Resource => f.write_str("resource"),
            Dimension::PurchaseOption => f.write_str("purchase-option"),
            Dimension::ChargeType => f.write_str("charge-type"),
            Dimension::Tag(key) => write!(f, "tag:{key}"),
            Dimension::CostCategory(name) => write!(f, "category:{name}"),
            Dimension::Team => f.write_str("team"),
        }
    }
}

/// One output column of a dimension: its name in result rows and its SQL expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DimensionColumn {
    pub name: String,
    pub sql: String,
}

impl Dimension {
    /// The columns this dimension adds to each row (two for service and account: the
    /// id and its name), as NULL-free SQL over `cur_amortized`. `team` decides the
    /// `team` dimension.
    pub fn columns(&self, team: &TeamExpr) -> Vec<DimensionColumn> {
        let column = |name: &str, sql: String| DimensionColumn {
            name: name.to_string(),
            sql,
        };
        match self {
            Dimension::Service => vec![
                column("service", labelled("line_item_product_code", NONE_LABEL)),
                column(
                    "service_name",
                    labelled("product['product_name']", NONE_LABEL),
                ),
            ],
            Dimension::Account => vec![
                column(
                    "account",
                    labelled("line_item_usage_account_id", NONE_LABEL),
                ),
                column(
                    "account_name",
                    labelled("line_item_usage_account_name", NONE_LABEL),
                ),
            ],
            Dimension::Region => vec![column(
                "region",
                labelled("product_region_code", NONE_LABEL),
            )],
            Dimension::AvailabilityZone => vec![column(
                "az",
                labelled("line_item_availability_zone", NONE_LABEL),
            )],
            Dimension::UsageType => vec![column(
                "usage_type",
                labelled("line_item_usage_type", NONE_LABEL),
            )],
            Dimension::Operation => vec![column(
                "operation",
                labelled("line_item_operation", NONE_LABEL),
            )],
            Dimension::LineItemType => vec![column(
                "line_item_type",
                labelled("line_item_line_item_type", NONE_LABEL),
            )],
            Dimension::Resource => vec![column(
                "resource",
                labelled("line_item_resource_id", NONE_LABEL),
            )],
            Dimension::PurchaseOption => {
                vec![column("purchase_option", PURCHASE_OPTION_SQL.to_string())]
            }
            Dimension::ChargeType => vec![column("charge_type", CHARGE_TYPE_SQL.to_string())],
            Dimension::Tag(key) => vec![column(
                &self.to_string(),
                labelled(
                    &map_value("resource_tags", &tag_column_key(key)),
                    UNTAGGED_LABEL,
                ),
            )],
            Dimension::CostCategory(name) => vec![column(
                &self.to_string(),
                labelled(&map_value("cost_category", name), UNCATEGORIZED_LABEL),
            )],
            Dimension::Team => vec![column(
                "team",
                match team {
                    TeamExpr::Rules(_) => labelled(
                        &format!("CAST(({}) AS VARCHAR)", team.sql()),
                        UNALLOCATED_LABEL,
                    ),
                    TeamExpr::Tag(_) => labelled(&team.sql(), UNTAGGED_LABEL),
                    TeamExpr::CostCategory(_) => labelled(&team.sql(), UNCATEGORIZED_LABEL),
                },
            )],
        }
    }
}

impl Dimension {
    /// `reads` with what this dimension's columns read (see [`Dimension::columns`]).
    pub fn reads(&self, reads: Reads, team: &TeamExpr) -> Reads {
        const TYPE: &str = "line_item_line_item_type";
        const ARN: &str = "reservation_reservation_a_r_n";
        match self {
            Dimension::Service => reads
                .columns(["line_item_product_code"])
                .product("product_name"),
            Dimension::Account => {
                reads.columns(["line_item_usage_account_id", "line_item_usage_account_name"])
            }
            Dimension::Region => reads.columns(["product_region_code"]),
            Dimension::AvailabilityZone => reads.columns(["line_item_availability_zone"]),
            Dimension::UsageType => reads.columns(["line_item_usage_type"]),
            Dimension::Operation => reads.columns(["line_item_operation"]),
            Dimension::LineItemType => reads.columns([TYPE]),
            Dimension::Resource => reads.columns(["line_item_resource_id"]),
            Dimension::PurchaseOption => {
                reads.columns([TYPE, ARN, "pricing_term", "line_item_usage_type"])
            }
            Dimension::ChargeType => reads.columns([TYPE, ARN]),
            Dimension::Tag(key) => reads.tag(&tag_column_key(key)),
            Dimension::CostCategory(_) => reads.columns(["cost_category"]),
            Dimension::Team => reads.team(team),
        }
    }
}

/// How a row was bought. Usage on a Savings Plan or a Reserved Instance, and the
/// commitment's own fees, count under the commitment; Spot is recognised by its pricing
/// term or usage type; other usage is On-Demand; taxes, credits, refunds and support
/// fees are `Other`.
pub const PURCHASE_OPTION_SQL: &str = "CASE \
  WHEN line_item_line_item_type LIKE 'SavingsPlan%' THEN 'Savings Plan' \
  WHEN line_item_line_item_type IN ('DiscountedUsage', 'RIFee') \
    OR (line_item_line_item_type = 'Fee' AND coalesce(reservation_reservation_a_r_n, '') <> '') THEN 'Reserved' \
  WHEN line_item_line_item_type = 'Usage' \
    AND (pricing_term = 'Spot' OR line_item_usage_type LIKE '%SpotUsage%') THEN 'Spot' \
  WHEN line_item_line_item_type = 'Usage' THEN 'On-Demand' \
  ELSE 'Other' END";

/// What kind of charge a row is: usage however it was paid for (`Usage`,
/// `DiscountedUsage`, `SavingsPlanCoveredUsage`), the Savings Plan negation, commitment
/// fees (recurring or upfront), other fees (support), tax, credits, refunds and discounts.
pub const CHARGE_TYPE_SQL: &str = "CASE \
  WHEN line_item_line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage') THEN 'Usage' \
  WHEN line_item_line_item_type = 'SavingsPlanNegation' THEN 'Savings Plan Negation' \
  WHEN line_item_line_item_type IN ('SavingsPlanRecurringFee', 'RIFee') THEN 'Recurring Fee' \
  WHEN line_item_line_item_type = 'SavingsPlanUpfrontFee' \
    OR (line_item_line_item_type = 'Fee' AND coalesce(reservation_reservation_a_r_n, '') <> '') THEN 'Upfront Fee' \
  WHEN line_item_line_item_type IN ('Fee', 'Tax', 'Credit', 'Refund') THEN line_item_line_item_type \
  WHEN line_item_line_item_type LIKE '%Discount' THEN 'Discount' \
  ELSE coalesce(nullif(line_item_line_item_type, ''), '(none)') END";

/// `--filter`: keep (or drop) the rows whose dimension matches any of the values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub dimension: Dimension,
    /// True for `DIM!=…`: drop the matching rows instead of keeping them.
    pub exclude: bool,
    /// Exact values, or `LIKE` patterns when they contain `%`.
    pub values: Vec<String>,
}

impl FromStr for Filter {
    type Err = Error;

    /// `DIM=VALUE[,VALUE…]` keeps, `DIM!=VALUE[,VALUE…]` drops.
    fn from_str(text: &str) -> Result<Self> {
        let bad = |why: &str| {
            Error::InvalidArgument(format!(
                "filter '{text}' {why}; expected DIM=VALUE[,VALUE…] or DIM!=VALUE[,VALUE…]"
            ))
        };
        let (left, values) = text.split_once('=').ok_or_else(|| bad("has no '='"))?;
        let (name, exclude) = match left.strip_suffix('!') {
            Some(name) => (name, true),
            None => (left, false),
        };
        if name.trim().is_empty() {
            return Err(bad("names no dimension"));
        }
        let dimension: Dimension = name.parse()?;
        let values: Vec<String> = values.split(',').map(|v| v.trim().to_string()).collect();
        if values.iter().any(String::is_empty) {
            return Err(bad("has an empty value"));
        }
        Ok(Filter {
            dimension,
            exclude,
            values,
        })
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = if self.exclude { "!=" } else { "=" };
        write!(f, "{}{op}{}", self.dimension, self.values.join(","))
    }
}

impl Filter {
    /// The filter as an SQL predicate over `cur_amortized`. A two-column dimension
    /// matches on either column (`service=AmazonEC2` or `service=Amazon Elastic%`,
    /// `account=App-Team-%`). Every value is quoted.
    pub fn sql(&self, team: &TeamExpr) -> String {
        let (patterns, exact): (Vec<&String>, Vec<&String>) =
            self.values.iter().partition(|v| v.contains('%'));
        let mut matches = Vec::new();
        for column in self.dimension.columns(team) {
            if !exact.is_empty() {
                let list: Vec<String> = exact.iter().map(|v| literal(v)).collect();
                matches.push(format!("{} IN ({})", column.sql, list.join(", ")));
            }
            for pattern in &patterns {
                matches.push(like(&column.sql, pattern));
            }
        }
        let any = format!("({})", matches.join(" OR "));
        if self.exclude {
            format!("NOT {any}")
        } else {
            any
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dimensions_parse_in_either_spelling_and_print_canonically() {
        for (text, canonical) in [
            ("service", "service"),
            ("AZ", "az"),
            ("availability_zone", "az"),
            ("usage_type", "usage-type"),
            ("tag:team", "tag:team"),
            ("category:business_unit", "category:business_unit"),
            ("team", "team"),
        ] {
            let dimension: Dimension = text.parse().expect(text);
            assert_eq!(dimension.to_string(), canonical);
        }
    }

    #[test]
    fn unknown_dimensions_list_the_valid_ones() {
        let error = "colour".parse::<Dimension>().expect_err("unknown");
        let message = error.to_string();
        assert!(
            message.contains("'colour'") && message.contains("usage-type"),
            "{message}"
        );
        assert!("tag:".parse::<Dimension>().is_err());
        assert!("size:large".parse::<Dimension>().is_err());
    }

    #[test]
    fn tag_keys_map_to_cur_keys() {
        assert_eq!(tag_column_key("team"), "user_team");
        assert_eq!(tag_column_key("user_team"), "user_team");
        assert_eq!(tag_column_key("user:team"), "user_team");
        assert_eq!(tag_column_key("aws:createdBy"), "aws_createdBy");
    }

    #[test]
    fn filters_parse_include_exclude_and_patterns() {
        let filter: Filter = "account!=App-Team-%,333333333333".parse().expect("filter");
        assert!(filter.exclude);
        assert_eq!(filter.dimension, Dimension::Account);
        assert_eq!(filter.values, ["App-Team-%", "333333333333"]);
        assert_eq!(filter.to_string(), "account!=App-Team-%,333333333333");
        let sql = filter.sql(&TeamExpr::default());
        assert!(
            sql.starts_with("NOT (") && sql.contains("LIKE 'App-Team-%'"),
            "{sql}"
        );
        assert!("service".parse::<Filter>().is_err());
        assert!("service=".parse::<Filter>().is_err());
        assert!("=x".parse::<Filter>().is_err());
    }

    #[test]
    fn filter_values_are_quoted() {
        let filter: Filter = "tag:team=o'brien".parse().expect("filter");
        assert!(filter.sql(&TeamExpr::default()).contains("'o''brien'"));
    }
}
