//! `ingest cur`: CUR 2.0 exports (root or one billing period) and legacy CUR (CSV, CSV.gz,
//! Parquet) into `cur/billing_period=YYYY-MM/`, replacing exactly the periods the source
//! delivers, all published by one manifest swap.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::time::Instant;

use arrow::array::{Array, AsArray, RecordBatch, RecordBatchReader};
use costscope_core::{cur, tables};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::{IngestOptions, IngestReport, ReadProgress, ReadSummary, ingest_id, publish_derived};
use crate::discover::{DataFile, FileFormat, discover};
use crate::lake::{Lake, PartitionEntry, TablePartitions};
use crate::normalize::Normalizer;
use crate::rollup::{RollupPartitions, RollupWriter, remove_files_of};
use crate::source::Source;
use crate::writer::{BackgroundWriter, TableLayout, TableWriter};
use crate::{Error, Result, legacy};

/// Rows per batch read from an input file.
const BATCH_ROWS: usize = 64 * 1024;

/// The layout of the `cur` table.
pub fn cur_layout() -> TableLayout {
    TableLayout {
        table: costscope_core::tables::CUR,
        partition_key: cur::BILLING_PERIOD,
        schema: cur::lake_schema(),
        append_partition_column: true,
        sort_by: &[
            "line_item_usage_start_date",
            "line_item_usage_account_id",
            "line_item_product_code",
        ],
        plain_columns: &[],
        no_statistics: &[],
        delta_columns: &[],
    }
}

/// Ingests the CUR at `location` (a local path or `s3://bucket/prefix`) into `lake`.
pub async fn ingest_cur(
    lake: &Lake,
    location: &str,
    options: &IngestOptions,
) -> Result<IngestReport> {
    ingest_cur_from(lake, Source::open(location)?, options).await
}

/// Ingests the CUR of an opened source into `lake`.
pub async fn ingest_cur_from(
    lake: &Lake,
    source: Source,
    options: &IngestOptions,
) -> Result<IngestReport> {
    let started = Instant::now();
    let lock = lake.lock()?;
    lake.collect_garbage(&lock)?;
    let periods = discover(&source).await?;
    let total_bytes = periods.iter().flat_map(|p| &p.files).map(|f| f.size).sum();
    let progress = ReadProgress::start(options, "ingest cur", total_bytes);
    let id = ingest_id();
    let writer = TableWriter::new(lake.root(), cur_layout(), &id, source.display()).spawn();
    let rollups = RollupWriter::spawn(
        lake.root(),
        &id,
        source.display(),
        options.rollup_tag_keys.clone(),
    );
    let mut ignored = BTreeSet::new();
    let mut files_read = 0;
    let mut outcome = Ok(());
    'periods: for period in &periods {
        let mut currency = CurrencyCheck::new(&period.period);
        for file in &period.files {
            let result = read_file(&source, file, &mut ignored, |batch| {
                currency.check(&batch)?;
                rollups.add(&period.period, batch.clone())?;
                writer.write(&period.period, batch)
            })
            .await;
            if let Err(e) = result {
                outcome = Err(e);
                break 'periods;
            }
            files_read += 1;
            progress.advance(file.size);
        }
        writer.close_partition(&period.period);
        if let Err(e) = rollups.close_partition(&period.period) {
            outcome = Err(e);
            break;
        }
    }
    progress.finish();
    let (partitions, derived) = conclude(lake, writer, rollups, outcome)?;
    let read = ReadSummary {
        table: costscope_core::tables::CUR,
        source: source.display().into(),
        files_read,
        ignored_columns: ignored.into_iter().collect(),
        malformed: Vec::new(),
        malformed_count: 0,
        started,
    };
    publish_derived(lake, &lock, partitions, derived, read)
}

/// The written `cur` partitions and their rollups (each rollup partition naming the
/// `cur` partition it derives from), or the cause of the failure with every written file
/// deleted.
fn conclude(
    lake: &Lake,
    writer: BackgroundWriter,
    rollups: RollupWriter,
    outcome: Result<()>,
) -> Result<(BTreeMap<String, PartitionEntry>, TablePartitions)> {
    let root = lake.root();
    let error = match outcome {
        Ok(()) => {
            return match (writer.finish(), rollups.conclude(Ok(()))) {
                (Ok(cur), Ok(rolled)) => {
                    let derived = derived_tables(&cur, rolled);
                    Ok((cur, derived))
                }
                (Ok(cur), Err(e)) => {
                    remove_files_of(&cur, root);
                    Err(e)
                }
                (Err(e), Ok(rolled)) => {
                    remove_files_of(&rolled.daily, root);
                    remove_files_of(&rolled.monthly, root);
                    Err(e)
                }
                (Err(e), Err(_)) => Err(e),
            };
        }
        Err(error) => error,
    };
    // A writer that stopped reports its own cause; the other then only says it stopped.
    let cur = writer.conclude(Err(error)).err();
    let rolled = rollups.conclude(Err(Error::WriterStopped)).err();
    Err(match (cur, rolled) {
        (Some(Error::WriterStopped) | None, Some(cause)) => cause,
        (Some(error), _) => error,
        (None, None) => Error::WriterStopped,
    })
}

/// The rollup partitions as tables, each naming the hash of its `cur` partition.
fn derived_tables(
    cur: &BTreeMap<String, PartitionEntry>,
    rolled: RollupPartitions,
) -> TablePartitions {
    let name = |mut partitions: BTreeMap<String, PartitionEntry>| {
        for (period, entry) in &mut partitions {
            entry.derived_from = cur.get(period).map(|p| p.content_hash.clone());
        }
        partitions
    };
    TablePartitions::from([
        (tables::CUR_DAILY.to_string(), name(rolled.daily)),
        (tables::CUR_MONTHLY.to_string(), name(rolled.monthly)),
    ])
}

/// Reads one data file as lake-schema batches and hands each to `sink`.
async fn read_file(
    source: &Source,
    file: &DataFile,
    ignored: &mut BTreeSet<String>,
    mut sink: impl FnMut(RecordBatch) -> Result<()>,
) -> Result<()> {
    let name = source.describe(&file.location);
    let copy = source.local_copy(&file.location).await?;
    match file.format {
        FileFormat::Cur2Parquet | FileFormat::LegacyParquet => {
            let handle = File::open(copy.path()).map_err(|e| Error::io(copy.path(), e))?;
            let parquet_error = |source| Error::Parquet {
                file: name.clone(),
                source,
            };
            let reader = ParquetRecordBatchReaderBuilder::try_new(handle)
                .map_err(parquet_error)?
                .with_batch_size(BATCH_ROWS)
                .build()
                .map_err(parquet_error)?;
            let normalizer = match file.format {
                FileFormat::Cur2Parquet => {
                    let normalizer = Normalizer::new(&reader.schema(), &name)?;
                    ignored.extend(normalizer.ignored.iter().cloned());
                    Some(normalizer)
                }
                _ => {
                    check_legacy_required(&reader.schema(), &name)?;
                    ignored.extend(legacy::ignored_columns(&reader.schema()));
                    None
                }
            };
            let mut rows_read = 0u64;
            for batch in reader {
                let batch = batch.map_err(|source| Error::Arrow {
                    file: format!("{name} (after row {rows_read})"),
                    source,
                })?;
                rows_read += batch.num_rows() as u64;
                let batch = match &normalizer {
                    Some(n) => n.apply(&batch)?,
                    None => legacy::to_cur2(&batch, &name)?,
                };
                sink(batch)?;
            }
        }
        FileFormat::LegacyCsv { gzip } => {
            let handle = File::open(copy.path()).map_err(|e| Error::io(copy.path(), e))?;
            let mut checked = false;
            for batch in legacy::read_csv(handle, &name, gzip, BATCH_ROWS)? {
                let batch = batch?;
                if !checked {
                    check_legacy_required(&batch.schema(), &name)?;
                    ignored.extend(legacy::ignored_columns(&batch.schema()));
                    checked = true;
                }
                sink(legacy::to_cur2(&batch, &name)?)?;
            }
        }
    }
    Ok(())
}

/// Refuses a billing period whose rows carry more than one currency.
struct CurrencyCheck {
    period: String,
    first: Option<String>,
}

impl CurrencyCheck {
    fn new(period: &str) -> Self {
        CurrencyCheck {
            period: period.into(),
            first: None,
        }
    }

    fn check(&mut self, batch: &RecordBatch) -> Result<()> {
        let Some(column) = batch.column_by_name(cur::CURRENCY) else {
            return Ok(());
        };
        let Some(values) = column.as_string_opt::<i32>() else {
            return Ok(());
        };
        for i in 0..values.len() {
            if values.is_null(i) {
                continue;
            }
            let value = values.value(i);
            match &self.first {
                None => self.first = Some(value.to_owned()),
                Some(first) if first == value => {}
                Some(first) => {
                    return Err(Error::MixedCurrency {
                        period: self.period.clone(),
                        currencies: format!("{first}, {value}"),
                    });
                }
            }
        }
        Ok(())
    }
}

/// Fails when a legacy input has no column for one of the required CUR columns.
fn check_legacy_required(schema: &arrow::datatypes::Schema, file: &str) -> Result<()> {
    match legacy::missing_required_columns(schema).first() {
        Some(missing) => Err(Error::Schema {
            file: file.into(),
            source: costscope_core::Error::MissingColumn {
                column: (*missing).into(),
            },
        }),
        None => Ok(()),
    }
}
