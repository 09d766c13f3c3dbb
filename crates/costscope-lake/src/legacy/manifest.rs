//! The legacy CUR manifest, `<report>-Manifest.json`, which lists the data files of one
//! delivery of one billing period.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::{Error, Result};

/// What costscope needs from a legacy CUR manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyManifest {
    /// The delivery's id; absent in some overwrite-mode manifests.
    pub assembly_id: Option<String>,
    /// The billing period as `YYYY-MM`, from `billingPeriod.start`.
    pub billing_period: String,
    /// Object keys of the data files, relative to the bucket.
    pub report_keys: Vec<String>,
    /// The report's columns as `category/name`, as in the CSV header.
    pub columns: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawManifest {
    assembly_id: Option<String>,
    billing_period: RawPeriod,
    report_keys: Vec<String>,
    #[serde(default)]
    columns: Vec<RawColumn>,
}

#[derive(Deserialize)]
struct RawPeriod {
    start: String,
}

#[derive(Deserialize)]
struct RawColumn {
    category: String,
    name: String,
}

/// Parses a legacy CUR manifest. `billingPeriod.start` looks like `20161101T000000.000Z`;
/// its date gives the billing period.
pub fn parse_manifest(bytes: &[u8], file: &str) -> Result<LegacyManifest> {
    let invalid = |reason: String| Error::Manifest {
        file: file.to_owned(),
        reason,
    };
    let raw: RawManifest = serde_json::from_slice(bytes).map_err(|e| invalid(e.to_string()))?;
    let start = raw.billing_period.start.trim();
    let date = start
        .get(..8)
        .and_then(|day| NaiveDate::parse_from_str(day, "%Y%m%d").ok())
        .ok_or_else(|| {
            invalid(format!(
                "billingPeriod.start `{start}` is not a date like 20161101T000000.000Z"
            ))
        })?;
    Ok(LegacyManifest {
        assembly_id: raw.assembly_id.filter(|id| !id.is_empty()),
        billing_period: date.format("%Y-%m").to_string(),
        report_keys: raw.report_keys,
        columns: raw
            .columns
            .into_iter()
            .map(|c| format!("{}/{}", c.category, c.name))
            .collect(),
    })
}
