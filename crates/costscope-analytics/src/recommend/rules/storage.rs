//! Storage: gp2 → gp3 and unattached EBS volumes, old snapshots, S3 storage classes.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDate};

use super::{Context, Draft, usd};
use crate::recommend::usage::UsageRow;
use crate::recommend::{Category, Effort, Recommendation};

/// Snapshots older than this at the end of the window are recommended for archive.
pub const OLD_SNAPSHOT_DAYS: i64 = 365;

/// A bucket's Standard storage counts as cold below this many GET requests per GB-month.
pub const COLD_GETS_PER_GB_MONTH: f64 = 1.0;

/// Standard storage below this (GB-months over the window) is too small to bother.
pub const MIN_S3_GB: f64 = 100.0;

/// EBS volume type from its usage type (`EBS:VolumeUsage.gp2` → `gp2`; bare → `standard`).
fn volume_type(usage_type: &str) -> Option<&str> {
    let rest = usage_type.strip_prefix("EBS:VolumeUsage")?;
    Some(rest.strip_prefix('.').unwrap_or("standard"))
}

/// gp2 → gp3 for every gp2 volume; unattached volumes (no instance ran in their account
/// and Availability Zone during the window: a volume attaches only within its AZ) →
/// snapshot and delete. Both draw on the volume's storage, so only the larger is counted.
pub(crate) fn ebs(cx: &Context<'_>) -> Vec<Recommendation> {
    let instance_zones: BTreeSet<(&str, &str)> = cx
        .rows
        .iter()
        .filter(|r| {
            r.product_code == "AmazonEC2"
                && r.resource_id.starts_with("i-")
                && r.usage_type.contains("Usage:")
        })
        .filter_map(|r| Some((r.account_id.as_str(), r.az.as_deref()?)))
        .collect();
    let mut out = Vec::new();
    for row in cx.rows {
        if row.product_code != "AmazonEC2" {
            continue;
        }
        let Some(kind) = volume_type(&row.usage_type) else {
            continue;
        };
        let gb = cx.monthly(row.usage);
        if kind == "gp2"
            && let (Some(gp2), Some(gp3)) = (cx.price("ebs/gp2"), cx.price("ebs/gp3"))
        {
            let saving = cx.monthly(row.usage * (gp2 - gp3));
            out.push(
                Draft {
                    rule: "gp2-to-gp3",
                    category: Category::Storage,
                    effort: Effort::Low,
                    row,
                    resource_id: row.resource_id.clone(),
                    pool: "ebs-storage",
                    current: format!("gp2 {gb:.0} GB"),
                    recommended: "gp3".to_string(),
                    monthly_cost: cx.monthly(row.cost),
                    monthly_saving: saving,
                    explanation: format!(
                        "{:.1} GB-months × ({} − {}) × 730/720 = {}/month (gp3 includes 3000 IOPS and 125 MB/s)",
                        row.usage,
                        usd(gp2),
                        usd(gp3),
                        usd(saving)
                    ),
                }
                .build(),
            );
        }
        let attached_possible = row
            .az
            .as_deref()
            .is_none_or(|az| instance_zones.contains(&(row.account_id.as_str(), az)));
        if !attached_possible {
            let saving = cx.monthly(row.cost);
            out.push(
                Draft {
                    rule: "unattached-volume",
                    category: Category::Storage,
                    effort: Effort::Low,
                    row,
                    resource_id: row.resource_id.clone(),
                    pool: "ebs-storage",
                    current: format!("{kind} {gb:.0} GB, unattached"),
                    recommended: "snapshot, then delete".to_string(),
                    monthly_cost: cx.monthly(row.cost),
                    monthly_saving: saving,
                    explanation: format!(
                        "no instance ran in {} {} during the window, so the volume cannot be attached: its whole cost {}/month",
                        row.account_id,
                        row.az.as_deref().unwrap_or(""),
                        usd(saving)
                    ),
                }
                .build(),
            );
        }
    }
    out
}

/// Snapshots older than a year (by their `created` tag): archive them (or delete).
pub(crate) fn snapshots(cx: &Context<'_>) -> Vec<Recommendation> {
    let (Some(standard), Some(archive)) =
        (cx.price("ebs/snapshot"), cx.price("ebs/snapshot-archive"))
    else {
        return Vec::new();
    };
    let cutoff = cx.window.to - Duration::days(OLD_SNAPSHOT_DAYS);
    cx.rows
        .iter()
        .filter(|r| r.usage_type == "EBS:SnapshotUsage")
        .filter_map(|row| {
            let created = row
                .created
                .as_deref()
                .and_then(|c| NaiveDate::parse_from_str(c, "%Y-%m-%d").ok())?;
            (created < cutoff).then_some((row, created))
        })
        .map(|(row, created)| {
            let saving = cx.monthly(row.usage * (standard - archive));
            let days = (cx.window.to - created).num_days();
            Draft {
                rule: "old-snapshot",
                category: Category::Storage,
                effort: Effort::Low,
                row,
                resource_id: row.resource_id.clone(),
                pool: "snapshot-storage",
                current: format!(
                    "snapshot {:.0} GB, {days} days old",
                    cx.monthly(row.usage)
                ),
                recommended: "archive tier (or delete)".to_string(),
                monthly_cost: cx.monthly(row.cost),
                monthly_saving: saving,
                explanation: format!(
                    "created {created}: {:.1} GB-months × ({} − {}) × 730/720 = {}/month; deleting saves all {}/month",
                    row.usage,
                    usd(standard),
                    usd(archive),
                    usd(saving),
                    usd(cx.monthly(row.cost))
                ),
            }
            .build()
        })
        .collect()
}

/// A bucket's storage and requests over the window.
#[derive(Default)]
struct Bucket<'a> {
    row: Option<&'a UsageRow>,
    standard_gb: f64,
    standard_cost: f64,
    glacier_gb: f64,
    glacier_cost: f64,
    gets: f64,
    retrievals: f64,
}

/// Cold Standard storage → Standard-IA; Glacier Flexible Retrieval never retrieved →
/// Deep Archive (lifecycle rules).
pub(crate) fn s3(cx: &Context<'_>) -> Vec<Recommendation> {
    let mut buckets: BTreeMap<&str, Bucket<'_>> = BTreeMap::new();
    for row in cx.rows.iter().filter(|r| r.product_code == "AmazonS3") {
        let b = buckets.entry(&row.resource_id).or_default();
        match row.usage_type.as_str() {
            "TimedStorage-ByteHrs" => {
                b.standard_gb += row.usage;
                b.standard_cost += row.cost;
                b.row = Some(row);
            }
            "TimedStorage-GlacierByteHrs" => {
                b.glacier_gb += row.usage;
                b.glacier_cost += row.cost;
                b.row = b.row.or(Some(row));
            }
            "Requests-Tier2" => b.gets += row.usage,
            t if t.starts_with("Retrieval") || t.contains("Glacier-Retrieval") => {
                b.retrievals += row.usage
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (name, b) in &buckets {
        let Some(row) = b.row else { continue };
        if let (Some(standard), Some(ia)) = (cx.price("s3/standard"), cx.price("s3/standard-ia"))
            && b.standard_gb >= MIN_S3_GB
            && b.gets / b.standard_gb < COLD_GETS_PER_GB_MONTH
        {
            let saving = cx.monthly(b.standard_gb * (standard - ia));
            out.push(
                Draft {
                    rule: "s3-infrequent-access",
                    category: Category::Storage,
                    effort: Effort::Low,
                    row,
                    resource_id: name.to_string(),
                    pool: "s3-standard",
                    current: format!("S3 Standard {:.0} GB", cx.monthly(b.standard_gb)),
                    recommended: "lifecycle to Standard-IA (or Intelligent-Tiering)".into(),
                    monthly_cost: cx.monthly(b.standard_cost),
                    monthly_saving: saving,
                    explanation: format!(
                        "{:.0} GET requests on {:.0} GB-months of Standard ({:.2} per GB): {:.0} GB-months × ({} − {}) × 730/720 = {}/month",
                        b.gets,
                        b.standard_gb,
                        b.gets / b.standard_gb,
                        b.standard_gb,
                        usd(standard),
                        usd(ia),
                        usd(saving)
                    ),
                }
                .build(),
            );
        }
        if let (Some(glacier), Some(deep)) = (cx.price("s3/glacier"), cx.price("s3/deep-archive"))
            && b.glacier_gb > 0.0
            && b.retrievals == 0.0
        {
            let saving = cx.monthly(b.glacier_gb * (glacier - deep));
            out.push(
                Draft {
                    rule: "s3-deep-archive",
                    category: Category::Storage,
                    effort: Effort::Low,
                    row,
                    resource_id: name.to_string(),
                    pool: "s3-glacier",
                    current: format!("Glacier Flexible Retrieval {:.0} GB", cx.monthly(b.glacier_gb)),
                    recommended: "lifecycle to Glacier Deep Archive".into(),
                    monthly_cost: cx.monthly(b.glacier_cost),
                    monthly_saving: saving,
                    explanation: format!(
                        "no retrievals in the window: {:.0} GB-months × ({} − {}) × 730/720 = {}/month",
                        b.glacier_gb,
                        usd(glacier),
                        usd(deep),
                        usd(saving)
                    ),
                }
                .build(),
            );
        }
    }
    out
}
