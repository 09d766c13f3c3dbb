//! Recognises what a source holds — a CUR 2.0 export (root or one billing period), a legacy
//! CUR in CSV or Parquet — and picks the files of the newest delivery of each period.

use std::collections::BTreeMap;

use object_store::ObjectMeta;
use object_store::path::Path;

use crate::source::Source;
use crate::{Error, Result};

/// The format of one data file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// CUR 2.0 Parquet (Data Exports).
    Cur2Parquet,
    /// Legacy CUR Parquet (Athena artefact), snake_case flattened columns.
    LegacyParquet,
    /// Legacy CUR CSV with `category/Name` headers, optionally gzip-compressed.
    LegacyCsv { gzip: bool },
}

/// One file to ingest and the billing period its folder names.
#[derive(Debug, Clone)]
pub struct DataFile {
    pub location: Path,
    pub format: FileFormat,
    pub size: u64,
}

/// The files of one billing period, from its newest delivery.
#[derive(Debug, Clone)]
pub struct PeriodFiles {
    /// `YYYY-MM`.
    pub period: String,
    pub files: Vec<DataFile>,
}

/// Lists the source and groups its data files by billing period.
pub async fn discover(source: &Source) -> Result<Vec<PeriodFiles>> {
    let objects = source.list().await?;
    let data: Vec<&ObjectMeta> = objects
        .iter()
        .filter(|o| is_data_file(o.location.as_ref()))
        .collect();
    if data.is_empty() {
        return Err(Error::EmptySource {
            source_path: source.display().into(),
        });
    }
    let mut by_period: BTreeMap<String, Vec<&ObjectMeta>> = BTreeMap::new();
    let mut unplaced = Vec::new();
    for object in &data {
        match period_of(&source.describe(&object.location)) {
            Some(period) => by_period.entry(period).or_default().push(object),
            None => unplaced.push(source.describe(&object.location)),
        }
    }
    if let Some(first) = unplaced.first() {
        return Err(Error::Layout {
            source_path: first.clone(),
            reason: "the file is in no billing-period folder (expected BILLING_PERIOD=YYYY-MM/, \
                     year=YYYY/month=M/ or YYYYMMDD-YYYYMMDD/)"
                .into(),
        });
    }
    let manifests: Vec<&ObjectMeta> = objects
        .iter()
        .filter(|o| {
            o.location
                .as_ref()
                .to_ascii_lowercase()
                .ends_with("manifest.json")
        })
        .collect();
    let mut periods = Vec::new();
    for (period, files) in by_period {
        let period_manifests: Vec<&ObjectMeta> = manifests
            .iter()
            .copied()
            .filter(|m| {
                period_of(&source.describe(&m.location)).as_deref() == Some(period.as_str())
            })
            .collect();
        let chosen = newest_delivery(source, &files, &period_manifests).await?;
        let files = chosen
            .into_iter()
            .map(|o| DataFile {
                location: o.location.clone(),
                format: format_of(&source.describe(&o.location)),
                size: o.size,
            })
            .collect();
        periods.push(PeriodFiles { period, files });
    }
    Ok(periods)
}

/// Picks the files of the newest delivery of one period. With a manifest, exactly the
/// files the newest manifest names (create-new deliveries leave older files in place);
/// without one, the newest delivery subfolder, or every file when there is none.
async fn newest_delivery<'a>(
    source: &Source,
    files: &[&'a ObjectMeta],
    manifests: &[&ObjectMeta],
) -> Result<Vec<&'a ObjectMeta>> {
    let newest_manifest = manifests
        .iter()
        .max_by(|a, b| (a.last_modified, &a.location).cmp(&(b.last_modified, &b.location)));
    if let Some(manifest) = newest_manifest {
        let name = source.describe(&manifest.location);
        let bytes = source.get_bytes(&manifest.location).await?;
        let listed = manifest_files(&bytes, &name)?;
        let mut chosen = Vec::with_capacity(listed.len());
        for uri in &listed {
            let key = delivery_key(uri);
            let found = files
                .iter()
                .find(|f| delivery_key(&source.describe(&f.location)) == key);
            match found {
                Some(f) => chosen.push(*f),
                None => {
                    return Err(Error::Manifest {
                        file: name,
                        reason: format!("it lists `{uri}`, which is not in the source"),
                    });
                }
            }
        }
        if !chosen.is_empty() {
            return Ok(chosen);
        }
    }
    // Group by the folder below the period folder: one group per delivery.
    let mut deliveries: BTreeMap<String, Vec<&'a ObjectMeta>> = BTreeMap::new();
    for file in files {
        deliveries
            .entry(delivery_folder(&source.describe(&file.location)))
            .or_default()
            .push(file);
    }
    let newest = deliveries
        .into_values()
        .max_by_key(|group| {
            let newest_write = group.iter().map(|f| f.last_modified).max();
            let folder = group
                .first()
                .map(|f| delivery_folder(&source.describe(&f.location)));
            (
                folder.as_ref().is_some_and(|f| !f.is_empty()),
                newest_write,
                folder,
            )
        })
        .unwrap_or_default();
    Ok(newest)
}

/// The data files a manifest names: `dataFiles` (CUR 2.0) or `reportKeys` (legacy CUR).
fn manifest_files(bytes: &[u8], file: &str) -> Result<Vec<String>> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| Error::Manifest {
        file: file.into(),
        reason: e.to_string(),
    })?;
    let list = value
        .get("dataFiles")
        .or_else(|| value.get("reportKeys"))
        .and_then(|v| v.as_array())
        .ok_or_else(|| Error::Manifest {
            file: file.into(),
            reason: "neither `dataFiles` nor `reportKeys` is a list".into(),
        })?;
    list.iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| Error::Manifest {
                    file: file.into(),
                    reason: format!("file entry {v} is not a string"),
                })
        })
        .collect()
}

/// The part of a path from its period folder on, lower-cased: equal for a manifest's URI
/// and the same object however the source was copied or prefixed.
fn delivery_key(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').collect();
    let start = segments
        .iter()
        .position(|s| period_of(s).is_some() || s.to_ascii_lowercase().starts_with("year="))
        .unwrap_or(segments.len().saturating_sub(1));
    segments[start..].join("/").to_ascii_lowercase()
}

/// The folder between the period folder and the file name ("" when the file sits directly
/// in the period folder). Create-new deliveries name it by time, so it sorts by age.
fn delivery_folder(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').collect();
    let Some(start) = segments.iter().rposition(|s| period_of(s).is_some()) else {
        return String::new();
    };
    segments[start + 1..segments.len().saturating_sub(1)].join("/")
}

/// The format of a data file, from its name and folders.
fn format_of(path: &str) -> FileFormat {
    let lower = path.to_ascii_lowercase();
    if lower.ends_with(".csv.gz") {
        FileFormat::LegacyCsv { gzip: true }
    } else if lower.ends_with(".csv") {
        FileFormat::LegacyCsv { gzip: false }
    } else if lower.split('/').any(|s| s.starts_with("billing_period=")) {
        FileFormat::Cur2Parquet
    } else {
        FileFormat::LegacyParquet
    }
}

/// Whether a path names a CUR data file (not a manifest, status table or crawler file).
fn is_data_file(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    if lower.contains("cost_and_usage_data_status")
        || lower.contains("/metadata/")
        || lower.starts_with("metadata/")
    {
        return false;
    }
    lower.ends_with(".parquet") || lower.ends_with(".csv") || lower.ends_with(".csv.gz")
}

/// The billing period a path's folders name, `YYYY-MM`.
pub fn period_of(path: &str) -> Option<String> {
    let segments: Vec<&str> = path.split('/').collect();
    let mut year = None;
    for segment in &segments {
        let lower = segment.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("billing_period=") {
            return valid_period(value);
        }
        if let Some(value) = lower.strip_prefix("year=") {
            year = value.parse::<u32>().ok();
        }
        if let (Some(y), Some(value)) = (year, lower.strip_prefix("month=")) {
            let month: u32 = value.parse().ok()?;
            return (1..=12)
                .contains(&month)
                .then(|| format!("{y:04}-{month:02}"));
        }
        // Legacy CSV period folder: 20260901-20261001.
        if segment.len() == 17
            && segment.as_bytes()[8] == b'-'
            && segment[..8].bytes().all(|b| b.is_ascii_digit())
        {
            return valid_period(&format!("{}-{}", &segment[..4], &segment[4..6]));
        }
    }
    None
}

fn valid_period(value: &str) -> Option<String> {
    let (y, m) = value.split_once('-')?;
    let (y, m): (u32, u32) = (y.parse().ok()?, m.get(..2)?.parse().ok()?);
    ((1990..=2200).contains(&y) && (1..=12).contains(&m)).then(|| format!("{y:04}-{m:02}"))
}
