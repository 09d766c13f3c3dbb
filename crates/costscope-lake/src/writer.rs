//! Writes one table's new partitions as Parquet under the lake: rows buffered per
//! partition, sorted in chunks so row-group statistics prune well, snappy-compressed,
//! fsynced, and hashed so identical data can be recognised at publish time.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use std::cmp::Ordering;

use arrow::array::{ArrayRef, DynComparator, RecordBatch, StringArray, make_comparator};
use arrow::compute::SortOptions;
use arrow::compute::{SortColumn, concat_batches, lexsort_to_indices, take_record_batch};
use arrow::datatypes::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use sha2::{Digest, Sha256};

use crate::lake::{FileEntry, PartitionEntry, sync_dir};
use crate::{Error, Result};

/// Rows sorted and written together as one row group.
const CHUNK_ROWS: usize = 64 * 1024;
/// Rows per file before a new file is started.
const FILE_ROWS: u64 = 1024 * 1024;

/// How a table is laid out.
#[derive(Debug, Clone)]
pub struct TableLayout {
    /// Folder under the lake root, e.g. `cur`.
    pub table: &'static str,
    /// The Hive key of the partition folders, e.g. `billing_period`. Empty when the
    /// partition names are whole Hive paths, e.g. `date=2026-10-01/aws_account_id=1234`.
    pub partition_key: &'static str,
    /// Schema of the written files.
    pub schema: SchemaRef,
    /// When set, the writer appends the partition value as this last column.
    pub append_partition_column: bool,
    /// Columns the rows of each chunk are sorted by.
    pub sort_by: &'static [&'static str],
    /// Columns written without dictionary encoding (high-cardinality values).
    pub plain_columns: &'static [&'static str],
    /// Columns written without min/max statistics: values whose ranges prune nothing
    /// (addresses), so computing them would only cost time.
    pub no_statistics: &'static [&'static str],
    /// Integer columns written delta-encoded instead of with a dictionary: cheap to encode,
    /// and compact for times in order and for counters.
    pub delta_columns: &'static [&'static str],
}

/// Writes the partitions of one ingest.
pub struct TableWriter {
    layout: TableLayout,
    lake_root: PathBuf,
    ingest_id: String,
    source: String,
    partitions: BTreeMap<String, PartitionState>,
}

#[derive(Default)]
struct PartitionState {
    buffered: Vec<RecordBatch>,
    buffered_rows: usize,
    writer: Option<(ArrowWriter<HashingFile>, PathBuf, u64)>,
    files: Vec<FileEntry>,
    rows: u64,
    /// The hash of the partition's files so far, in order.
    hasher: Sha256,
}

/// A file that hashes the bytes written to it, so a partition's content hash needs no
/// second read of its files.
struct HashingFile {
    file: File,
    hasher: Sha256,
}

impl Write for HashingFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.file.write(buf)?;
        self.hasher.update(&buf[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

impl TableWriter {
    /// Starts writing; `ingest_id` makes file names unique to this ingest.
    pub fn new(lake_root: &Path, layout: TableLayout, ingest_id: &str, source: &str) -> Self {
        TableWriter {
            layout,
            lake_root: lake_root.to_path_buf(),
            ingest_id: ingest_id.into(),
            source: source.into(),
            partitions: BTreeMap::new(),
        }
    }

    /// The root of the lake the files go to.
    pub fn lake_root(&self) -> &Path {
        &self.lake_root
    }

    /// Adds rows to `partition`. `batch` has the layout's schema, without the partition
    /// column when the writer appends it.
    pub fn write(&mut self, partition: &str, batch: RecordBatch) -> Result<()> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        let state = self.partitions.entry(partition.to_owned()).or_default();
        state.buffered_rows += batch.num_rows();
        state.buffered.push(batch);
        if state.buffered_rows >= CHUNK_ROWS {
            self.flush(partition)?;
        }
        Ok(())
    }

    /// Writes what `partition` has buffered and closes its open file, so memory is not
    /// held for partitions the input has moved past.
    pub fn close_partition(&mut self, partition: &str) -> Result<()> {
        self.flush(partition)?;
        match self.partitions.get_mut(partition) {
            Some(state) => close_file(&self.lake_root, state),
            None => Ok(()),
        }
    }

    /// Runs this writer on its own thread, so sorting and encoding overlap with reading.
    pub fn spawn(self) -> BackgroundWriter {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Message>(2);
        let handle = std::thread::spawn(move || {
            let mut writer = self;
            for message in receiver {
                let result = match message {
                    Message::Write(partition, batch) => writer.write(&partition, batch),
                    Message::Close(partition) => writer.close_partition(&partition),
                };
                if let Err(e) = result {
                    return Err(Box::new((e, writer)));
                }
            }
            Ok(writer)
        });
        BackgroundWriter {
            sender: Some(sender),
            handle,
        }
    }

    /// Writes what is buffered and closes every file; returns the manifest entries.
    pub fn finish(mut self) -> Result<BTreeMap<String, PartitionEntry>> {
        let keys: Vec<String> = self.partitions.keys().cloned().collect();
        let ingested_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut out = BTreeMap::new();
        for key in keys {
            self.flush(&key)?;
            let Some(mut state) = self.partitions.remove(&key) else {
                continue;
            };
            close_file(&self.lake_root, &mut state)?;
            if state.rows == 0 {
                continue;
            }
            let dir = self.partition_dir(&key);
            sync_dir(&dir)?;
            let content_hash = hex::encode(state.hasher.finalize());
            out.insert(
                key,
                PartitionEntry {
                    files: state.files,
                    rows: state.rows,
                    content_hash,
                    source: self.source.clone(),
                    ingested_at: ingested_at.clone(),
                    derived_from: None,
                    tag_keys: None,
                },
            );
        }
        Ok(out)
    }

    /// Finishes the files when writing the rows went well (`outcome`); otherwise deletes
    /// them and returns the error.
    pub fn conclude(self, outcome: Result<()>) -> Result<BTreeMap<String, PartitionEntry>> {
        match outcome {
            Ok(()) => self.finish(),
            Err(error) => {
                self.abort();
                Err(error)
            }
        }
    }

    /// Deletes every file this writer created (used when the ingest fails).
    pub fn abort(self) {
        for (_, mut state) in self.partitions {
            if let Some((writer, path, _)) = state.writer.take() {
                drop(writer);
                let _ = fs::remove_file(path);
            }
            for file in state.files {
                let _ = fs::remove_file(self.lake_root.join(file.path));
            }
        }
    }

    fn partition_dir(&self, partition: &str) -> PathBuf {
        let table = self.lake_root.join(self.layout.table);
        if self.layout.partition_key.is_empty() {
            table.join(partition)
        } else {
            table.join(format!("{}={partition}", self.layout.partition_key))
        }
    }

    fn flush(&mut self, partition: &str) -> Result<()> {
        let dir = self.partition_dir(partition);
        let layout = self.layout.clone();

        let ingest_id = self.ingest_id.clone();
        let Some(state) = self.partitions.get_mut(partition) else {
            return Ok(());
        };
        if state.buffered_rows == 0 {
            return Ok(());
        }
        let batches = std::mem::take(&mut state.buffered);
        state.buffered_rows = 0;
        let in_order = in_order(&batches, layout.sort_by).map_err(|e| arrow_error(&dir, e))?;
        // Batches already in order (flow logs, mostly) are written as they came: no copy.
        let batches = if in_order {
            batches
        } else {
            let input_schema = batches[0].schema();
            let chunk = concat_batches(&input_schema, &batches)
                .map_err(|source| arrow_error(&dir, source))?;
            // Free each copy as soon as the next exists: memory holds at most two per chunk.
            drop(batches);
            vec![sort_chunk(&chunk, layout.sort_by).map_err(|source| arrow_error(&dir, source))?]
        };
        if state.writer.is_none() {
            fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
            let name = format!("part-{ingest_id}-{:05}.parquet", state.files.len());
            let path = dir.join(name);
            let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
            let mut props = WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                .set_max_row_group_row_count(Some(CHUNK_ROWS))
                .set_write_batch_size(8 * 1024)
                .set_created_by("costscope".into());
            for column in layout.plain_columns {
                props = props.set_column_dictionary_enabled(ColumnPath::from(*column), false);
            }
            for column in layout.delta_columns {
                props = props
                    .set_column_dictionary_enabled(ColumnPath::from(*column), false)
                    .set_column_encoding(ColumnPath::from(*column), Encoding::DELTA_BINARY_PACKED);
            }
            for column in layout.no_statistics {
                props = props.set_column_statistics_enabled(
                    ColumnPath::from(*column),
                    EnabledStatistics::None,
                );
            }
            let props = props.build();
            let file = HashingFile {
                file,
                hasher: std::mem::take(&mut state.hasher),
            };
            let writer = ArrowWriter::try_new(file, layout.schema.clone(), Some(props))
                .map_err(|source| parquet_error(&path, source))?;
            state.writer = Some((writer, path, 0));
        }
        if let Some((writer, path, rows)) = state.writer.as_mut() {
            let mut written = 0;
            for batch in batches {
                let batch = if layout.append_partition_column {
                    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
                    columns.push(Arc::new(StringArray::from(vec![
                        partition;
                        batch.num_rows()
                    ])));
                    RecordBatch::try_new(layout.schema.clone(), columns)
                        .map_err(|source| arrow_error(&dir, source))?
                } else {
                    batch
                };
                writer
                    .write(&batch)
                    .map_err(|source| parquet_error(path, source))?;
                written += batch.num_rows() as u64;
            }
            writer
                .flush()
                .map_err(|source| parquet_error(path, source))?;
            *rows += written;
            state.rows += written;
            if *rows >= FILE_ROWS {
                close_file(&self.lake_root, state)?;
            }
        }
        Ok(())
    }
}

enum Message {
    Write(String, RecordBatch),
    Close(String),
}

type WriterOutcome = std::result::Result<TableWriter, Box<(Error, TableWriter)>>;

/// A [`TableWriter`] on its own thread.
pub struct BackgroundWriter {
    sender: Option<std::sync::mpsc::SyncSender<Message>>,
    handle: std::thread::JoinHandle<WriterOutcome>,
}

impl BackgroundWriter {
    /// Queues rows for `partition`. Fails with [`Error::WriterStopped`] when the writer
    /// thread has failed; [`BackgroundWriter::abort`] then returns its error.
    pub fn write(&self, partition: &str, batch: RecordBatch) -> Result<()> {
        if self.send(Message::Write(partition.to_owned(), batch)) {
            Ok(())
        } else {
            Err(Error::WriterStopped)
        }
    }

    /// Queues the closing of `partition`.
    pub fn close_partition(&self, partition: &str) -> bool {
        self.send(Message::Close(partition.to_owned()))
    }

    fn send(&self, message: Message) -> bool {
        self.sender
            .as_ref()
            .is_some_and(|s| s.send(message).is_ok())
    }

    /// Finishes the files when reading and queueing the rows went well (`outcome`);
    /// otherwise deletes them and returns the cause: the writer thread's own error when
    /// the rows could not be queued because that thread had stopped.
    pub fn conclude(self, outcome: Result<()>) -> Result<BTreeMap<String, PartitionEntry>> {
        let Err(error) = outcome else {
            return self.finish();
        };
        match (error, self.abort()) {
            (Error::WriterStopped, Some(cause)) => Err(cause),
            (error, _) => Err(error),
        }
    }

    /// Waits for the queued work and finishes the files; on failure deletes them.
    pub fn finish(mut self) -> Result<BTreeMap<String, PartitionEntry>> {
        self.sender.take();
        match self.join()? {
            Ok(writer) => writer.finish(),
            Err(failed) => Err(abort_failed(*failed)),
        }
    }

    /// Stops and deletes every file written; returns the writer's own error, if it failed.
    fn abort(mut self) -> Option<Error> {
        self.sender.take();
        match self.join() {
            Ok(Ok(writer)) => {
                writer.abort();
                None
            }
            Ok(Err(failed)) => Some(abort_failed(*failed)),
            Err(error) => Some(error),
        }
    }

    fn join(self) -> Result<WriterOutcome> {
        self.handle.join().map_err(|_| Error::WriterPanicked)
    }
}

/// Deletes the files of a writer that stopped on `error`, and returns the error.
fn abort_failed((error, writer): (Error, TableWriter)) -> Error {
    writer.abort();
    error
}

fn close_file(lake_root: &Path, state: &mut PartitionState) -> Result<()> {
    let Some((writer, path, rows)) = state.writer.take() else {
        return Ok(());
    };
    let HashingFile { file, hasher } = writer
        .into_inner()
        .map_err(|source| parquet_error(&path, source))?;
    state.hasher = hasher;
    file.sync_all().map_err(|e| Error::io(&path, e))?;
    let bytes = file.metadata().map_err(|e| Error::io(&path, e))?.len();
    let relative = path
        .strip_prefix(lake_root)
        .unwrap_or(&path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    state.files.push(FileEntry {
        path: relative,
        rows,
        bytes,
    });
    Ok(())
}

/// Sorts a chunk by the named columns (those present), ascending, NULLs first.
fn sort_chunk(chunk: &RecordBatch, sort_by: &[&str]) -> arrow::error::Result<RecordBatch> {
    let columns: Vec<SortColumn> = sort_by
        .iter()
        .filter_map(|name| chunk.column_by_name(name))
        .map(|values| SortColumn {
            values: values.clone(),
            options: None,
        })
        .collect();
    if columns.is_empty() {
        return Ok(chunk.clone());
    }
    let indices = lexsort_to_indices(&columns, None)?;
    take_record_batch(chunk, &indices)
}

/// Whether the batches, one after the other, are already sorted by the named columns
/// (those present) as [`sort_chunk`] would sort them.
fn in_order(batches: &[RecordBatch], sort_by: &[&str]) -> arrow::error::Result<bool> {
    let keys = |batch: &RecordBatch| -> Vec<ArrayRef> {
        sort_by
            .iter()
            .filter_map(|name| batch.column_by_name(name).cloned())
            .collect()
    };
    let comparators = |left: &[ArrayRef], right: &[ArrayRef]| {
        left.iter()
            .zip(right)
            .map(|(l, r)| make_comparator(l.as_ref(), r.as_ref(), SortOptions::default()))
            .collect::<arrow::error::Result<Vec<DynComparator>>>()
    };
    let compare = |comparators: &[DynComparator], left: usize, right: usize| {
        comparators
            .iter()
            .map(|c| c(left, right))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    };
    let mut previous: Option<(Vec<ArrayRef>, usize)> = None;
    for batch in batches {
        let current = keys(batch);
        if current.is_empty() {
            return Ok(true);
        }
        let within = comparators(&current, &current)?;
        if (1..batch.num_rows()).any(|row| compare(&within, row - 1, row) == Ordering::Greater) {
            return Ok(false);
        }
        if let Some((last, rows)) = &previous
            && *rows > 0
            && batch.num_rows() > 0
            && compare(&comparators(last, &current)?, rows - 1, 0) == Ordering::Greater
        {
            return Ok(false);
        }
        previous = Some((current, batch.num_rows()));
    }
    Ok(true)
}

fn arrow_error(path: &Path, source: arrow::error::ArrowError) -> Error {
    Error::Arrow {
        file: path.display().to_string(),
        source,
    }
}

fn parquet_error(path: &Path, source: parquet::errors::ParquetError) -> Error {
    Error::Parquet {
        file: path.display().to_string(),
        source,
    }
}
