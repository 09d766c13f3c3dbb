//! The lake's partitions as an Arrow batch.

use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, StringArray, UInt64Array};
use arrow::datatypes::{DataType, Field, Schema};

use crate::Result;
use crate::sql::TablePartition;

/// One row per partition: table, partition, files, rows, source, ingested_at.
pub fn batch(partitions: &[TablePartition]) -> Result<RecordBatch> {
    let text = |f: fn(&TablePartition) -> &str| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(partitions.iter().map(f)))
    };
    let number = |f: fn(&TablePartition) -> Option<u64>| -> ArrayRef {
        Arc::new(UInt64Array::from_iter(partitions.iter().map(f)))
    };
    let schema = Arc::new(Schema::new(vec![
        Field::new("table", DataType::Utf8, false),
        Field::new("partition", DataType::Utf8, false),
        Field::new("files", DataType::UInt64, true),
        Field::new("rows", DataType::UInt64, true),
        Field::new("source", DataType::Utf8, false),
        Field::new("ingested_at", DataType::Utf8, false),
    ]));
    Ok(RecordBatch::try_new(
        schema,
        vec![
            text(|p| &p.table),
            text(|p| &p.partition),
            number(|p| p.files),
            number(|p| p.rows),
            text(|p| &p.source),
            text(|p| &p.ingested_at),
        ],
    )?)
}
