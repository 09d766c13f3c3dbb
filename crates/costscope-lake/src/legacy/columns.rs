//! Where each legacy CUR column lands in CUR 2.0.
//!
//! Legacy column names come in two spellings: the CSV header `category/Name`
//! (`lineItem/UnblendedCost`, `resourceTags/user:team`) and the snake_case names of AWS's
//! Parquet (Athena) artefact (`line_item_unblended_cost`, `resource_tags_user_team`). Both
//! are reduced to the Parquet spelling, which CUR 2.0 kept for every flat column, with the
//! rule AWS applies to build it: an underscore before each upper-case letter, lower case,
//! every other non-alphanumeric character to an underscore, runs of underscores collapsed,
//! none at either end. So `SavingsPlanARN` is `savings_plan_a_r_n`, `user:Cost Center` is
//! `user_cost_center` and `aws:createdBy` is `aws_created_by`.
//!
//! Then, by category:
//! - a name that is a flat CUR 2.0 column is that column. Product attributes are flat only
//!   for the ~24 attributes CUR 2.0 keeps flat (`product/instanceType` →
//!   `product_instance_type`); they are not copied into the `product` map;
//! - other product attributes become `product` map entries keyed by the snake_case name
//!   without the category (`product/ProductName` → `product['product_name']`), as do
//!   resource tags (`resource_tags['user_team']`), cost categories
//!   (`cost_category['business_unit']`) and discounts other than the two flat ones
//!   (`discount['edp_discount']`);
//! - anything else (unknown categories, `year`/`month` partition columns, attributes of a
//!   known category that CUR 2.0 has no column for) is ignored.
//!
//! Names compare case-insensitively: the category always, and the attribute of a flat
//! column by its letters and digits alone when the snake_case spelling does not match
//! (`product/instanceSKU` → `product_instancesku`).

use arrow::datatypes::Schema;
use costscope_core::cur::{self, Kind};

/// Where a legacy column lands in CUR 2.0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A flat CUR 2.0 column, by its exact name.
    Column(&'static str),
    /// An entry of one of the CUR 2.0 map columns (`product`, `resource_tags`,
    /// `cost_category`, `discount`).
    MapEntry { map: &'static str, key: String },
    /// No place in CUR 2.0; the caller reports such columns as ignored.
    Ignored,
}

/// A legacy column category: its CSV spelling, its snake_case prefix, and the map that
/// takes its attributes that are not flat CUR 2.0 columns.
struct Category {
    csv: &'static str,
    prefix: &'static str,
    map: Option<&'static str>,
}

impl Category {
    const fn flat(csv: &'static str, prefix: &'static str) -> Self {
        Self {
            csv,
            prefix,
            map: None,
        }
    }

    const fn with_map(csv: &'static str, prefix: &'static str, map: &'static str) -> Self {
        Self {
            csv,
            prefix,
            map: Some(map),
        }
    }
}

/// No prefix begins another, so the order of the list does not matter.
const CATEGORIES: &[Category] = &[
    Category::flat("identity", "identity_"),
    Category::flat("bill", "bill_"),
    Category::flat("lineItem", "line_item_"),
    Category::flat("splitLineItem", "split_line_item_"),
    Category::flat("pricing", "pricing_"),
    Category::flat("reservation", "reservation_"),
    Category::flat("savingsPlan", "savings_plan_"),
    Category::flat("capacityReservation", "capacity_reservation_"),
    Category::with_map("product", "product_", "product"),
    Category::with_map("discount", "discount_", "discount"),
    Category::with_map("resourceTags", "resource_tags_", "resource_tags"),
    Category::with_map("costCategory", "cost_category_", "cost_category"),
];

/// Maps a legacy column name, CSV (`lineItem/UnblendedCost`) or Parquet
/// (`line_item_unblended_cost`) style, to its CUR 2.0 target. See the module docs for the
/// rules.
pub fn target_of(legacy_name: &str) -> Target {
    let name = legacy_name.trim();
    let (category, attribute) = match name.split_once('/') {
        Some((category, attribute)) => {
            let Some(category) = CATEGORIES
                .iter()
                .find(|c| c.csv.eq_ignore_ascii_case(category.trim()))
            else {
                return Target::Ignored;
            };
            (category, snake_case(attribute))
        }
        None => {
            let lower = name.to_ascii_lowercase();
            let Some(category) = CATEGORIES.iter().find(|c| lower.starts_with(c.prefix)) else {
                return Target::Ignored;
            };
            (category, lower[category.prefix.len()..].to_owned())
        }
    };
    if attribute.is_empty() {
        return Target::Ignored;
    }
    match (flat_column(category.prefix, &attribute), category.map) {
        (Some(column), _) => Target::Column(column),
        (None, Some(map)) => Target::MapEntry {
            map,
            key: attribute,
        },
        (None, None) => Target::Ignored,
    }
}

/// The legacy columns of `schema` that [`target_of`] ignores, in schema order, so the
/// caller can report them.
pub fn ignored_columns(schema: &Schema) -> Vec<String> {
    schema
        .fields()
        .iter()
        .filter(|f| target_of(f.name()) == Target::Ignored)
        .map(|f| f.name().clone())
        .collect()
}

/// The [`cur::REQUIRED`] columns that no column of the legacy `schema` feeds; a file
/// missing any of them is not a cost and usage report.
pub fn missing_required_columns(schema: &Schema) -> Vec<&'static str> {
    let fed: Vec<Target> = schema
        .fields()
        .iter()
        .map(|f| target_of(f.name()))
        .collect();
    cur::REQUIRED
        .iter()
        .copied()
        .filter(|required| !fed.contains(&Target::Column(required)))
        .collect()
}

/// The flat (non-map) CUR 2.0 column `prefix` + `attribute`, matched exactly first and
/// then by letters and digits alone, so spellings that differ only in word breaks agree.
fn flat_column(prefix: &str, attribute: &str) -> Option<&'static str> {
    let flat = || {
        cur::COLUMNS
            .iter()
            .filter(|(_, kind)| !matches!(kind, Kind::MapStr | Kind::MapF64))
            .filter_map(|(name, _)| name.strip_prefix(prefix).map(|rest| (*name, rest)))
    };
    if let Some((name, _)) = flat().find(|(_, rest)| *rest == attribute) {
        return Some(name);
    }
    let squashed = alphanumerics(attribute);
    flat()
        .find(|(_, rest)| alphanumerics(rest) == squashed)
        .map(|(name, _)| name)
}

fn alphanumerics(s: &str) -> String {
    s.chars().filter(char::is_ascii_alphanumeric).collect()
}

/// AWS's rule for turning a legacy CSV name part into its Parquet (Athena) spelling; see
/// the module docs.
pub(crate) fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 8);
    for c in name.chars() {
        if c.is_uppercase() {
            out.push('_');
            out.extend(c.to_lowercase());
        } else if c.is_alphanumeric() {
            out.push(c);
        } else {
            out.push('_');
        }
    }
    let mut collapsed = String::with_capacity(out.len());
    for c in out.chars() {
        if c == '_' && (collapsed.is_empty() || collapsed.ends_with('_')) {
            continue;
        }
        collapsed.push(c);
    }
    while collapsed.ends_with('_') {
        collapsed.pop();
    }
    collapsed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &'static str) -> Target {
        Target::Column(name)
    }

    fn entry(map: &'static str, key: &str) -> Target {
        Target::MapEntry {
            map,
            key: key.into(),
        }
    }

    #[test]
    fn snake_case_follows_the_athena_rule() {
        for (csv, parquet) in [
            ("PayerAccountId", "payer_account_id"),
            ("UsageStartDate", "usage_start_date"),
            ("SavingsPlanARN", "savings_plan_a_r_n"),
            ("ReservationARN", "reservation_a_r_n"),
            ("publicOnDemandCost", "public_on_demand_cost"),
            ("instanceTypeFamily", "instance_type_family"),
            ("intelAvx2Available", "intel_avx2_available"),
            ("user:Cost Center", "user_cost_center"),
            ("aws:createdBy", "aws_created_by"),
            ("Business Unit", "business_unit"),
            ("  _x__y_ ", "x_y"),
        ] {
            assert_eq!(snake_case(csv), parquet, "{csv}");
        }
    }

    #[test]
    fn csv_and_parquet_names_reach_the_same_target() {
        for (csv, parquet, target) in [
            (
                "lineItem/UnblendedCost",
                "line_item_unblended_cost",
                column("line_item_unblended_cost"),
            ),
            (
                "lineItem/LineItemType",
                "line_item_line_item_type",
                column("line_item_line_item_type"),
            ),
            (
                "bill/PayerAccountId",
                "bill_payer_account_id",
                column("bill_payer_account_id"),
            ),
            (
                "savingsPlan/SavingsPlanEffectiveCost",
                "savings_plan_savings_plan_effective_cost",
                column("savings_plan_savings_plan_effective_cost"),
            ),
            (
                "savingsPlan/SavingsPlanARN",
                "savings_plan_savings_plan_a_r_n",
                column("savings_plan_savings_plan_a_r_n"),
            ),
            (
                "reservation/ReservationARN",
                "reservation_reservation_a_r_n",
                column("reservation_reservation_a_r_n"),
            ),
            (
                "pricing/publicOnDemandCost",
                "pricing_public_on_demand_cost",
                column("pricing_public_on_demand_cost"),
            ),
            (
                "identity/LineItemId",
                "identity_line_item_id",
                column("identity_line_item_id"),
            ),
            (
                "splitLineItem/SplitCost",
                "split_line_item_split_cost",
                column("split_line_item_split_cost"),
            ),
            (
                "discount/TotalDiscount",
                "discount_total_discount",
                column("discount_total_discount"),
            ),
            (
                "product/instanceType",
                "product_instance_type",
                column("product_instance_type"),
            ),
            (
                "product/usagetype",
                "product_usagetype",
                column("product_usagetype"),
            ),
            (
                "product/ProductName",
                "product_product_name",
                entry("product", "product_name"),
            ),
            (
                "product/region",
                "product_region",
                entry("product", "region"),
            ),
            (
                "product/instanceTypeFamily",
                "product_instance_type_family",
                entry("product", "instance_type_family"),
            ),
            (
                "resourceTags/user:team",
                "resource_tags_user_team",
                entry("resource_tags", "user_team"),
            ),
            (
                "resourceTags/aws:createdBy",
                "resource_tags_aws_created_by",
                entry("resource_tags", "aws_created_by"),
            ),
            (
                "costCategory/Business Unit",
                "cost_category_business_unit",
                entry("cost_category", "business_unit"),
            ),
            (
                "discount/EdpDiscount",
                "discount_edp_discount",
                entry("discount", "edp_discount"),
            ),
        ] {
            assert_eq!(target_of(csv), target, "{csv}");
            assert_eq!(target_of(parquet), target, "{parquet}");
        }
    }

    #[test]
    fn names_compare_case_insensitively() {
        assert_eq!(
            target_of("LINEITEM/UnblendedCost"),
            column("line_item_unblended_cost")
        );
        assert_eq!(
            target_of("lineitem/unblendedcost"),
            column("line_item_unblended_cost")
        );
        assert_eq!(
            target_of("Line_Item_Unblended_Cost"),
            column("line_item_unblended_cost")
        );
        assert_eq!(
            target_of("product/instanceSKU"),
            column("product_instancesku")
        );
    }

    #[test]
    fn unknown_and_partition_columns_are_ignored() {
        for name in [
            "year",
            "month",
            "foo/Bar",
            "lineItem/NoSuchThing",
            "resourceTags/",
            "product_",
            "",
        ] {
            assert_eq!(target_of(name), Target::Ignored, "{name}");
        }
    }
}
