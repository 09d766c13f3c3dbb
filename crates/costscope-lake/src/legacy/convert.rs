//! Conversion of a legacy CUR batch to a batch with exactly the CUR 2.0 schema.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayBuilder, ArrayRef, AsArray, Float64Builder, MapBuilder, MapFieldNames, RecordBatch,
    RecordBatchOptions, StringBuilder, new_null_array,
};
use arrow::compute::is_not_null;
use arrow::compute::kernels::zip::zip;
use arrow::datatypes::{Float64Type, Schema};
use arrow::error::ArrowError;
use costscope_core::cur::{self, Kind};

use super::columns::{Target, target_of};
use super::csv::LineIndex;
use super::values::{Origin, to_kind};
use crate::{Error, Result};

/// The CUR 2.0 maps that legacy CUR flattens into one column per key. They are always
/// filled (a row without entries gets an empty map); the newer `tags` map has no legacy
/// source and stays NULL.
const LEGACY_MAPS: &[&str] = &["product", "resource_tags", "cost_category", "discount"];

/// Converts a batch read from a legacy file (by [`super::read_csv`], or from legacy
/// Parquet) into a batch whose schema is exactly [`cur::schema()`].
///
/// Flat columns are cast to their CUR 2.0 types (see [`super::values`]); CUR 2.0 columns
/// with no legacy source are NULL; map entries are gathered into the `product`,
/// `resource_tags`, `cost_category` and `discount` maps, skipping NULL and empty values.
/// When several legacy columns feed one flat column or one map key, the first non-NULL
/// (for keys: non-empty) value in column order wins. Ignored columns are dropped; see
/// [`super::ignored_columns`].
pub fn to_cur2(batch: &RecordBatch, file: &str) -> Result<RecordBatch> {
    let input = Input {
        batch,
        file,
        lines: LineIndex::of(batch.schema_ref()),
    };
    let plan = Plan::new(batch.schema_ref());
    let rows = batch.num_rows();
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(cur::COLUMNS.len());
    for (name, kind) in cur::COLUMNS {
        let column = if LEGACY_MAPS.contains(name) {
            let entries = plan.entries.get(name).map(Vec::as_slice);
            input.map_column(entries.unwrap_or_default(), *kind)?
        } else if let Some(sources) = plan.flat.get(name) {
            input.flat_column(sources, *kind)?
        } else {
            new_null_array(&kind.data_type(), rows)
        };
        columns.push(column);
    }
    let options = RecordBatchOptions::new().with_row_count(Some(rows));
    RecordBatch::try_new_with_options(cur::schema(), columns, &options)
        .map_err(|e| input.arrow_error(e))
}

/// The batch being converted, with what its errors need to name.
struct Input<'a> {
    batch: &'a RecordBatch,
    file: &'a str,
    lines: LineIndex,
}

impl Input<'_> {
    /// Input column `index` as the Arrow type of `kind`.
    fn convert(&self, index: usize, kind: Kind) -> Result<ArrayRef> {
        let origin = Origin {
            file: self.file,
            column: self.batch.schema_ref().field(index).name(),
            lines: &self.lines,
        };
        to_kind(self.batch.column(index), kind, &origin)
    }

    /// A flat column fed by `sources`: the first non-NULL value among them, row by row.
    fn flat_column(&self, sources: &[usize], kind: Kind) -> Result<ArrayRef> {
        let mut column = new_null_array(&kind.data_type(), self.batch.num_rows());
        for (n, &index) in sources.iter().enumerate() {
            let next = self.convert(index, kind)?;
            column = if n == 0 {
                next
            } else {
                is_not_null(&column)
                    .and_then(|mask| zip(&mask, &column, &next))
                    .map_err(|e| self.arrow_error(e))?
            };
        }
        Ok(column)
    }

    /// A map column of type `kind` from `entries`, each a key and the columns feeding it.
    fn map_column(&self, entries: &[(String, Vec<usize>)], kind: Kind) -> Result<ArrayRef> {
        let value_kind = if kind == Kind::MapF64 {
            Kind::F64
        } else {
            Kind::Str
        };
        let keyed = entries
            .iter()
            .map(|(key, sources)| {
                let values = sources
                    .iter()
                    .map(|&index| self.convert(index, value_kind))
                    .collect::<Result<Vec<_>>>()?;
                Ok((key.as_str(), values))
            })
            .collect::<Result<Vec<_>>>()?;
        build_map(&keyed, kind, self.batch.num_rows()).map_err(|e| self.arrow_error(e))
    }

    fn arrow_error(&self, source: ArrowError) -> Error {
        Error::Arrow {
            file: self.file.to_owned(),
            source,
        }
    }
}

/// Which input columns feed each flat column and each map key, in input order.
struct Plan {
    flat: HashMap<&'static str, Vec<usize>>,
    entries: HashMap<&'static str, Vec<(String, Vec<usize>)>>,
}

impl Plan {
    fn new(input: &Schema) -> Self {
        let mut flat: HashMap<&'static str, Vec<usize>> = HashMap::new();
        let mut entries: HashMap<&'static str, Vec<(String, Vec<usize>)>> = HashMap::new();
        for (index, field) in input.fields().iter().enumerate() {
            match target_of(field.name()) {
                Target::Column(name) => flat.entry(name).or_default().push(index),
                Target::MapEntry { map, key } => {
                    let keys = entries.entry(map).or_default();
                    match keys.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, sources)) => sources.push(index),
                        None => keys.push((key, vec![index])),
                    }
                }
                Target::Ignored => {}
            }
        }
        Self { flat, entries }
    }
}

/// Builds a map column with one entry per key whose value is set in the row; `entries`
/// pairs each key with its candidate columns, already converted to the map's value type.
fn build_map(
    entries: &[(&str, Vec<ArrayRef>)],
    kind: Kind,
    rows: usize,
) -> Result<ArrayRef, ArrowError> {
    if kind == Kind::MapF64 {
        fill_map(entries, rows, Float64Builder::new(), |out, column, row| {
            let column = column.as_primitive::<Float64Type>();
            let set = column.is_valid(row);
            if set {
                out.append_value(column.value(row));
            }
            set
        })
    } else {
        fill_map(entries, rows, StringBuilder::new(), |out, column, row| {
            let column = column.as_string::<i32>();
            let set = column.is_valid(row) && !column.value(row).is_empty();
            if set {
                out.append_value(column.value(row));
            }
            set
        })
    }
}

/// Fills a map in the [`cur::map_type`] layout; `append` copies a column's value at a row
/// into the value builder and says whether there was one.
fn fill_map<V: ArrayBuilder>(
    entries: &[(&str, Vec<ArrayRef>)],
    rows: usize,
    values: V,
    mut append: impl FnMut(&mut V, &ArrayRef, usize) -> bool,
) -> Result<ArrayRef, ArrowError> {
    let names = MapFieldNames {
        entry: "key_value".into(),
        key: "key".into(),
        value: "value".into(),
    };
    let mut map = MapBuilder::with_capacity(Some(names), StringBuilder::new(), values, rows);
    for row in 0..rows {
        for (key, sources) in entries {
            if sources
                .iter()
                .any(|column| append(map.values(), column, row))
            {
                map.keys().append_value(key);
            }
        }
        map.append(true)?;
    }
    Ok(Arc::new(map.finish()))
}
