//! `ingest flowlogs`: VPC Flow Log text files (gzip or plain; default or custom format,
//! the header line deciding the field order) into `flow_logs/date=YYYY-MM-DD/`.
//! Malformed lines are counted and reported with file and line, or refused with `strict`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::sync::Arc;
use std::time::Instant;

use arrow::array::{ArrayRef, Int32Builder, Int64Builder, RecordBatch, StringBuilder};
use arrow::datatypes::DataType;
use costscope_core::tables::{FLOW_LOG_FIELDS, FLOW_LOGS, flow_logs_schema};

use super::{IngestOptions, IngestReport, ReadSummary, ingest_id, progress_bar, publish};
use crate::lake::Lake;
use crate::source::Source;
use crate::writer::{TableLayout, TableWriter};
use crate::{Error, Result};

const BATCH_ROWS: usize = 64 * 1024;
/// How many malformed lines are quoted in the report (all are counted).
const MALFORMED_QUOTED: usize = 20;
/// The default (version 2) format, used when a file has no header line.
const DEFAULT_FIELDS: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";

/// The layout of the `flow_logs` table.
pub fn flow_logs_layout() -> TableLayout {
    TableLayout {
        table: FLOW_LOGS,
        partition_key: "date",
        schema: flow_logs_schema(),
        append_partition_column: true,
        sort_by: &["start", "interface_id"],
    }
}

/// Ingests every flow-log file under `location`.
pub async fn ingest_flow_logs(
    lake: &Lake,
    location: &str,
    options: &IngestOptions,
) -> Result<IngestReport> {
    let started = Instant::now();
    let source = Source::open(location)?;
    let lock = lake.lock()?;
    lake.collect_garbage(&lock)?;
    let files: Vec<_> = source
        .list()
        .await?
        .into_iter()
        .filter(|o| {
            let name = o.location.as_ref().to_ascii_lowercase();
            name.ends_with(".log.gz")
                || name.ends_with(".log")
                || name.ends_with(".txt")
                || name.ends_with(".gz")
        })
        .collect();
    if files.is_empty() {
        return Err(Error::EmptySource {
            source_path: source.display().into(),
        });
    }
    let bar = progress_bar(
        options.progress,
        files.iter().map(|f| f.size).sum(),
        "ingest flowlogs",
    );
    let mut writer = TableWriter::new(
        lake.root(),
        flow_logs_layout(),
        &ingest_id(),
        source.display(),
    );
    let mut malformed = Malformed::default();
    let mut outcome = Ok(());
    for object in &files {
        let name = source.describe(&object.location);
        let result = async {
            let copy = source.local_copy(&object.location).await?;
            let file = std::fs::File::open(copy.path()).map_err(|e| Error::io(copy.path(), e))?;
            let gzip = name.to_ascii_lowercase().ends_with(".gz");
            let reader: Box<dyn Read> = if gzip {
                Box::new(flate2::read::MultiGzDecoder::new(file))
            } else {
                Box::new(file)
            };
            parse_file(
                BufReader::new(reader),
                &name,
                gzip,
                options.strict,
                &mut malformed,
                |date, batch| writer.write(date, batch),
            )
        }
        .await;
        if let Err(e) = result {
            outcome = Err(e);
            break;
        }
        bar.inc(object.size);
    }
    bar.finish_and_clear();
    if let Err(e) = outcome {
        writer.abort();
        return Err(e);
    }
    let partitions = writer.finish()?;
    let read = ReadSummary {
        table: FLOW_LOGS,
        source: source.display().into(),
        files_read: files.len(),
        ignored_columns: Vec::new(),
        malformed: malformed.quoted,
        malformed_count: malformed.count,
        started,
    };
    publish(lake, &lock, partitions, read)
}

#[derive(Default)]
struct Malformed {
    count: u64,
    quoted: Vec<String>,
}

impl Malformed {
    fn record(&mut self, file: &str, line: u64, reason: &str, strict: bool) -> Result<()> {
        if strict {
            return Err(Error::Malformed {
                file: file.into(),
                line,
                message: reason.into(),
            });
        }
        self.count += 1;
        if self.quoted.len() < MALFORMED_QUOTED {
            self.quoted.push(format!("{file}, line {line}: {reason}"));
        }
        Ok(())
    }
}

/// A column builder for one flow-log field.
enum Column {
    Str(StringBuilder),
    I32(Int32Builder),
    I64(Int64Builder),
}

impl Column {
    fn new(data_type: &DataType) -> Self {
        match data_type {
            DataType::Int32 => Column::I32(Int32Builder::with_capacity(BATCH_ROWS)),
            DataType::Int64 => Column::I64(Int64Builder::with_capacity(BATCH_ROWS)),
            _ => Column::Str(StringBuilder::with_capacity(BATCH_ROWS, BATCH_ROWS * 16)),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Column::Str(b) => Arc::new(b.finish()),
            Column::I32(b) => Arc::new(b.finish()),
            Column::I64(b) => Arc::new(b.finish()),
        }
    }
}

/// Rows of one date being built.
struct DateBatch {
    columns: Vec<Column>,
    rows: usize,
}

impl DateBatch {
    fn new() -> Self {
        DateBatch {
            columns: FLOW_LOG_FIELDS
                .iter()
                .map(|(_, t)| Column::new(t))
                .collect(),
            rows: 0,
        }
    }

    fn finish(&mut self) -> Result<RecordBatch> {
        let schema = flow_logs_schema();
        let columns: Vec<ArrayRef> = self.columns.iter_mut().map(Column::finish).collect();
        self.rows = 0;
        let fields: Vec<_> = schema
            .fields()
            .iter()
            .take(FLOW_LOG_FIELDS.len())
            .cloned()
            .collect();
        let schema = Arc::new(arrow::datatypes::Schema::new(fields));
        RecordBatch::try_new(schema, columns).map_err(|source| Error::Arrow {
            file: FLOW_LOGS.into(),
            source,
        })
    }
}

/// A parsed field value, validated before anything is appended.
enum Value<'a> {
    Null,
    Str(&'a str),
    Int(i64),
}

/// Parses one flow-log file and hands per-date batches to `sink`.
fn parse_file(
    reader: impl BufRead,
    file: &str,
    gzip: bool,
    strict: bool,
    malformed: &mut Malformed,
    mut sink: impl FnMut(&str, RecordBatch) -> Result<()>,
) -> Result<()> {
    let mut positions: Vec<Option<usize>> = Vec::new();
    let mut field_count = 0;
    let mut batches: BTreeMap<String, DateBatch> = BTreeMap::new();
    let mut header_seen = false;
    for (index, line) in reader.lines().enumerate() {
        let line_number = index as u64 + 1;
        let line = match line {
            Ok(line) => line,
            Err(e) if gzip && e.kind() != std::io::ErrorKind::InvalidData => {
                return Err(Error::Gzip {
                    file: file.into(),
                    source: e,
                });
            }
            Err(e) => {
                if e.kind() == std::io::ErrorKind::InvalidData && !gzip {
                    malformed.record(file, line_number, "not valid UTF-8", strict)?;
                    continue;
                }
                return Err(Error::Gzip {
                    file: file.into(),
                    source: e,
                });
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        if !header_seen {
            header_seen = true;
            let first = line.split_ascii_whitespace().next().unwrap_or_default();
            let header = if first.parse::<i64>().is_err() {
                line.as_str()
            } else {
                DEFAULT_FIELDS
            };
            (positions, field_count) = header_positions(header, file)?;
            if first.parse::<i64>().is_err() {
                continue;
            }
        }
        let tokens: Vec<&str> = line.split_ascii_whitespace().collect();
        if tokens.len() != field_count {
            let reason = format!("expected {field_count} fields, found {}", tokens.len());
            malformed.record(file, line_number, &reason, strict)?;
            continue;
        }
        let mut values: Vec<Value> = Vec::with_capacity(FLOW_LOG_FIELDS.len());
        let mut bad = None;
        for ((name, data_type), position) in FLOW_LOG_FIELDS.iter().zip(&positions) {
            let raw = position.map(|p| tokens[p]).unwrap_or("-");
            let value = if raw == "-" {
                Value::Null
            } else if matches!(data_type, DataType::Int32 | DataType::Int64) {
                match raw.parse::<i64>() {
                    Ok(v) if *data_type == DataType::Int64 || i32::try_from(v).is_ok() => {
                        Value::Int(v)
                    }
                    _ => {
                        bad = Some(format!(
                            "field `{}` is not an integer: `{raw}`",
                            name.replace('_', "-")
                        ));
                        break;
                    }
                }
            } else {
                Value::Str(raw)
            };
            values.push(value);
        }
        if let Some(reason) = bad {
            malformed.record(file, line_number, &reason, strict)?;
            continue;
        }
        let Some(date) = record_date(&values) else {
            malformed.record(file, line_number, "no usable `start` time", strict)?;
            continue;
        };
        let batch = batches.entry(date.clone()).or_insert_with(DateBatch::new);
        append_row(batch, &values);
        if batch.rows >= BATCH_ROWS {
            let finished = batch.finish()?;
            sink(&date, finished)?;
        }
    }
    for (date, mut batch) in batches {
        if batch.rows > 0 {
            let finished = batch.finish()?;
            sink(&date, finished)?;
        }
    }
    Ok(())
}

/// Maps the header's hyphenated field names to the table's columns.
fn header_positions(header: &str, file: &str) -> Result<(Vec<Option<usize>>, usize)> {
    let names: Vec<String> = header
        .split_ascii_whitespace()
        .map(|n| n.replace('-', "_"))
        .collect();
    for required in ["start", "bytes"] {
        if !names.iter().any(|n| n == required) {
            return Err(Error::Malformed {
                file: file.into(),
                line: 1,
                message: format!("the header line has no `{required}` field: `{header}`"),
            });
        }
    }
    let positions = FLOW_LOG_FIELDS
        .iter()
        .map(|(field, _)| names.iter().position(|n| n == field))
        .collect();
    Ok((positions, names.len()))
}

/// The UTC date of a record's `start` (NODATA/SKIPDATA records carry it too).
fn record_date(values: &[Value]) -> Option<String> {
    let start_index = FLOW_LOG_FIELDS.iter().position(|(n, _)| *n == "start")?;
    let Value::Int(start) = values.get(start_index)? else {
        return None;
    };
    let time = chrono::DateTime::from_timestamp(*start, 0)?;
    Some(time.format("%Y-%m-%d").to_string())
}

fn append_row(batch: &mut DateBatch, values: &[Value]) {
    for (column, value) in batch.columns.iter_mut().zip(values) {
        match (column, value) {
            (Column::Str(b), Value::Str(s)) => b.append_value(s),
            (Column::Str(b), _) => b.append_null(),
            (Column::I32(b), Value::Int(v)) => b.append_value(*v as i32),
            (Column::I32(b), _) => b.append_null(),
            (Column::I64(b), Value::Int(v)) => b.append_value(*v),
            (Column::I64(b), _) => b.append_null(),
        }
    }
    batch.rows += 1;
}
