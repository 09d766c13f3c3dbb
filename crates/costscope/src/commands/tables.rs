//! `costscope tables`: the lake's published partitions.

use arrow::array::{RecordBatch, StringArray, UInt64Array};
use arrow::datatypes::{DataType, Field, Schema};
use costscope_lake::Lake;
use costscope_query::QueryResult;
use std::sync::Arc;

use crate::cli::{FormatArgs, Global};
use crate::output::print_result;

pub async fn run(global: &Global, args: FormatArgs) -> anyhow::Result<()> {
    let lake = Lake::open(&global.lake)?;
    let manifest = lake.manifest()?;
    let (mut tables, mut partitions, mut files, mut rows, mut sources, mut times) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for (table, entry) in &manifest.tables {
        for (partition, p) in &entry.partitions {
            tables.push(table.clone());
            partitions.push(partition.clone());
            files.push(p.files.len() as u64);
            rows.push(p.rows);
            sources.push(p.source.clone());
            times.push(p.ingested_at.clone());
        }
    }
    let schema = Arc::new(Schema::new(vec![
        Field::new("table", DataType::Utf8, false),
        Field::new("partition", DataType::Utf8, false),
        Field::new("files", DataType::UInt64, false),
        Field::new("rows", DataType::UInt64, false),
        Field::new("source", DataType::Utf8, false),
        Field::new("ingested_at", DataType::Utf8, false),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from(tables)),
            Arc::new(StringArray::from(partitions)),
            Arc::new(UInt64Array::from(files)),
            Arc::new(UInt64Array::from(rows)),
            Arc::new(StringArray::from(sources)),
            Arc::new(StringArray::from(times)),
        ],
    )?;
    print_result(
        &QueryResult {
            schema,
            batches: vec![batch],
        },
        args.format,
    )
}
