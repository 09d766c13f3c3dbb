//! Arrow results as PostgreSQL rows, in text or binary format as the client asks.
//!
//! | Arrow | PostgreSQL |
//! |---|---|
//! | Boolean | `bool` |
//! | Int8, Int16, UInt8 | `int2` |
//! | Int32, UInt16 | `int4` |
//! | Int64, UInt32 | `int8` |
//! | UInt64, Decimal128 (scale ≤ 28) | `numeric` |
//! | Float16, Float32 | `float4` |
//! | Float64 | `float8` |
//! | Utf8, LargeUtf8, Utf8View | `text` |
//! | Binary, LargeBinary, BinaryView, FixedSizeBinary | `bytea` |
//! | Date32, Date64 | `date` |
//! | Timestamp without time zone | `timestamp` |
//! | Timestamp with a time zone | `timestamptz` (UTC) |
//! | Time32, Time64 | `time` |
//! | List, LargeList, FixedSizeList, Map, Struct | `json` (maps as objects) |
//! | Dictionary | the type of its values |
//! | anything else (intervals, durations, Decimal256) | `text`, as Arrow displays it |

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{
    DataType, Date32Type, Date64Type, Float16Type, Float32Type, Float64Type, Int8Type, Int16Type,
    Int32Type, Int64Type, Schema, TimeUnit, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow::json::writer::{EncoderOptions, make_encoder};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use costscope_query::QueryResult;
use pgwire::api::Type;
use pgwire::api::portal::Format;
use pgwire::api::results::{DataRowEncoder, FieldFormat, FieldInfo};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::data::DataRow;
use rust_decimal::Decimal;

/// The PostgreSQL type of an Arrow type.
pub fn pg_type(data_type: &DataType) -> Type {
    match data_type {
        DataType::Boolean => Type::BOOL,
        DataType::Int8 | DataType::Int16 | DataType::UInt8 => Type::INT2,
        DataType::Int32 | DataType::UInt16 => Type::INT4,
        DataType::Int64 | DataType::UInt32 => Type::INT8,
        DataType::UInt64 => Type::NUMERIC,
        DataType::Decimal128(_, scale) if (0..=28).contains(scale) => Type::NUMERIC,
        DataType::Float16 | DataType::Float32 => Type::FLOAT4,
        DataType::Float64 => Type::FLOAT8,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Type::TEXT,
        DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView
        | DataType::FixedSizeBinary(_) => Type::BYTEA,
        DataType::Date32 | DataType::Date64 => Type::DATE,
        DataType::Timestamp(_, None) => Type::TIMESTAMP,
        DataType::Timestamp(_, Some(_)) => Type::TIMESTAMPTZ,
        DataType::Time32(_) | DataType::Time64(_) => Type::TIME,
        DataType::List(_)
        | DataType::LargeList(_)
        | DataType::FixedSizeList(..)
        | DataType::Map(..)
        | DataType::Struct(_) => Type::JSON,
        DataType::Dictionary(_, values) => pg_type(values),
        _ => Type::TEXT,
    }
}

/// The row description of `schema` in `format`.
pub fn fields(schema: &Schema, format: &Format) -> Vec<FieldInfo> {
    schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, field)| {
            FieldInfo::new(
                field.name().clone(),
                None,
                None,
                pg_type(field.data_type()),
                format.format_for(i),
            )
        })
        .collect()
}

fn failed(message: String) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "ERROR".into(),
        "XX000".into(),
        message,
    )))
}

/// Every row of `result`, encoded for `fields`.
pub fn rows(result: &QueryResult, fields: &Arc<Vec<FieldInfo>>) -> PgWireResult<Vec<DataRow>> {
    let mut rows = Vec::with_capacity(result.num_rows());
    let mut encoder = DataRowEncoder::new(fields.clone());
    for batch in &result.batches {
        encode_batch(batch, fields, &mut encoder, &mut rows)?;
    }
    Ok(rows)
}

fn encode_batch(
    batch: &RecordBatch,
    fields: &[FieldInfo],
    encoder: &mut DataRowEncoder,
    rows: &mut Vec<DataRow>,
) -> PgWireResult<()> {
    let columns = batch
        .columns()
        .iter()
        .zip(fields.iter().map(FieldInfo::format))
        .map(|(c, format)| Column::new(c.clone(), format))
        .collect::<PgWireResult<Vec<_>>>()?;
    for row in 0..batch.num_rows() {
        for column in &columns {
            column.encode(row, encoder)?;
        }
        rows.push(encoder.take_row());
    }
    Ok(())
}

/// One column ready to encode: dictionaries decoded, nested values as JSON text.
struct Column {
    array: ArrayRef,
    format: FieldFormat,
    json: Option<Vec<Option<String>>>,
}

impl Column {
    fn new(array: ArrayRef, format: FieldFormat) -> PgWireResult<Column> {
        let array = match array.data_type() {
            DataType::Dictionary(_, values) => {
                cast(&array, values).map_err(|e| failed(e.to_string()))?
            }
            _ => array,
        };
        let json = (pg_type(array.data_type()) == Type::JSON)
            .then(|| json_values(&array))
            .transpose()?;
        Ok(Column {
            array,
            format,
            json,
        })
    }

    fn encode(&self, row: usize, out: &mut DataRowEncoder) -> PgWireResult<()> {
        let array = &self.array;
        if array.is_null(row) {
            return out.encode_field(&None::<i8>);
        }
        if let Some(json) = &self.json {
            // JSON's text and binary forms are both its UTF-8 text.
            return out.encode_field_with_type_and_format(
                &json[row].as_deref().unwrap_or("null"),
                &Type::TEXT,
                self.format,
                &pgwire::types::format::FormatOptions::default(),
            );
        }
        match array.data_type() {
            DataType::Boolean => out.encode_field(&array.as_boolean().value(row)),
            DataType::Int8 => {
                out.encode_field(&i16::from(array.as_primitive::<Int8Type>().value(row)))
            }
            DataType::Int16 => out.encode_field(&array.as_primitive::<Int16Type>().value(row)),
            DataType::UInt8 => {
                out.encode_field(&i16::from(array.as_primitive::<UInt8Type>().value(row)))
            }
            DataType::Int32 => out.encode_field(&array.as_primitive::<Int32Type>().value(row)),
            DataType::UInt16 => {
                out.encode_field(&i32::from(array.as_primitive::<UInt16Type>().value(row)))
            }
            DataType::Int64 => out.encode_field(&array.as_primitive::<Int64Type>().value(row)),
            DataType::UInt32 => {
                out.encode_field(&i64::from(array.as_primitive::<UInt32Type>().value(row)))
            }
            DataType::UInt64 => out.encode_field(&Decimal::from(
                array.as_primitive::<UInt64Type>().value(row),
            )),
            DataType::Decimal128(_, scale) if (0..=28).contains(scale) => {
                let raw = array
                    .as_primitive::<arrow::datatypes::Decimal128Type>()
                    .value(row);
                let value = Decimal::try_from_i128_with_scale(raw, *scale as u32)
                    .map_err(|e| failed(format!("decimal out of range: {e}")))?;
                out.encode_field(&value)
            }
            DataType::Float16 => {
                out.encode_field(&f32::from(array.as_primitive::<Float16Type>().value(row)))
            }
            DataType::Float32 => out.encode_field(&array.as_primitive::<Float32Type>().value(row)),
            DataType::Float64 => out.encode_field(&array.as_primitive::<Float64Type>().value(row)),
            DataType::Utf8 => out.encode_field(&array.as_string::<i32>().value(row)),
            DataType::LargeUtf8 => out.encode_field(&array.as_string::<i64>().value(row)),
            DataType::Utf8View => out.encode_field(&array.as_string_view().value(row)),
            DataType::Binary => out.encode_field(&array.as_binary::<i32>().value(row)),
            DataType::LargeBinary => out.encode_field(&array.as_binary::<i64>().value(row)),
            DataType::BinaryView => out.encode_field(&array.as_binary_view().value(row)),
            DataType::FixedSizeBinary(_) => {
                out.encode_field(&array.as_fixed_size_binary().value(row))
            }
            DataType::Date32 => {
                out.encode_field(&array.as_primitive::<Date32Type>().value_as_date(row))
            }
            DataType::Date64 => {
                out.encode_field(&array.as_primitive::<Date64Type>().value_as_date(row))
            }
            DataType::Timestamp(unit, zone) => {
                let naive = timestamp(array, *unit, row)?;
                match zone {
                    None => out.encode_field(&naive),
                    Some(_) => out.encode_field(&naive.map(|t| t.and_utc())),
                }
            }
            DataType::Time32(unit) | DataType::Time64(unit) => {
                out.encode_field(&time(array, *unit, row))
            }
            _ => out.encode_field(&display(array, row)?),
        }
    }
}

fn time(array: &ArrayRef, unit: TimeUnit, row: usize) -> Option<chrono::NaiveTime> {
    use arrow::datatypes::{
        Time32MillisecondType, Time32SecondType, Time64MicrosecondType, Time64NanosecondType,
    };
    match (array.data_type(), unit) {
        (DataType::Time32(_), TimeUnit::Second) => {
            array.as_primitive::<Time32SecondType>().value_as_time(row)
        }
        (DataType::Time32(_), _) => array
            .as_primitive::<Time32MillisecondType>()
            .value_as_time(row),
        (_, TimeUnit::Microsecond) => array
            .as_primitive::<Time64MicrosecondType>()
            .value_as_time(row),
        _ => array
            .as_primitive::<Time64NanosecondType>()
            .value_as_time(row),
    }
}

fn timestamp(
    array: &ArrayRef,
    unit: TimeUnit,
    row: usize,
) -> PgWireResult<Option<chrono::NaiveDateTime>> {
    use arrow::datatypes::{
        TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
        TimestampSecondType,
    };
    Ok(match unit {
        TimeUnit::Second => array
            .as_primitive::<TimestampSecondType>()
            .value_as_datetime(row),
        TimeUnit::Millisecond => array
            .as_primitive::<TimestampMillisecondType>()
            .value_as_datetime(row),
        TimeUnit::Microsecond => array
            .as_primitive::<TimestampMicrosecondType>()
            .value_as_datetime(row),
        TimeUnit::Nanosecond => array
            .as_primitive::<TimestampNanosecondType>()
            .value_as_datetime(row),
    })
}

/// A value as Arrow displays it.
fn display(array: &ArrayRef, row: usize) -> PgWireResult<String> {
    let formatter = ArrayFormatter::try_new(array.as_ref(), &FormatOptions::default())
        .map_err(|e| failed(e.to_string()))?;
    Ok(formatter.value(row).to_string())
}

/// Each value of a nested column as JSON text.
fn json_values(array: &ArrayRef) -> PgWireResult<Vec<Option<String>>> {
    let field = Arc::new(arrow::datatypes::Field::new(
        "value",
        array.data_type().clone(),
        true,
    ));
    let options = EncoderOptions::default();
    let mut encoder =
        make_encoder(&field, array.as_ref(), &options).map_err(|e| failed(e.to_string()))?;
    let mut buffer = Vec::new();
    (0..array.len())
        .map(|row| {
            if array.is_null(row) {
                return Ok(None);
            }
            buffer.clear();
            encoder.encode(row, &mut buffer);
            String::from_utf8(buffer.clone())
                .map(Some)
                .map_err(|e| failed(e.to_string()))
        })
        .collect()
}
