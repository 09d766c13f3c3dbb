//! Ingest: sources in, lake partitions out, published atomically.

pub mod cur;
pub mod flowlogs;
pub mod optimizer;
pub mod tabular;

use serde::Serialize;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use crate::Result;
use crate::lake::{Lake, PartitionChange, PartitionEntry, TablePartitions, WriteLock};
use crate::rollup::TagKeys;

/// What one ingest did, for the CLI and tests.
#[derive(Debug, Clone, Serialize)]
pub struct IngestReport {
    pub table: String,
    pub source: String,
    pub partitions: Vec<PartitionReport>,
    pub rows: u64,
    pub files_read: usize,
    /// Input columns the lake has no place for (kept out, named here).
    pub ignored_columns: Vec<String>,
    /// Lines that could not be parsed, with file and line (text inputs only).
    pub malformed: Vec<String>,
    pub malformed_count: u64,
    /// Other things the user should know (files skipped, partitions of an old layout).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub seconds: f64,
}

/// One partition's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct PartitionReport {
    pub partition: String,
    pub rows: u64,
    pub change: PartitionChange,
}

/// Options shared by every ingest.
#[derive(Clone, Default)]
pub struct IngestOptions {
    /// Told how many input bytes have been read; `None` reports nothing.
    pub progress: Option<Arc<dyn IngestProgress>>,
    /// Treat malformed lines as an error instead of counting them.
    pub strict: bool,
    /// Which tag keys the rollups of `cur` keep.
    pub rollup_tag_keys: TagKeys,
}

impl std::fmt::Debug for IngestOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IngestOptions")
            .field("progress", &self.progress.is_some())
            .field("strict", &self.strict)
            .field("rollup_tag_keys", &self.rollup_tag_keys)
            .finish()
    }
}

/// Follows an ingest's reading of its input, so a caller can show it (a terminal progress
/// bar, a server's job status); the lake itself draws nothing.
pub trait IngestProgress: Send + Sync {
    /// Reading begins: `total_bytes` of input, described by `what` (`ingest cur`).
    fn start(&self, what: &str, total_bytes: u64);
    /// `bytes` more have been read.
    fn advance(&self, bytes: u64);
    /// Reading has ended, completely or not.
    fn finish(&self);
}

/// A name unique to one ingest, used in its file names.
pub(crate) fn ingest_id() -> String {
    let now = chrono::Utc::now();
    format!("{}-{}", now.format("%Y%m%dT%H%M%S%3f"), std::process::id())
}

/// One read's progress, reported to the options' observer if there is one.
pub(crate) struct ReadProgress<'a>(Option<&'a dyn IngestProgress>);

impl<'a> ReadProgress<'a> {
    pub fn start(options: &'a IngestOptions, what: &str, total_bytes: u64) -> Self {
        let observer = options.progress.as_deref();
        if let Some(observer) = observer {
            observer.start(what, total_bytes);
        }
        ReadProgress(observer)
    }

    pub fn advance(&self, bytes: u64) {
        if let Some(observer) = self.0 {
            observer.advance(bytes);
        }
    }

    pub fn finish(self) {
        if let Some(observer) = self.0 {
            observer.finish();
        }
    }
}

/// What an ingest read, besides the partitions it wrote.
pub(crate) struct ReadSummary {
    pub table: &'static str,
    pub source: String,
    pub files_read: usize,
    pub ignored_columns: Vec<String>,
    pub malformed: Vec<String>,
    pub malformed_count: u64,
    pub started: Instant,
}

/// Publishes the written partitions and reports what changed.
pub(crate) fn publish(
    lake: &Lake,
    lock: &WriteLock,
    partitions: BTreeMap<String, PartitionEntry>,
    read: ReadSummary,
) -> Result<IngestReport> {
    publish_replacing(lake, lock, partitions, read, &[])
}

/// [`publish`] that also drops the live partitions named in `remove`, in the same swap.
pub(crate) fn publish_replacing(
    lake: &Lake,
    lock: &WriteLock,
    partitions: BTreeMap<String, PartitionEntry>,
    read: ReadSummary,
    remove: &[String],
) -> Result<IngestReport> {
    publish_all(lake, lock, partitions, TablePartitions::new(), read, remove)
}

/// [`publish`] with the partitions of the tables derived from them (the rollups), in the
/// same swap: a reader sees both or neither.
pub(crate) fn publish_derived(
    lake: &Lake,
    lock: &WriteLock,
    partitions: BTreeMap<String, PartitionEntry>,
    derived: TablePartitions,
    read: ReadSummary,
) -> Result<IngestReport> {
    publish_all(lake, lock, partitions, derived, read, &[])
}

fn publish_all(
    lake: &Lake,
    lock: &WriteLock,
    partitions: BTreeMap<String, PartitionEntry>,
    mut tables: TablePartitions,
    read: ReadSummary,
    remove: &[String],
) -> Result<IngestReport> {
    let rows: Vec<(String, u64)> = partitions
        .iter()
        .map(|(k, p)| (k.clone(), p.rows))
        .collect();
    tables.insert(read.table.to_owned(), partitions);
    let changes = lake
        .publish_tables_replacing(lock, tables, remove)?
        .remove(read.table)
        .unwrap_or_default();
    let partitions: Vec<PartitionReport> = rows
        .into_iter()
        .filter_map(|(partition, rows)| {
            changes.get(&partition).map(|change| PartitionReport {
                partition,
                rows,
                change: *change,
            })
        })
        .collect();
    Ok(IngestReport {
        table: read.table.into(),
        source: read.source,
        rows: partitions.iter().map(|p| p.rows).sum(),
        partitions,
        files_read: read.files_read,
        ignored_columns: read.ignored_columns,
        malformed: read.malformed,
        malformed_count: read.malformed_count,
        notes: Vec::new(),
        seconds: read.started.elapsed().as_secs_f64(),
    })
}
