//! Compute: previous → current generation and x86 → Graviton for EC2 instances, and x86 →
//! Arm for Lambda.
//!
//! An instance is either previous-generation (then the recommendation is the cheaper of its
//! current-generation x86 and Graviton successors) or current-generation x86 (then
//! Graviton), never both, so its hours are counted once. Hours covered by a Reserved
//! Instance are left out: changing family would strand the reservation.

use std::collections::BTreeMap;

use super::{Context, Draft, usd};
use crate::recommend::usage::UsageRow;
use crate::recommend::{Category, Effort, Recommendation};

/// Previous-generation families and their current-generation x86 successor.
const PREVIOUS: &[(&str, &str)] = &[
    ("m1", "m5"),
    ("m3", "m5"),
    ("m4", "m5"),
    ("c1", "c5"),
    ("c3", "c5"),
    ("c4", "c5"),
    ("r3", "r5"),
    ("r4", "r5"),
    ("t1", "t3"),
    ("t2", "t3"),
];

/// x86 families and their Graviton equivalent.
const GRAVITON: &[(&str, &str)] = &[
    ("m4", "m7g"),
    ("m5", "m7g"),
    ("m5a", "m7g"),
    ("m6i", "m7g"),
    ("m6a", "m7g"),
    ("m7i", "m7g"),
    ("m7a", "m7g"),
    ("c4", "c7g"),
    ("c5", "c7g"),
    ("c5a", "c7g"),
    ("c6i", "c7g"),
    ("c7i", "c7g"),
    ("r4", "r7g"),
    ("r5", "r7g"),
    ("r5a", "r7g"),
    ("r6i", "r7g"),
    ("r7i", "r7g"),
    ("t2", "t4g"),
    ("t3", "t4g"),
    ("t3a", "t4g"),
];

fn lookup(table: &[(&str, &'static str)], family: &str) -> Option<&'static str> {
    table
        .iter()
        .find(|(from, _)| *from == family)
        .map(|&(_, to)| to)
}

/// `m5.large` → (`m5`, `large`).
pub(crate) fn split_type(instance_type: &str) -> Option<(&str, &str)> {
    instance_type.split_once('.')
}

/// The instance type of an EC2 instance-hour usage type (`BoxUsage:m5.large`,
/// `SpotUsage:c5.large`).
fn instance_type(usage_type: &str) -> Option<&str> {
    let (prefix, t) = usage_type.split_once(':')?;
    matches!(prefix, "BoxUsage" | "SpotUsage" | "DedicatedUsage").then_some(t)
}

/// One instance's hours over the window (RI-covered hours excluded).
struct InstanceHours<'a> {
    row: &'a UsageRow,
    instance_type: String,
    hours: f64,
    cost: f64,
}

fn instance_hours<'a>(rows: &'a [UsageRow]) -> Vec<InstanceHours<'a>> {
    let mut by: BTreeMap<(&str, &str), InstanceHours<'a>> = BTreeMap::new();
    for row in rows {
        if row.product_code != "AmazonEC2" || row.line_item_type == "DiscountedUsage" {
            continue;
        }
        let Some(t) = instance_type(&row.usage_type) else {
            continue;
        };
        let entry = by
            .entry((&row.resource_id, t))
            .or_insert_with(|| InstanceHours {
                row,
                instance_type: t.to_string(),
                hours: 0.0,
                cost: 0.0,
            });
        entry.hours += row.usage;
        entry.cost += row.cost;
    }
    by.into_values().collect()
}

/// Previous-generation and Graviton recommendations for EC2 instances.
pub(crate) fn instances(cx: &Context<'_>) -> Vec<Recommendation> {
    let mut out = Vec::new();
    for i in instance_hours(cx.rows) {
        let Some((family, size)) = split_type(&i.instance_type) else {
            continue;
        };
        let Some(current_price) = cx.prices.instance_hour(&i.instance_type) else {
            continue;
        };
        let mut options = Vec::new();
        let previous = lookup(PREVIOUS, family);
        if let Some(x86) = previous {
            options.push((format!("{x86}.{size}"), Effort::Low));
        }
        if let Some(arm) = lookup(GRAVITON, family) {
            options.push((format!("{arm}.{size}"), Effort::Medium));
        }
        let priced: Vec<(String, Effort, f64)> = options
            .into_iter()
            .filter_map(|(t, effort)| {
                let p = cx.prices.instance_hour(&t)?;
                (p < current_price).then_some((t, effort, p))
            })
            .collect();
        let Some((target, effort, target_price)) =
            priced.iter().min_by(|a, b| a.2.total_cmp(&b.2)).cloned()
        else {
            continue;
        };
        let rule = if previous.is_some() {
            "previous-generation"
        } else {
            "graviton"
        };
        let paid_ratio = if i.hours > 0.0 {
            i.cost / (i.hours * current_price)
        } else {
            0.0
        };
        let saving = cx.monthly(i.cost * (1.0 - target_price / current_price));
        let others: Vec<String> = priced
            .iter()
            .filter(|(t, _, _)| *t != target)
            .map(|(t, _, p)| {
                format!(
                    "; {t} would save {}",
                    usd(cx.monthly(i.cost * (1.0 - p / current_price)))
                )
            })
            .collect();
        out.push(
            Draft {
                rule,
                category: Category::Compute,
                effort,
                row: i.row,
                resource_id: i.row.resource_id.clone(),
                pool: "instance-hours",
                current: i.instance_type.clone(),
                recommended: target.clone(),
                monthly_cost: cx.monthly(i.cost),
                monthly_saving: saving,
                explanation: format!(
                    "{:.0} h of {} at {}/h list, paid at {:.0}% of list: {:.0} h × ({} − {}) × {:.2} × 730/720 = {}/month{}",
                    i.hours,
                    i.instance_type,
                    usd(current_price),
                    paid_ratio * 100.0,
                    i.hours,
                    usd(current_price),
                    usd(target_price),
                    paid_ratio,
                    usd(saving),
                    others.concat()
                ),
            }
            .build(),
        );
    }
    out
}

/// Lambda functions still on x86: the Arm GB-second price.
pub(crate) fn lambda_arm(cx: &Context<'_>) -> Vec<Recommendation> {
    let (Some(x86), Some(arm)) = (
        cx.price("lambda/gb-second"),
        cx.price("lambda/gb-second-arm"),
    ) else {
        return Vec::new();
    };
    cx.rows
        .iter()
        .filter(|r| r.product_code == "AWSLambda" && r.usage_type == "Lambda-GB-Second")
        .map(|row| {
            let saving = cx.monthly(row.usage * (x86 - arm) * paid_ratio(row, x86));
            Draft {
                rule: "lambda-arm",
                category: Category::Compute,
                effort: Effort::Low,
                row,
                resource_id: row.resource_id.clone(),
                pool: "lambda-compute",
                current: "x86_64".to_string(),
                recommended: "arm64".to_string(),
                monthly_cost: cx.monthly(row.cost),
                monthly_saving: saving,
                explanation: format!(
                    "{:.0} GB-s × ({} − {}) per GB-s × 730/720 = {}/month",
                    row.usage,
                    usd(x86),
                    usd(arm),
                    usd(saving)
                ),
            }
            .build()
        })
        .collect()
}

/// What fraction of the list price was paid (1 for On-Demand; less under commitments).
fn paid_ratio(row: &UsageRow, list: f64) -> f64 {
    if row.usage > 0.0 && list > 0.0 {
        (row.cost / (row.usage * list)).min(1.0)
    } else {
        1.0
    }
}
