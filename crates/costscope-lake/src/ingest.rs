//! Ingest: sources in, lake partitions out, published atomically.

pub mod cur;
pub mod flowlogs;
pub mod tabular;

use serde::Serialize;

use crate::lake::PartitionChange;

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
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// Show a progress bar on stderr.
    pub progress: bool,
    /// Treat malformed lines as an error instead of counting them.
    pub strict: bool,
}

/// A name unique to one ingest, used in its file names.
pub(crate) fn ingest_id() -> String {
    let now = chrono::Utc::now();
    format!("{}-{}", now.format("%Y%m%dT%H%M%S%3f"), std::process::id())
}

/// A progress bar on stderr when asked and stderr is a terminal; hidden otherwise.
pub(crate) fn progress_bar(enabled: bool, total: u64, what: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !enabled || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{msg} [{bar:30}] {binary_bytes}/{binary_total_bytes} ({eta})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_owned());
    bar
}
