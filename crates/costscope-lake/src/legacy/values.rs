//! Casting one legacy column to the Arrow type of the CUR 2.0 column it feeds.
//!
//! Text (from CSV, or string columns in Parquet) is parsed value by value so a bad value
//! is reported with its line or row: numbers with Rust's float syntax, timestamps as
//! ISO-8601 with `Z`, an offset, or no zone (read as UTC). Empty or blank text is NULL for
//! numbers and timestamps and kept as is for strings. Typed Parquet columns are cast.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, Float64Builder, PrimitiveArray, StringArray,
    TimestampMillisecondBuilder, new_null_array,
};
use arrow::compute::{can_cast_types, cast};
use arrow::datatypes::{
    DataType, TimeUnit, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType,
};
use chrono::{DateTime, NaiveDate, NaiveDateTime};
use costscope_core::cur::{Kind, timestamp_type};

use super::csv::LineIndex;
use crate::{Error, Result};

/// Where the column being converted comes from, for error messages.
pub(super) struct Origin<'a> {
    pub file: &'a str,
    pub column: &'a str,
    pub lines: &'a LineIndex,
}

impl Origin<'_> {
    fn invalid(&self, row: usize, message: String) -> Error {
        Error::InvalidValue {
            file: self.file.to_owned(),
            line: self.lines.line_of(row),
            row: row as u64 + 1,
            column: self.column.to_owned(),
            message,
        }
    }

    fn wrong_type(&self, found: &DataType, kind: Kind) -> Error {
        Error::Schema {
            file: self.file.to_owned(),
            source: costscope_core::Error::ColumnType {
                column: self.column.to_owned(),
                found: found.to_string(),
                expected: kind.data_type().to_string(),
            },
        }
    }

    fn arrow(&self, source: arrow::error::ArrowError) -> Error {
        Error::Arrow {
            file: self.file.to_owned(),
            source,
        }
    }
}

/// Converts `array` to the Arrow type of `kind` (a flat kind: string, float or timestamp).
pub(super) fn to_kind(array: &ArrayRef, kind: Kind, origin: &Origin) -> Result<ArrayRef> {
    let data_type = array.data_type();
    if *data_type == DataType::Null {
        return Ok(new_null_array(&kind.data_type(), array.len()));
    }
    match kind {
        Kind::Str => to_utf8(array, kind, origin),
        Kind::F64 if is_text(data_type) => Ok(Arc::new(parse_numbers(
            to_utf8(array, kind, origin)?.as_string(),
            origin,
        )?)),
        Kind::F64 if data_type.is_numeric() => {
            cast(array, &DataType::Float64).map_err(|e| origin.arrow(e))
        }
        Kind::Timestamp if is_text(data_type) => Ok(Arc::new(parse_timestamps(
            to_utf8(array, kind, origin)?.as_string(),
            origin,
        )?)),
        Kind::Timestamp => match data_type {
            DataType::Timestamp(unit, _) => Ok(Arc::new(to_milliseconds(array, *unit))),
            DataType::Date32 | DataType::Date64 => {
                cast(array, &timestamp_type()).map_err(|e| origin.arrow(e))
            }
            _ => Err(origin.wrong_type(data_type, kind)),
        },
        _ => Err(origin.wrong_type(data_type, kind)),
    }
}

fn is_text(data_type: &DataType) -> bool {
    match data_type {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, values) => is_text(values),
        _ => false,
    }
}

fn to_utf8(array: &ArrayRef, kind: Kind, origin: &Origin) -> Result<ArrayRef> {
    let data_type = array.data_type();
    if *data_type == DataType::Utf8 {
        return Ok(array.clone());
    }
    if !can_cast_types(data_type, &DataType::Utf8) {
        return Err(origin.wrong_type(data_type, kind));
    }
    cast(array, &DataType::Utf8).map_err(|e| origin.arrow(e))
}

/// Legacy Parquet stores instants as UTC whatever zone its type names, so only the unit
/// changes; a cast to a zoneless type would shift them to local wall-clock time instead.
fn to_milliseconds(array: &ArrayRef, unit: TimeUnit) -> PrimitiveArray<TimestampMillisecondType> {
    match unit {
        TimeUnit::Second => array
            .as_primitive::<TimestampSecondType>()
            .unary(|seconds| seconds.saturating_mul(1000)),
        TimeUnit::Millisecond => array
            .as_primitive::<TimestampMillisecondType>()
            .reinterpret_cast::<TimestampMillisecondType>(),
        TimeUnit::Microsecond => array
            .as_primitive::<TimestampMicrosecondType>()
            .unary(|micros| micros.div_euclid(1000)),
        TimeUnit::Nanosecond => array
            .as_primitive::<TimestampNanosecondType>()
            .unary(|nanos| nanos.div_euclid(1_000_000)),
    }
}

fn parse_numbers(
    text: &StringArray,
    origin: &Origin,
) -> Result<PrimitiveArray<arrow::datatypes::Float64Type>> {
    let mut out = Float64Builder::with_capacity(text.len());
    for (row, value) in text.iter().enumerate() {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            None => out.append_null(),
            Some(v) => match v.parse::<f64>() {
                Ok(number) if number.is_finite() => out.append_value(number),
                _ => return Err(origin.invalid(row, format!("`{}` is not a number", excerpt(v)))),
            },
        }
    }
    Ok(out.finish())
}

fn parse_timestamps(
    text: &StringArray,
    origin: &Origin,
) -> Result<PrimitiveArray<TimestampMillisecondType>> {
    let mut out = TimestampMillisecondBuilder::with_capacity(text.len());
    for (row, value) in text.iter().enumerate() {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            None => out.append_null(),
            Some(v) => match parse_timestamp(v) {
                Some(millis) => out.append_value(millis),
                None => {
                    return Err(origin.invalid(
                        row,
                        format!("`{}` is not an ISO-8601 timestamp", excerpt(v)),
                    ));
                }
            },
        }
    }
    Ok(out.finish())
}

/// Milliseconds since the epoch (UTC) of an ISO-8601 date-time: with `Z` or an offset, or
/// without a zone (then UTC); `T` or a space between date and time; or a bare date.
pub(super) fn parse_timestamp(text: &str) -> Option<i64> {
    if let Ok(zoned) = DateTime::parse_from_rfc3339(text) {
        return Some(zoned.timestamp_millis());
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(zoned) = DateTime::parse_from_str(text, format) {
            return Some(zoned.timestamp_millis());
        }
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return Some(naive.and_utc().timestamp_millis());
        }
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis())
}

/// The start of a value, so one huge bad value cannot flood an error message.
fn excerpt(value: &str) -> String {
    const MAX: usize = 64;
    match value.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &value[..end]),
        None => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_parse_with_and_without_zones() {
        let midnight = 1_788_220_800_000; // 2026-09-01T00:00:00Z
        for text in [
            "2026-09-01T00:00:00Z",
            "2026-09-01T00:00:00.000Z",
            "2026-09-01T00:00:00",
            "2026-09-01 00:00:00",
            "2026-09-01T02:00:00+02:00",
            "2026-09-01T02:00:00+0200",
            "2026-08-31T19:00:00-05:00",
            "2026-09-01T00:00",
            "2026-09-01",
        ] {
            assert_eq!(parse_timestamp(text), Some(midnight), "{text}");
        }
        for text in [
            "2026-13-01T00:00:00Z",
            "yesterday",
            "20260901",
            "2026-09-01T25:00:00Z",
        ] {
            assert_eq!(parse_timestamp(text), None, "{text}");
        }
    }

    #[test]
    fn excerpt_cuts_long_values() {
        assert_eq!(excerpt("abc"), "abc");
        assert_eq!(excerpt(&"x".repeat(100)).chars().count(), 65);
    }
}
