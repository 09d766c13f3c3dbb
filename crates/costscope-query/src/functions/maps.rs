//! `element_at` and the `map['key']` subscript.
//!
//! DataFusion's `element_at` is an alias of `map_extract`, which returns a
//! one-element list; Trino returns the value itself, or NULL for a missing
//! key. On arrays, `element_at` keeps Trino's 1-based indexing: negative
//! indexes count from the end, past the end is NULL and 0 is an error.
//! Trino raises an error for `map['missing']`; here the subscript is planned
//! as `element_at` and returns NULL, so CUR queries over sparse tag maps work.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, MapArray, Scalar, UInt64Array, make_comparator, new_null_array,
};
use arrow::compute::SortOptions;
use arrow::compute::kernels::cmp::eq;
use arrow::compute::take;
use arrow::datatypes::{DataType, Int64Type};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::functions_nested::extract::array_element_udf;
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature};

use super::args::{
    PrimitiveArg, bigint, check_arg_count, is_string, output, output_rows, udf_struct,
};

udf_struct!(
    /// `element_at(map, key)` and `element_at(array, index)`.
    ElementAt
);

/// The key and value types of a map type.
fn map_entry_types(map_type: &DataType) -> Option<(&DataType, &DataType)> {
    let DataType::Map(entries, _) = map_type else {
        return None;
    };
    let DataType::Struct(fields) = entries.data_type() else {
        return None;
    };
    match fields.iter().as_slice() {
        [key, value] => Some((key.data_type(), value.data_type())),
        _ => None,
    }
}

/// Whether a key of type `given` can be cast to the map's key type without
/// changing what it means (strings to strings, integers to integers).
fn is_compatible_key(given: &DataType, key: &DataType) -> bool {
    given == key
        || given.is_null()
        || (given.is_integer() && key.is_integer())
        || (given.is_floating() && key.is_floating())
        || (is_string(given) && is_string(key))
}

impl ScalarUDFImpl for ElementAt {
    fn name(&self) -> &str {
        "element_at"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let name = self.name();
        check_arg_count(name, arg_types, 2, 2)?;
        let (container, key) = (&arg_types[0], &arg_types[1]);
        match container {
            DataType::Map(_, _) => match map_entry_types(container) {
                Some((key_type, _)) if is_compatible_key(key, key_type) => {
                    Ok(vec![container.clone(), key_type.clone()])
                }
                Some((key_type, _)) => {
                    plan_err!("{name}: map key is {key_type}, got a key of type {key}")
                }
                None => plan_err!("{name}: malformed map type {container}"),
            },
            DataType::List(_) | DataType::LargeList(_) => {
                Ok(vec![container.clone(), bigint(name, 2, key)?])
            }
            DataType::FixedSizeList(field, _) => Ok(vec![
                DataType::List(Arc::clone(field)),
                bigint(name, 2, key)?,
            ]),
            DataType::Null => Ok(vec![DataType::Null, key.clone()]),
            other => plan_err!("{name} expects a map or an array, got {other}"),
        }
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match &arg_types[0] {
            DataType::Null => Ok(DataType::Null),
            DataType::List(field) | DataType::LargeList(field) => Ok(field.data_type().clone()),
            map_type => match map_entry_types(map_type) {
                Some((_, value_type)) => Ok(value_type.clone()),
                None => plan_err!("{} expects a map or an array, got {map_type}", self.name()),
            },
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        match args.args[0].data_type() {
            DataType::Null => Ok(ColumnarValue::Scalar(ScalarValue::Null)),
            DataType::Map(_, _) => {
                let rows = output_rows(&args.args, args.number_rows);
                let maps = args.args[0].to_array(rows)?;
                let values = lookup(maps.as_map(), &args.args[1])?;
                output(values, &args.args)
            }
            _ => {
                reject_zero_index(&args.args[1])?;
                array_element_udf().invoke_with_args(args)
            }
        }
    }
}

/// Trino's array indexes start at 1; DataFusion would return NULL for 0.
fn reject_zero_index(index: &ColumnarValue) -> Result<()> {
    let index = PrimitiveArg::<Int64Type>::new("element_at", index)?;
    let has_zero = match &index {
        PrimitiveArg::Scalar(value) => *value == Some(0),
        PrimitiveArg::Array(array) => array.iter().any(|value| value == Some(0)),
    };
    if has_zero {
        return exec_err!("SQL array indices start at 1");
    }
    Ok(())
}

/// For each map, the value under `key` (a constant or one key per row), or
/// NULL when the map, the key or the entry is missing.
fn lookup(maps: &MapArray, key: &ColumnarValue) -> Result<ArrayRef> {
    let offsets = maps.value_offsets();
    let entries = |row: usize| offsets[row] as usize..offsets[row + 1] as usize;
    let keys = maps.keys();
    let positions: UInt64Array = match key {
        ColumnarValue::Scalar(key) if key.is_null() => {
            return Ok(new_null_array(maps.values().data_type(), maps.len()));
        }
        ColumnarValue::Scalar(key) => {
            let matches = eq(keys, &Scalar::new(key.to_array()?))?;
            (0..maps.len())
                .map(|row| {
                    maps.is_valid(row)
                        .then(|| entries(row).find(|&i| matches.is_valid(i) && matches.value(i)))
                        .flatten()
                        .map(|i| i as u64)
                })
                .collect()
        }
        ColumnarValue::Array(wanted) => {
            let compare = make_comparator(keys.as_ref(), wanted.as_ref(), SortOptions::default())?;
            (0..maps.len())
                .map(|row| {
                    (maps.is_valid(row) && wanted.is_valid(row))
                        .then(|| entries(row).find(|&i| compare(i, row).is_eq()))
                        .flatten()
                        .map(|i| i as u64)
                })
                .collect()
        }
    };
    Ok(take(maps.values().as_ref(), &positions, None)?)
}
