//! Database: RDS instances on x86 or a previous generation → Graviton, RDS gp2 storage
//! → gp3, and non-production databases that run around the clock → stopped outside
//! office hours.

use chrono::NaiveDateTime;

use super::{Context, Draft, usd};
use crate::recommend::usage::HOURS_PER_MONTH;
use crate::recommend::usage::UsageRow;
use crate::recommend::{Category, Effort, Recommendation};

/// Office hours a week (Monday to Friday, 08:00 to 18:00): a scheduled database runs these.
pub const OFFICE_HOURS_PER_WEEK: f64 = 50.0;
/// A database runs around the clock when it ran this share of the hours it was seen.
const ALWAYS_ON: f64 = 0.95;
/// `user_env` values and account-name words that mean non-production.
const NON_PRODUCTION: &[&str] = &["dev", "development", "test", "qa", "staging", "sandbox"];

/// True when the resource's `user_env` tag, or else its account's name, says
/// non-production.
fn non_production(row: &UsageRow) -> bool {
    let is = |word: &str| NON_PRODUCTION.contains(&word.to_ascii_lowercase().as_str());
    match row.env.as_deref().filter(|e| !e.is_empty()) {
        Some(env) => is(env),
        None => row
            .account_name
            .as_deref()
            .is_some_and(|name| name.split(|c: char| !c.is_alphanumeric()).any(is)),
    }
}

/// Hours from the first to the last usage hour seen, both included.
fn hours_seen(row: &UsageRow) -> Option<f64> {
    let parse = |s: &str| {
        let s = s.get(..19)?.replacen('T', " ", 1);
        NaiveDateTime::parse_from_str(&s, "%Y-%m-%d %H:%M:%S").ok()
    };
    let (first, last) = (parse(&row.first_seen)?, parse(&row.last_seen)?);
    Some((last - first).num_hours() as f64 + 1.0)
}

/// A non-production instance that ran at least [`ALWAYS_ON`] of its hours: stop it outside
/// office hours (scheduled start and stop), keeping 50 of 168 hours a week.
fn off_hours(row: &UsageRow, class: &str) -> Option<Recommendation> {
    let hours = hours_seen(row)?;
    if !non_production(row) || row.usage < ALWAYS_ON * hours {
        return None;
    }
    // Priced from the hours it ran, so a database started inside the window counts fully.
    let monthly_cost = row.cost / hours * HOURS_PER_MONTH;
    let saving = monthly_cost * (1.0 - OFFICE_HOURS_PER_WEEK / 168.0);
    Some(
        Draft {
            rule: "rds-stop-off-hours",
            category: Category::Database,
            effort: Effort::Low,
            row,
            resource_id: row.resource_id.clone(),
            pool: "db-instance-hours",
            current: format!(
                "{class} running {:.0} of {hours:.0} h (non-production)",
                row.usage
            ),
            recommended: "stop outside office hours (Mon-Fri 08:00-18:00)".to_string(),
            monthly_cost,
            monthly_saving: saving,
            explanation: format!(
                "cost {} over {hours:.0} h × 730 h × (1 − {OFFICE_HOURS_PER_WEEK:.0}/168 h) = \
                 {}/month",
                usd(row.cost),
                usd(saving)
            ),
        }
        .build(),
    )
}

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
            out.extend(off_hours(row, class));
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
