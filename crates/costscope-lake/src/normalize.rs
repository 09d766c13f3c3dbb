//! Conversion of any valid CUR 2.0 batch to the lake's exact schema: columns matched by
//! name case-insensitively and in any order, optional columns absent read as NULL, extra
//! columns dropped, timestamps of any unit or zone and map columns of any field naming
//! converted to the canonical types.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, MapArray, RecordBatch, StructArray, new_null_array};
use arrow::compute::{CastOptions, cast_with_options};
use arrow::datatypes::{DataType, Field, SchemaRef};
use arrow::util::display::FormatOptions;
use costscope_core::cur::{self, Kind};

use crate::{Error, Result};

/// Plans how the columns of one input schema map to the lake schema; built once per file.
pub struct Normalizer {
    /// For each lake column, the index of the input column that feeds it.
    sources: Vec<Option<usize>>,
    /// Input columns the lake has no place for.
    pub ignored: Vec<String>,
    file: String,
}

impl Normalizer {
    /// Matches `input` to the CUR 2.0 schema; fails when a required column is missing.
    pub fn new(input: &SchemaRef, file: &str) -> Result<Self> {
        let by_name: HashMap<String, usize> = input
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name().to_ascii_lowercase(), i))
            .collect();
        let target = cur::schema();
        let sources: Vec<Option<usize>> = target
            .fields()
            .iter()
            .map(|f| by_name.get(f.name().as_str()).copied())
            .collect();
        for required in cur::REQUIRED {
            if !by_name.contains_key(*required) {
                return Err(Error::Schema {
                    file: file.into(),
                    source: costscope_core::Error::MissingColumn {
                        column: (*required).into(),
                    },
                });
            }
        }
        let ignored = input
            .fields()
            .iter()
            .filter(|f| {
                let lower = f.name().to_ascii_lowercase();
                cur::kind_of(&lower).is_none() && lower != cur::BILLING_PERIOD
            })
            .map(|f| f.name().clone())
            .collect();
        Ok(Normalizer {
            sources,
            ignored,
            file: file.into(),
        })
    }

    /// Converts one batch to `cur::schema()`.
    pub fn apply(&self, batch: &RecordBatch) -> Result<RecordBatch> {
        let target = cur::schema();
        let mut columns = Vec::with_capacity(target.fields().len());
        for ((name, kind), source) in cur::COLUMNS.iter().zip(&self.sources) {
            let column = match source {
                None => new_null_array(&kind.data_type(), batch.num_rows()),
                Some(i) => convert(batch.column(*i), *kind)
                    .map_err(|e| self.type_error(name, batch.column(*i), e))?,
            };
            columns.push(column);
        }
        RecordBatch::try_new(target, columns).map_err(|source| Error::Arrow {
            file: self.file.clone(),
            source,
        })
    }

    fn type_error(
        &self,
        column: &str,
        found: &ArrayRef,
        detail: arrow::error::ArrowError,
    ) -> Error {
        Error::Schema {
            file: self.file.clone(),
            source: costscope_core::Error::ColumnType {
                column: column.into(),
                found: format!("{} ({detail})", found.data_type()),
                expected: lake_type_name(column),
            },
        }
    }
}

fn lake_type_name(column: &str) -> String {
    cur::kind_of(column)
        .map(|k| k.data_type().to_string())
        .unwrap_or_default()
}

/// Converts one column to the lake type of `kind`. Casts are strict: a value that cannot
/// be converted is an error, never a silent NULL.
pub fn convert(
    array: &ArrayRef,
    kind: Kind,
) -> std::result::Result<ArrayRef, arrow::error::ArrowError> {
    let target = kind.data_type();
    if array.data_type() == &target {
        return Ok(array.clone());
    }
    match kind {
        Kind::MapStr | Kind::MapF64 => convert_map(array, &target),
        _ => {
            let options = CastOptions {
                safe: false,
                format_options: FormatOptions::default(),
            };
            match array.data_type() {
                // Zoned timestamps keep their instant; the lake stores UTC without a zone.
                DataType::Timestamp(_, Some(_)) => {
                    let utc = cast_with_options(
                        array,
                        &DataType::Timestamp(
                            arrow::datatypes::TimeUnit::Millisecond,
                            Some("UTC".into()),
                        ),
                        &options,
                    )?;
                    cast_with_options(&utc, &target, &options)
                }
                _ => cast_with_options(array, &target, &options),
            }
        }
    }
}

/// Rebuilds a map (or a list of key/value structs, as some writers produce) with the
/// lake's field names and value type.
fn convert_map(
    array: &ArrayRef,
    target: &DataType,
) -> std::result::Result<ArrayRef, arrow::error::ArrowError> {
    let DataType::Map(entries_field, _) = target else {
        return Err(arrow::error::ArrowError::CastError("not a map type".into()));
    };
    let DataType::Struct(target_fields) = entries_field.data_type() else {
        return Err(arrow::error::ArrowError::CastError(
            "map entries are not a struct".into(),
        ));
    };
    if matches!(array.data_type(), DataType::Null) {
        return Ok(new_null_array(target, array.len()));
    }
    let map = array.as_any().downcast_ref::<MapArray>().ok_or_else(|| {
        arrow::error::ArrowError::CastError(format!("{} is not a map", array.data_type()))
    })?;
    let options = CastOptions {
        safe: false,
        format_options: FormatOptions::default(),
    };
    let keys = cast_with_options(map.keys(), target_fields[0].data_type(), &options)?;
    let values = cast_with_options(map.values(), target_fields[1].data_type(), &options)?;
    let fields: Vec<Arc<Field>> = target_fields.iter().cloned().collect();
    let entries = StructArray::try_new(fields.into(), vec![keys, values], None)?;
    let rebuilt = MapArray::try_new(
        entries_field.clone(),
        map.offsets().clone(),
        entries,
        map.nulls().cloned(),
        false,
    )?;
    Ok(Arc::new(rebuilt))
}
