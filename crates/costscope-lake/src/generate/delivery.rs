//! The Data Exports delivery of each billing period: SNAPPY Parquet chunks of about 2M rows
//! named `costscope-demo-0000N.snappy.parquet` under `data/BILLING_PERIOD=YYYY-MM/`, then the
//! period's manifest under `metadata/BILLING_PERIOD=YYYY-MM/`, written once its data files
//! are complete. Runs on its own thread, fed with record batches.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;

use arrow::record_batch::RecordBatch;
use costscope_core::cur::{self, Kind};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use serde::Serialize;

use super::cur_writer::{BUCKET, EXPORT_NAME, PeriodContext};
use crate::{Error, Result};

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
    let mut label = String::new();
    let mut files: Vec<PathBuf> = Vec::new();
    let mut current: Option<(ArrowWriter<BufWriter<File>>, PathBuf, u64)> = None;
    let close = |writer: ArrowWriter<BufWriter<File>>, path: &Path| -> Result<()> {
        writer.close().map_err(|e| Error::Parquet {
            file: path.display().to_string(),
            source: e,
        })?;
        Ok(())
    };

    for message in receiver {
        match message {
            Message::BeginPeriod(period) => {
                label = period;
                files.clear();
                let dir = export_root
                    .join("data")
                    .join(format!("BILLING_PERIOD={label}"));
                std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
            }
            Message::Batch(batch) => {
                if current.is_none() {
                    let path = export_root
                        .join("data")
                        .join(format!("BILLING_PERIOD={label}"))
                        .join(format!(
                            "{EXPORT_NAME}-{:05}.snappy.parquet",
                            files.len() + 1
                        ));
                    let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
                    let writer = ArrowWriter::try_new(
                        BufWriter::with_capacity(1 << 20, file),
                        cur::schema(),
                        Some(properties.clone()),
                    )
                    .map_err(|e| Error::Parquet {
                        file: path.display().to_string(),
                        source: e,
                    })?;
                    files.push(path.clone());
                    current = Some((writer, path, 0));
                }
                let mut full = false;
                if let Some((writer, path, rows)) = current.as_mut() {
                    writer.write(&batch).map_err(|e| Error::Parquet {
                        file: path.display().to_string(),
                        source: e,
                    })?;
                    *rows += batch.num_rows() as u64;
                    full = *rows >= FILE_ROWS;
                }
                if full && let Some((writer, path, _)) = current.take() {
                    close(writer, &path)?;
                }
            }
            Message::EndPeriod(period) => {
                if let Some((writer, path, _)) = current.take() {
                    close(writer, &path)?;
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

/// String columns that keep min/max statistics: the ones queries filter on.
const STRING_COLUMNS_WITH_STATISTICS: &[&str] = &[
    "bill_payer_account_id",
    "line_item_usage_account_id",
    "line_item_product_code",
    "line_item_line_item_type",
    "line_item_usage_type",
];

/// SNAPPY, 128Ki-row groups, dictionaries except for the random line-item ids, and page
/// statistics on every number and time plus the string columns queries filter on (string
/// min/max costs a comparison per value, so the rest go without).
fn writer_properties() -> WriterProperties {
    let mut builder = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
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
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| Error::Manifest {
        file: path.display().to_string(),
        reason: e.to_string(),
    })?;
    std::fs::write(&path, json).map_err(|e| Error::io(&path, e))
}
