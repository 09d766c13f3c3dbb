//! `map_without_keys(map, key, ...)`: the map without the given keys, for grants that hide
//! tag keys (`resource_tags['user_cost_center']`). Not registered under any name: only
//! restricted scans call it.

use std::collections::BTreeSet;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, MapArray};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::compute::{cast, filter};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{ScalarValue, exec_err};
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

/// The function as a UDF.
pub fn without_keys() -> ScalarUDF {
    ScalarUDF::new_from_impl(MapWithoutKeys {
        signature: Signature::variadic_any(Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct MapWithoutKeys {
    signature: Signature,
}

impl ScalarUDFImpl for MapWithoutKeys {
    fn name(&self) -> &str {
        "map_without_keys"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> DfResult<DataType> {
        match arg_types.first() {
            Some(map @ DataType::Map(..)) => Ok(map.clone()),
            other => exec_err!("map_without_keys takes a map, not {other:?}"),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let mut hidden = BTreeSet::new();
        for key in &args.args[1..] {
            match key {
                ColumnarValue::Scalar(ScalarValue::Utf8(Some(k))) => {
                    hidden.insert(k.clone());
                }
                other => return exec_err!("map_without_keys: key {other:?} is not a string"),
            }
        }
        let rows = args.number_rows;
        let map = args.args[0].clone().into_array(rows)?;
        Ok(ColumnarValue::Array(remove_keys(&map, &hidden)?))
    }
}

fn remove_keys(map: &ArrayRef, hidden: &BTreeSet<String>) -> DfResult<ArrayRef> {
    let map = map.as_map();
    let keys = cast(map.keys(), &DataType::Utf8)?;
    let keys = keys.as_string::<i32>();
    let keep: BooleanArray = keys
        .iter()
        .map(|k| Some(!k.is_some_and(|k| hidden.contains(k))))
        .collect();
    // A sliced map's offsets index its whole entries array, so they need not start at 0.
    let offsets = map.value_offsets();
    let base = offsets[0] as usize;
    let mut kept = Vec::with_capacity(offsets.len());
    kept.push(0i32);
    let mut total = 0i32;
    for window in offsets.windows(2) {
        let (start, end) = (window[0] as usize, window[1] as usize);
        total += keep.slice(start, end - start).true_count() as i32;
        kept.push(total);
    }
    let length = offsets[offsets.len() - 1] as usize - base;
    let entries = map.entries().slice(base, length);
    let keep = keep.slice(base, length);
    let entries = filter(&entries, &keep)?;
    let field = match map.data_type() {
        DataType::Map(field, _) => field.clone(),
        _ => unreachable!("as_map checked the type"),
    };
    let sorted = matches!(map.data_type(), DataType::Map(_, true));
    Ok(Arc::new(MapArray::try_new(
        field,
        OffsetBuffer::new(kept.into()),
        entries.as_struct().clone(),
        map.nulls().cloned(),
        sorted,
    )?))
}
