//! Parquet flow logs as S3 delivery writes them (`FileFormat: parquet`): typed columns
//! named like the fields with `-` replaced by `_`. Columns are matched by name (hyphenated
//! names accepted too) and cast to the table's types; fields the file lacks are NULL.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use arrow::array::{Array, ArrayRef, AsArray, UInt32Array, new_null_array};
use arrow::compute::{CastOptions, cast_with_options, take};
use arrow::datatypes::Int64Type;
use arrow::util::display::FormatOptions;
use costscope_core::tables::FLOW_LOG_FIELDS;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::Malformed;
use super::partitions::Partitions;
use super::text::record_account;
use crate::{Error, Result};

const BATCH_ROWS: usize = 64 * 1024;

/// One Parquet file to read.
pub(super) struct ParquetFile<'a> {
    pub path: &'a Path,
    pub name: &'a str,
    /// The delivering account, when the file's key names it.
    pub account: Option<&'a str>,
    pub strict: bool,
}

/// Reads one file into `partitions`; returns the number of records.
pub(super) fn read(
    file: &ParquetFile,
    malformed: &mut Malformed,
    ignored: &mut BTreeSet<String>,
    partitions: &mut Partitions,
) -> Result<u64> {
    let parquet_error = |source| Error::Parquet {
        file: file.name.into(),
        source,
    };
    let handle = std::fs::File::open(file.path).map_err(|e| Error::io(file.path, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(handle).map_err(parquet_error)?;
    let schema = builder.schema().clone();
    let mut sources: Vec<Option<usize>> = Vec::with_capacity(FLOW_LOG_FIELDS.len());
    for (field, _) in FLOW_LOG_FIELDS {
        sources.push(
            schema
                .fields()
                .iter()
                .position(|f| f.name().replace('-', "_").eq_ignore_ascii_case(field)),
        );
    }
    for f in schema.fields() {
        let name = f.name().replace('-', "_").to_ascii_lowercase();
        if !FLOW_LOG_FIELDS.iter().any(|(field, _)| *field == name) {
            ignored.insert(f.name().clone());
        }
    }
    let start = field_index("start");
    if sources[start].is_none() {
        return Err(Error::Malformed {
            file: file.name.into(),
            line: 0,
            message: "the Parquet file has no `start` column".into(),
        });
    }
    let account_field = field_index("account_id");
    let reader = builder
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(parquet_error)?;
    let cast_options = CastOptions {
        safe: false,
        format_options: FormatOptions::default(),
    };
    let mut rows_before = 0u64;
    let mut records = 0u64;
    for batch in reader {
        let batch = batch.map_err(|source| Error::Arrow {
            file: format!("{} (after row {rows_before})", file.name),
            source,
        })?;
        let rows = batch.num_rows();
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(FLOW_LOG_FIELDS.len());
        for ((field, data_type), source) in FLOW_LOG_FIELDS.iter().zip(&sources) {
            let column = match source {
                Some(index) => cast_with_options(batch.column(*index), data_type, &cast_options)
                    .map_err(|e| Error::InvalidValue {
                        file: file.name.into(),
                        line: None,
                        row: rows_before + 1,
                        column: (*field).into(),
                        message: format!("cannot be read as {data_type}: {e}"),
                    })?,
                None => new_null_array(data_type, rows),
            };
            columns.push(column);
        }
        let starts = columns[start].as_primitive::<Int64Type>().clone();
        let accounts = columns[account_field].as_string::<i32>().clone();
        // Rows grouped by partition, in file order.
        let mut groups: BTreeMap<(i64, String), Vec<u32>> = BTreeMap::new();
        for row in 0..rows {
            if starts.is_null(row) {
                let line = rows_before + row as u64 + 1;
                malformed.record(
                    file.name,
                    line,
                    "no usable `start` time (row of the Parquet file)",
                    file.strict,
                )?;
                continue;
            }
            let account = match file.account {
                Some(account) => account,
                None if accounts.is_null(row) => "unknown",
                None => record_account(accounts.value(row)),
            };
            let day = starts.value(row).div_euclid(86_400);
            match groups.get_mut(&(day, account.to_owned())) {
                Some(rows) => rows.push(row as u32),
                None => {
                    groups.insert((day, account.to_owned()), vec![row as u32]);
                }
            }
        }
        for ((day, account), rows) in groups {
            records += rows.len() as u64;
            let indices = UInt32Array::from(rows);
            let taken = columns
                .iter()
                .map(|c| take(c.as_ref(), &indices, None))
                .collect::<arrow::error::Result<Vec<ArrayRef>>>()
                .map_err(|source| Error::Arrow {
                    file: file.name.into(),
                    source,
                })?;
            partitions.write_batch(day, &account, taken)?;
        }
        rows_before += rows as u64;
    }
    Ok(records)
}

fn field_index(name: &str) -> usize {
    FLOW_LOG_FIELDS
        .iter()
        .position(|(field, _)| *field == name)
        .unwrap_or_default()
}
