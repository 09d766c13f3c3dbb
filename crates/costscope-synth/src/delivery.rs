//! The Data Exports delivery of each billing period: SNAPPY Parquet chunks of about 2M rows
//! named `costscope-demo-0000N.snappy.parquet` under `data/BILLING_PERIOD=YYYY-MM/`, then the
//! period's manifest under `metadata/BILLING_PERIOD=YYYY-MM/`, written once its data files
//! are complete. Runs on its own thread, fed with record batches.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;

use arrow::record_batch::RecordBatch;
use costscope_core::cur::{self, Kind};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{
    ArrowColumnWriter, ArrowLeafColumn, ArrowRowGroupWriterFactory, compute_leaves,
};
use parquet::basic::Compression;
use parquet::errors::ParquetError;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::ColumnPath;
use serde::Serialize;

use crate::{Error, Result};

/// Name of the export (and prefix of its files).
pub(crate) const EXPORT_NAME: &str = "costscope-demo";
/// Bucket named in the manifest's `dataFiles`.
pub(crate) const BUCKET: &str = "costscope-demo-bucket";
/// Rows per Parquet row group.
const ROW_GROUP_ROWS: usize = 128 * 1024;
/// Rows after which a new chunk file is started.
const FILE_ROWS: u64 = 2 * 1024 * 1024;

/// Messages from the generator to the Parquet writer thread.
pub(crate) enum Message {
    BeginPeriod(String),
    Batch(RecordBatch),
    EndPeriod(Box<PeriodContext>),
}

/// Period-level values shared by every row of a billing period; the delivery writes them
/// into the period's manifest.
#[derive(Debug, Clone, Default)]
pub(crate) struct PeriodContext {
    pub label: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub invoice_id: Option<String>,
    /// Every `identity_time_interval` text used in the period.
    pub intervals: Vec<String>,
    pub execution_id: String,
    pub export_arn: String,
}

/// What was written for one billing period.
#[derive(Debug, Clone)]
pub(crate) struct PeriodOutput {
    pub files: Vec<PathBuf>,
}

/// The writer thread: chunk files per period, then the period's manifest.
pub(crate) fn write_files(
    receiver: Receiver<Message>,
    export_root: PathBuf,
) -> Result<Vec<PeriodOutput>> {
    let properties = writer_properties();
    let mut outputs = Vec::new();
    let mut period_dir = export_root.clone();
    let mut files: Vec<PathBuf> = Vec::new();
    let mut current: Option<ChunkFile> = None;
    for message in receiver {
        match message {
            Message::BeginPeriod(label) => {
                files.clear();
                period_dir = export_root
                    .join("data")
                    .join(format!("BILLING_PERIOD={label}"));
                std::fs::create_dir_all(&period_dir).map_err(|e| Error::io(&period_dir, e))?;
            }
            Message::Batch(batch) => {
                let chunk = match current.as_mut() {
                    Some(chunk) => chunk,
                    None => {
                        let name = format!("{EXPORT_NAME}-{:05}.snappy.parquet", files.len() + 1);
                        let path = period_dir.join(name);
                        files.push(path.clone());
                        current.insert(ChunkFile::create(path, properties.clone())?)
                    }
                };
                chunk.write(&batch)?;
                if chunk.rows >= FILE_ROWS
                    && let Some(full) = current.take()
                {
                    full.close()?;
                }
            }
            Message::EndPeriod(period) => {
                if let Some(chunk) = current.take() {
                    chunk.close()?;
                }
                write_manifest(&export_root, &period, &files)?;
                outputs.push(PeriodOutput {
                    files: std::mem::take(&mut files),
                });
            }
        }
    }
    Ok(outputs)
}

/// One Parquet chunk being written. Row groups are encoded column by column, half of the
/// columns on a helper thread, so encoding uses both cores.
struct ChunkFile {
    path: PathBuf,
    writer: SerializedFileWriter<BufWriter<File>>,
    factory: ArrowRowGroupWriterFactory,
    /// Column writers of the row group in progress.
    group: Option<Vec<ArrowColumnWriter>>,
    group_rows: usize,
    groups: usize,
    rows: u64,
}

impl ChunkFile {
    fn create(path: PathBuf, properties: WriterProperties) -> Result<Self> {
        let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
        let out = BufWriter::with_capacity(1 << 20, file);
        let (writer, factory) = ArrowWriter::try_new(out, cur::schema(), Some(properties))
            .and_then(|w| w.into_serialized_writer())
            .map_err(|e| parquet_error(&path, e))?;
        Ok(ChunkFile {
            path,
            writer,
            factory,
            group: None,
            group_rows: 0,
            groups: 0,
            rows: 0,
        })
    }

    fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let path = &self.path;
        let writers = match self.group.as_mut() {
            Some(writers) => writers,
            None => {
                let writers = self.factory.create_column_writers(self.groups);
                self.group
                    .insert(writers.map_err(|e| parquet_error(path, e))?)
            }
        };
        let mut leaves = Vec::with_capacity(writers.len());
        for (field, column) in batch.schema_ref().fields().iter().zip(batch.columns()) {
            leaves.extend(compute_leaves(field, column).map_err(|e| parquet_error(path, e))?);
        }
        encode_on_two_threads(writers, &leaves).map_err(|e| parquet_error(path, e))?;
        self.group_rows += batch.num_rows();
        self.rows += batch.num_rows() as u64;
        if self.group_rows >= ROW_GROUP_ROWS {
            self.finish_group()?;
        }
        Ok(())
    }

    fn finish_group(&mut self) -> Result<()> {
        let Some(writers) = self.group.take() else {
            return Ok(());
        };
        let path = &self.path;
        let mut group = self
            .writer
            .next_row_group()
            .map_err(|e| parquet_error(path, e))?;
        for writer in writers {
            let chunk = writer.close().map_err(|e| parquet_error(path, e))?;
            chunk
                .append_to_row_group(&mut group)
                .map_err(|e| parquet_error(path, e))?;
        }
        group.close().map_err(|e| parquet_error(path, e))?;
        self.groups += 1;
        self.group_rows = 0;
        Ok(())
    }

    fn close(mut self) -> Result<()> {
        self.finish_group()?;
        let mut out = self
            .writer
            .into_inner()
            .map_err(|e| parquet_error(&self.path, e))?;
        out.flush().map_err(|e| Error::io(&self.path, e))
    }
}

/// Writes each leaf column to its writer, alternating columns between this thread and a
/// helper so the work splits about evenly.
fn encode_on_two_threads(
    writers: &mut [ArrowColumnWriter],
    leaves: &[ArrowLeafColumn],
) -> parquet::errors::Result<()> {
    let (mut mine, mut theirs) = (Vec::new(), Vec::new());
    for (index, pair) in writers.iter_mut().zip(leaves).enumerate() {
        if index % 2 == 0 {
            mine.push(pair)
        } else {
            theirs.push(pair)
        }
    }
    let encode = |pairs: Vec<(&mut ArrowColumnWriter, &ArrowLeafColumn)>| {
        pairs
            .into_iter()
            .try_for_each(|(writer, leaf)| writer.write(leaf))
    };
    std::thread::scope(|scope| {
        let helper = scope.spawn(|| encode(theirs));
        let own = encode(mine);
        let helped = helper
            .join()
            .unwrap_or_else(|_| Err(ParquetError::General("a column encoder panicked".into())));
        own.and(helped)
    })
}

fn parquet_error(path: &Path, source: ParquetError) -> Error {
    Error::Parquet {
        file: path.display().to_string(),
        source,
    }
}

/// String columns that keep min/max statistics: the ones queries filter on.
const STRING_COLUMNS_WITH_STATISTICS: &[&str] = &[
    "bill_payer_account_id",
    "line_item_usage_account_id",
    "line_item_product_code",
    "line_item_line_item_type",
    "line_item_usage_type",
];

/// SNAPPY, dictionaries except for the random line-item ids, and page
/// statistics on every number and time plus the string columns queries filter on (string
/// min/max costs a comparison per value, so the rest go without).
fn writer_properties() -> WriterProperties {
    let mut builder = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_statistics_enabled(EnabledStatistics::None)
        .set_column_dictionary_enabled(ColumnPath::from("identity_line_item_id"), false);
    for &(name, kind) in cur::COLUMNS {
        if matches!(kind, Kind::F64 | Kind::Timestamp)
            || STRING_COLUMNS_WITH_STATISTICS.contains(&name)
        {
            builder = builder
                .set_column_statistics_enabled(ColumnPath::from(name), EnabledStatistics::Page);
        }
    }
    builder.build()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Manifest<'a> {
    execution_id: &'a str,
    export_arn: &'a str,
    columns: Vec<ManifestColumn>,
    data_files: Vec<String>,
    additional_output_files: Vec<String>,
    billing_period: BillingPeriod,
}

#[derive(Serialize)]
struct ManifestColumn {
    name: &'static str,
    #[serde(rename = "type")]
    athena_type: &'static str,
}

#[derive(Serialize)]
struct BillingPeriod {
    start: String,
    end: String,
}

/// The Athena type AWS lists for a column kind in the manifest.
pub(crate) fn athena_type(kind: Kind) -> &'static str {
    match kind {
        Kind::Str => "string",
        Kind::F64 => "double",
        Kind::Timestamp => "timestamp",
        Kind::MapStr => "map<string,string>",
        Kind::MapF64 => "map<string,double>",
    }
}

fn iso_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

fn write_manifest(export_root: &Path, period: &PeriodContext, files: &[PathBuf]) -> Result<()> {
    let dir = export_root
        .join("metadata")
        .join(format!("BILLING_PERIOD={}", period.label));
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let path = dir.join(format!("{EXPORT_NAME}-Manifest.json"));
    let manifest = Manifest {
        execution_id: &period.execution_id,
        export_arn: &period.export_arn,
        columns: cur::COLUMNS
            .iter()
            .map(|(name, kind)| ManifestColumn {
                name,
                athena_type: athena_type(*kind),
            })
            .collect(),
        data_files: files
            .iter()
            .filter_map(|f| f.file_name())
            .map(|name| {
                format!(
                    "s3://{BUCKET}/cur/{EXPORT_NAME}/data/BILLING_PERIOD={}/{}",
                    period.label,
                    name.to_string_lossy()
                )
            })
            .collect(),
        additional_output_files: Vec::new(),
        billing_period: BillingPeriod {
            start: iso_ms(period.start_ms),
            end: iso_ms(period.end_ms),
        },
    };
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| Error::io(&path, std::io::Error::other(e)))?;
    std::fs::write(&path, json).map_err(|e| Error::io(&path, e))
}
