//! Rollup groups back to Arrow: text from the interned ids, maps rebuilt in the lake's
//! `key_value` layout, sums as NULL where no line had a value.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, Float64Array, Int64Array, MapBuilder, MapFieldNames, RecordBatch, StringArray,
    StringBuilder, TimestampMillisecondArray,
};
use arrow::datatypes::{Schema, SchemaRef};
use costscope_core::rollup::{self as spec, Rollup};

use super::intern::{Maps, Strings};
use super::{CATEGORIES, Key, MS_PER_DAY, PRODUCT, Sums, TAGS};

/// Rows per batch handed to the writer (one row group each).
const BATCH_ROWS: usize = 64 * 1024;

/// The interned values the ids of a key refer to.
pub struct MapsOf<'a> {
    pub strings: &'a Strings,
    pub product: &'a Maps,
    pub categories: &'a Maps,
    pub tags: &'a Maps,
}

/// The groups as batches of `rollup`'s schema without `billing_period` (the writer
/// appends it).
pub fn batches(
    rollup: Rollup,
    groups: Vec<(Key, Sums)>,
    maps: &MapsOf,
) -> arrow::error::Result<Vec<RecordBatch>> {
    let full = rollup.schema();
    let schema: SchemaRef = Arc::new(Schema::new(
        full.fields()[..full.fields().len() - 1].to_vec(),
    ));
    let text: Vec<(usize, &str)> = spec::TEXT_COLUMNS
        .iter()
        .enumerate()
        .filter(|(_, c)| rollup.text_columns().any(|kept| kept == **c))
        .map(|(i, c)| (i, *c))
        .collect();
    groups
        .chunks(BATCH_ROWS)
        .map(|chunk| {
            let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
            columns.push(Arc::new(TimestampMillisecondArray::from_iter(
                chunk
                    .iter()
                    .map(|(k, _)| k.day.map(|d| i64::from(d) * MS_PER_DAY)),
            )));
            for (i, _) in &text {
                columns.push(Arc::new(StringArray::from_iter(
                    chunk.iter().map(|(k, _)| maps.strings.get(k.ids[*i])),
                )));
            }
            columns.push(Arc::new(Int64Array::from_iter(
                chunk.iter().map(|(k, _)| k.span),
            )));
            for (slot, interned) in [
                (PRODUCT, maps.product),
                (CATEGORIES, maps.categories),
                (TAGS, maps.tags),
            ] {
                columns.push(map_column(chunk, slot, interned, maps.strings)?);
            }
            for measure in 0..spec::SUM_COUNT {
                columns.push(Arc::new(Float64Array::from_iter(chunk.iter().map(
                    |(_, s)| (s.present & (1 << measure) != 0).then_some(s.values[measure]),
                ))));
            }
            columns.push(Arc::new(Int64Array::from_iter_values(
                chunk.iter().map(|(_, s)| s.lines),
            )));
            RecordBatch::try_new(schema.clone(), columns)
        })
        .collect()
}

fn map_column(
    chunk: &[(Key, Sums)],
    slot: usize,
    interned: &Maps,
    strings: &Strings,
) -> arrow::error::Result<ArrayRef> {
    let names = MapFieldNames {
        entry: "key_value".into(),
        key: "key".into(),
        value: "value".into(),
    };
    let mut builder = MapBuilder::new(Some(names), StringBuilder::new(), StringBuilder::new());
    for (key, _) in chunk {
        let id = key.ids[slot];
        if id == super::intern::NULL {
            builder.append(false)?;
            continue;
        }
        for (k, v) in interned.get(id) {
            builder
                .keys()
                .append_value(strings.get(*k).unwrap_or_default());
            builder.values().append_option(strings.get(*v));
        }
        builder.append(true)?;
    }
    Ok(Arc::new(builder.finish()))
}
