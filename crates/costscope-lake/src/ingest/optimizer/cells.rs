//! An export file as text cells: CSV (optionally gzip-compressed) read with the `csv`
//! crate, or Parquet read with the `parquet` crate and cast to text, so both formats are
//! checked by the same code. Every cell knows its line (CSV) or row (Parquet), so an error
//! names the file, the line and the column.

use std::collections::BTreeMap;
use std::io::Read;

use arrow::array::{Array, StringArray};
use arrow::datatypes::DataType;
use chrono::{NaiveDate, NaiveDateTime};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::{Error, Result};

/// One export file, decoded.
pub(crate) struct ExportFile {
    pub file: String,
    /// Column names in file order.
    pub header: Vec<String>,
    index: BTreeMap<String, usize>,
    pub rows: Vec<Row>,
    /// True for text (positions are lines), false for Parquet (positions are rows).
    text: bool,
}

/// One record and where it is.
pub(crate) struct Row {
    pub position: u64,
    cells: Vec<Option<String>>,
}

/// Reads `bytes` as Parquet (by its magic number), gzip-compressed CSV (by its magic
/// number) or CSV.
pub(crate) fn decode(bytes: bytes::Bytes, file: &str) -> Result<ExportFile> {
    if bytes.starts_with(b"PAR1") {
        return parquet_file(bytes, file);
    }
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut text = Vec::new();
        flate2::read::MultiGzDecoder::new(&bytes[..])
            .read_to_end(&mut text)
            .map_err(|source| Error::Gzip {
                file: file.into(),
                source,
            })?;
        return csv_file(&text, file);
    }
    csv_file(&bytes, file)
}

fn csv_file(bytes: &[u8], file: &str) -> Result<ExportFile> {
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes);
    let csv_error = |e: csv::Error| Error::Malformed {
        file: file.into(),
        line: e.position().map(|p| p.line()).unwrap_or(1),
        message: e.to_string(),
    };
    let header: Vec<String> = reader
        .headers()
        .map_err(csv_error)?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(csv_error)? {
        let position = record.position().map(|p| p.line()).unwrap_or(0);
        let cells = record
            .iter()
            .map(|c| {
                let c = c.trim();
                (!c.is_empty()).then(|| c.to_string())
            })
            .collect();
        rows.push(Row { position, cells });
    }
    ExportFile::new(file, header, rows, true)
}

fn parquet_file(bytes: bytes::Bytes, file: &str) -> Result<ExportFile> {
    let parquet_error = |source| Error::Parquet {
        file: file.into(),
        source,
    };
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)
        .map_err(parquet_error)?
        .build()
        .map_err(parquet_error)?;
    let mut header = Vec::new();
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|source| Error::Arrow {
            file: file.into(),
            source,
        })?;
        if header.is_empty() {
            header = batch
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect();
        }
        let mut columns = Vec::new();
        for column in batch.columns() {
            let text =
                arrow::compute::cast(column, &DataType::Utf8).map_err(|source| Error::Arrow {
                    file: file.into(),
                    source,
                })?;
            let text = text
                .as_any()
                .downcast_ref::<StringArray>()
                .cloned()
                .unwrap_or_else(|| StringArray::new_null(batch.num_rows()));
            columns.push(text);
        }
        for index in 0..batch.num_rows() {
            let cells = columns
                .iter()
                .map(|c| {
                    (!c.is_null(index))
                        .then(|| c.value(index).trim().to_string())
                        .filter(|v| !v.is_empty())
                })
                .collect();
            rows.push(Row {
                position: rows.len() as u64 + 1,
                cells,
            });
        }
    }
    ExportFile::new(file, header, rows, false)
}

impl ExportFile {
    fn new(file: &str, header: Vec<String>, rows: Vec<Row>, text: bool) -> Result<Self> {
        let mut index = BTreeMap::new();
        for (i, name) in header.iter().enumerate() {
            if index.insert(name.clone(), i).is_some() {
                return Err(Error::InvalidValue {
                    file: file.into(),
                    line: text.then_some(1),
                    row: 0,
                    column: name.clone(),
                    message: "the column appears twice in the header".into(),
                });
            }
        }
        Ok(ExportFile {
            file: file.into(),
            header,
            index,
            rows,
            text,
        })
    }

    /// Whether the header has `column`.
    pub fn has(&self, column: &str) -> bool {
        self.index.contains_key(column)
    }

    /// An error about the header (line 1 of a text file).
    pub fn header_error(&self, column: &str, message: impl Into<String>) -> Error {
        Error::InvalidValue {
            file: self.file.clone(),
            line: self.text.then_some(1),
            row: 0,
            column: column.into(),
            message: message.into(),
        }
    }

    /// Fails unless every column of `required` is in the header.
    pub fn require(&self, required: &[&str], export: &str) -> Result<()> {
        match required.iter().find(|c| !self.has(c)) {
            Some(missing) => Err(self.header_error(
                missing,
                format!("required column of a {export} is missing from the header"),
            )),
            None => Ok(()),
        }
    }

    /// The cells of `row`.
    pub fn cells<'a>(&'a self, row: &'a Row) -> Cells<'a> {
        Cells { file: self, row }
    }
}

/// The cells of one row, read by column name.
pub(crate) struct Cells<'a> {
    file: &'a ExportFile,
    row: &'a Row,
}

impl<'a> Cells<'a> {
    /// Where this row is, for messages.
    pub fn line(&self) -> u64 {
        self.row.position
    }

    /// An error about `column` in this row.
    pub fn error(&self, column: &str, message: impl Into<String>) -> Error {
        Error::InvalidValue {
            file: self.file.file.clone(),
            line: self.file.text.then_some(self.row.position),
            row: self.row.position,
            column: column.into(),
            message: message.into(),
        }
    }

    /// A trimmed, non-empty text cell.
    pub fn text(&self, column: &str) -> Option<&'a str> {
        let index = *self.file.index.get(column)?;
        self.row.cells.get(index)?.as_deref()
    }

    /// A text cell that must be present.
    pub fn required(&self, column: &str) -> Result<&'a str> {
        self.text(column)
            .ok_or_else(|| self.error(column, "the value is empty"))
    }

    /// A finite number, or `None` when empty.
    pub fn number(&self, column: &str) -> Result<Option<f64>> {
        let Some(text) = self.text(column) else {
            return Ok(None);
        };
        match text.parse::<f64>() {
            Ok(value) if value.is_finite() => Ok(Some(value)),
            _ => Err(self.error(column, format!("`{text}` is not a number"))),
        }
    }

    /// `true`/`false` (any case, also `yes`/`no`, `1`/`0`), or `None` when empty.
    pub fn boolean(&self, column: &str) -> Result<Option<bool>> {
        let Some(text) = self.text(column) else {
            return Ok(None);
        };
        match text.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Ok(Some(true)),
            "false" | "no" | "0" => Ok(Some(false)),
            _ => Err(self.error(column, format!("`{text}` is not true or false"))),
        }
    }

    /// A required UTC timestamp (`yyyy-MM-dd HH:mm:ss`, ISO 8601 with `T` and an optional
    /// fraction and `Z`, or a bare date), as `YYYY-MM-DDTHH:MM:SS.fff` and its date.
    pub fn timestamp(&self, column: &str) -> Result<(String, NaiveDate)> {
        let text = self.required(column)?;
        let trimmed = text.trim_end_matches('Z').trim_end_matches("+00:00");
        let parsed = ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(trimmed, f).ok())
            .or_else(|| {
                NaiveDate::parse_from_str(trimmed, "%Y-%m-%d")
                    .ok()
                    .map(|d| d.and_time(chrono::NaiveTime::MIN))
            })
            .ok_or_else(|| {
                self.error(
                    column,
                    format!("`{text}` is not a UTC timestamp (yyyy-MM-dd HH:mm:ss)"),
                )
            })?;
        Ok((
            parsed.format("%Y-%m-%dT%H:%M:%S%.3f").to_string(),
            parsed.date(),
        ))
    }

    /// A 12-digit AWS account id.
    pub fn account(&self, column: &str) -> Result<&'a str> {
        let text = self.required(column)?;
        if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(text)
        } else {
            Err(self.error(column, format!("`{text}` is not a 12-digit AWS account id")))
        }
    }

    /// Every column whose name starts with `prefix` and whose value is true, without the
    /// prefix.
    pub fn true_flags(&self, prefix: &str) -> Result<Vec<&'a str>> {
        let mut flags = Vec::new();
        for name in &self.file.header {
            if let Some(flag) = name.strip_prefix(prefix)
                && self.boolean(name)? == Some(true)
            {
                flags.push(flag);
            }
        }
        Ok(flags)
    }
}
