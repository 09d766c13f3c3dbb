//! Database: RDS instances on x86 or a previous generation → Graviton, and RDS gp2 storage
//! → gp3.

use super::{Context, Draft, usd};
use crate::recommend::{Category, Effort, Recommendation};

/// RDS instance families and their Graviton successor.
const GRAVITON: &[(&str, &str)] = &[
    ("db.m4", "db.m6g"),
    ("db.m5", "db.m6g"),
    ("db.m6i", "db.m6g"),
    ("db.r4", "db.r6g"),
    ("db.r5", "db.r6g"),
    ("db.r6i", "db.r6g"),
    ("db.t2", "db.t4g"),
    ("db.t3", "db.t4g"),
];

/// RDS instance class of an instance-hour usage type.
fn db_class(usage_type: &str) -> Option<&str> {
    let (prefix, class) = usage_type.split_once(':')?;
    matches!(prefix, "InstanceUsage" | "Multi-AZUsage").then_some(class)
}

pub(crate) fn rds(cx: &Context<'_>) -> Vec<Recommendation> {
    let mut out = Vec::new();
    for row in cx
        .rows
        .iter()
        .filter(|r| r.product_code == "AmazonRDS" && r.line_item_type != "DiscountedUsage")
    {
        if let Some(class) = db_class(&row.usage_type) {
            let Some((family, size)) = class.rsplit_once('.') else {
                continue;
            };
            let Some(&(_, target_family)) = GRAVITON.iter().find(|(f, _)| *f == family) else {
                continue;
            };
            let target = format!("{target_family}.{size}");
            let (Some(current), Some(price)) = (
                cx.price(&format!("rds/{class}")),
                cx.price(&format!("rds/{target}")),
            ) else {
                continue;
            };
            if price >= current {
                continue;
            }
            let saving = cx.monthly(row.cost * (1.0 - price / current));
            out.push(
                Draft {
                    rule: "rds-graviton",
                    category: Category::Database,
                    effort: Effort::Medium,
                    row,
                    resource_id: row.resource_id.clone(),
                    pool: "db-instance-hours",
                    current: class.to_string(),
                    recommended: target,
                    monthly_cost: cx.monthly(row.cost),
                    monthly_saving: saving,
                    explanation: format!(
                        "{:.0} h, cost {} × (1 − {} / {}) × 730/720 = {}/month",
                        row.usage,
                        usd(row.cost),
                        usd(price),
                        usd(current),
                        usd(saving)
                    ),
                }
                .build(),
            );
        } else if row.usage_type.contains("GP2-Storage")
            && let (Some(gp2), Some(gp3)) = (cx.price("rds/gp2"), cx.price("rds/gp3"))
            && gp3 < gp2
        {
            let saving = cx.monthly(row.usage * (gp2 - gp3));
            out.push(
                Draft {
                    rule: "rds-gp2-to-gp3",
                    category: Category::Database,
                    effort: Effort::Low,
                    row,
                    resource_id: row.resource_id.clone(),
                    pool: "db-storage",
                    current: "gp2".to_string(),
                    recommended: "gp3".to_string(),
                    monthly_cost: cx.monthly(row.cost),
                    monthly_saving: saving,
                    explanation: format!(
                        "{:.1} GB-months × ({} − {}) × 730/720 = {}/month",
                        row.usage,
                        usd(gp2),
                        usd(gp3),
                        usd(saving)
                    ),
                }
                .build(),
            );
        }
    }
    out
}
