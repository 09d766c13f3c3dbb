//! Streaming reader for legacy CUR CSV files, plain or gzip-compressed.
//!
//! Batches hold one `Utf8` column per header field, named as in the header; typing is
//! left to [`super::to_cur2`]. Each batch records in its schema metadata the file line on
//! which each of its rows starts, so errors found while converting it can name the line.

use std::collections::HashMap;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use csv::{ByteRecord, ErrorKind};
use flate2::read::MultiGzDecoder;

use crate::{Error, Result};

/// Schema metadata key under which a batch from [`read_csv`] records its rows' lines.
pub const LINES_METADATA_KEY: &str = "costscope.legacy.lines";

/// Streams a legacy CSV (gzip-compressed when `gzip`) as record batches of `Utf8` columns
/// named by the original header, `batch_rows` rows each (the last may be shorter). Only one
/// batch is held in memory at a time.
///
/// A row with the wrong number of fields or invalid UTF-8 is an [`Error::Malformed`]
/// naming the file and line; a corrupt or truncated gzip stream is an [`Error::Gzip`] whose
/// message names the line reached. The iterator ends after the first error.
pub fn read_csv<R: Read + Send + 'static>(
    reader: R,
    file: &str,
    gzip: bool,
    batch_rows: usize,
) -> Result<impl Iterator<Item = Result<RecordBatch>> + Send> {
    let input: Box<dyn Read + Send> = if gzip {
        // AWS may concatenate gzip members; a single-member decoder would stop at the first.
        Box::new(MultiGzDecoder::new(reader))
    } else {
        Box::new(reader)
    };
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(input);
    let header = csv
        .byte_headers()
        .map_err(|e| csv_error(e, file, gzip, 1))?
        .clone();
    let fields = header
        .iter()
        .enumerate()
        .map(|(index, name)| {
            let name = std::str::from_utf8(name).map_err(|_| Error::Malformed {
                file: file.to_owned(),
                line: 1,
                message: format!("header field {} is not valid UTF-8", index + 1),
            })?;
            Ok(Field::new(name.trim(), DataType::Utf8, false))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(CsvBatches {
        csv,
        schema: Arc::new(Schema::new(fields)),
        file: file.to_owned(),
        gzip,
        batch_rows: batch_rows.max(1),
        record: ByteRecord::new(),
        finished: false,
    })
}

/// The iterator behind [`read_csv`].
struct CsvBatches {
    csv: csv::Reader<Box<dyn Read + Send>>,
    /// Header fields as `Utf8` columns, without line metadata.
    schema: SchemaRef,
    file: String,
    gzip: bool,
    batch_rows: usize,
    /// Reused for every row to avoid an allocation per record.
    record: ByteRecord,
    finished: bool,
}

impl Iterator for CsvBatches {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        let result = self.next_batch().map_err(|error| self.root_cause(error));
        if !matches!(result, Ok(Some(_))) {
            self.finished = true;
        }
        result.transpose()
    }
}

impl CsvBatches {
    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        let mut columns: Vec<StringBuilder> = (0..self.schema.fields().len())
            .map(|_| StringBuilder::with_capacity(self.batch_rows, 0))
            .collect();
        let mut lines = LineIndex::default();
        let mut rows = 0;
        while rows < self.batch_rows {
            let more = self
                .csv
                .read_byte_record(&mut self.record)
                .map_err(|e| csv_error(e, &self.file, self.gzip, self.csv.position().line()))?;
            if !more {
                break;
            }
            let line = self.record.position().map_or(0, |p| p.line());
            for ((field, column), name) in self
                .record
                .iter()
                .zip(&mut columns)
                .zip(self.schema.fields())
            {
                let text = std::str::from_utf8(field).map_err(|_| Error::Malformed {
                    file: self.file.clone(),
                    line,
                    message: format!("the value of column `{}` is not valid UTF-8", name.name()),
                })?;
                column.append_value(text);
            }
            lines.push(rows, line);
            rows += 1;
        }
        if rows == 0 {
            return Ok(None);
        }
        let metadata = HashMap::from([(LINES_METADATA_KEY.to_owned(), lines.encode())]);
        let schema = Arc::new(self.schema.as_ref().clone().with_metadata(metadata));
        let columns: Vec<ArrayRef> = columns
            .iter_mut()
            .map(|c| Arc::new(c.finish()) as ArrayRef)
            .collect();
        RecordBatch::try_new(schema, columns)
            .map(Some)
            .map_err(|source| Error::Arrow {
                file: self.file.clone(),
                source,
            })
    }

    /// Garbage from a corrupt gzip stream usually surfaces first as a malformed row, while
    /// the checksum that proves the corruption sits at the end of the stream: read on to it
    /// so the error names the real fault.
    fn root_cause(&mut self, error: Error) -> Error {
        let Error::Malformed { line, .. } = error else {
            return error;
        };
        if !self.gzip {
            return error;
        }
        match io::copy(self.csv.get_mut(), &mut io::sink()) {
            Err(source) => gzip_error(&self.file, line, source),
            Ok(_) => error,
        }
    }
}

/// Maps a CSV reading error to the lake's error, naming `file` and the line reached.
fn csv_error(error: csv::Error, file: &str, gzip: bool, line: u64) -> Error {
    let file = file.to_owned();
    let message = error.to_string();
    match error.into_kind() {
        ErrorKind::Io(source) if gzip => gzip_error(&file, line, source),
        ErrorKind::Io(source) => Error::Io {
            path: PathBuf::from(file),
            source,
        },
        ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => Error::Malformed {
            file,
            line: pos.map_or(line, |p| p.line()),
            message: format!("{len} fields where the header has {expected_len}"),
        },
        _ => Error::Malformed {
            file,
            line,
            message,
        },
    }
}

fn gzip_error(file: &str, line: u64, source: io::Error) -> Error {
    Error::Gzip {
        file: file.to_owned(),
        source: io::Error::new(source.kind(), format!("near line {line}: {source}")),
    }
}

/// The line on which each row of a batch starts, stored as breakpoints `row:line`: rows
/// between breakpoints follow one line each, so a batch without multi-line quoted values
/// needs a single breakpoint.
#[derive(Debug, Default)]
pub(crate) struct LineIndex {
    breakpoints: Vec<(usize, u64)>,
}

impl LineIndex {
    fn push(&mut self, row: usize, line: u64) {
        if self.line_of(row) != Some(line) {
            self.breakpoints.push((row, line));
        }
    }

    /// The line of `row` (0-based within the batch), if known.
    pub(crate) fn line_of(&self, row: usize) -> Option<u64> {
        let at = self.breakpoints.partition_point(|(start, _)| *start <= row);
        let (start, line) = self.breakpoints.get(at.checked_sub(1)?)?;
        Some(line + (row - start) as u64)
    }

    fn encode(&self) -> String {
        let pairs: Vec<String> = self
            .breakpoints
            .iter()
            .map(|(row, line)| format!("{row}:{line}"))
            .collect();
        pairs.join(",")
    }

    /// Reads the index a batch from [`read_csv`] carries; empty for any other batch.
    pub(crate) fn of(schema: &Schema) -> Self {
        let breakpoints = schema
            .metadata()
            .get(LINES_METADATA_KEY)
            .map(|text| {
                text.split(',')
                    .filter_map(|pair| {
                        let (row, line) = pair.split_once(':')?;
                        Some((row.parse().ok()?, line.parse().ok()?))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self { breakpoints }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_round_trips_through_metadata() {
        let mut index = LineIndex::default();
        for (row, line) in [(0, 2), (1, 3), (2, 4), (3, 7), (4, 8)] {
            index.push(row, line);
        }
        assert_eq!(index.encode(), "0:2,3:7");
        let schema = Schema::empty().with_metadata(HashMap::from([(
            LINES_METADATA_KEY.to_owned(),
            index.encode(),
        )]));
        let decoded = LineIndex::of(&schema);
        let lines: Vec<_> = (0..5).map(|row| decoded.line_of(row)).collect();
        assert_eq!(lines, [Some(2), Some(3), Some(4), Some(7), Some(8)]);
        assert_eq!(LineIndex::of(&Schema::empty()).line_of(0), None);
    }
}
