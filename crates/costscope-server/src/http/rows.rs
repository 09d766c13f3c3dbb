//! SQL results over HTTP: `{"columns": [{"name", "type"}], "rows": [[...]]}` with values
//! as Arrow's JSON writer encodes them (dates and timestamps as strings, maps as objects,
//! NaN and infinities as null), or an Arrow IPC stream.

use arrow::array::RecordBatch;
use arrow::ipc::writer::StreamWriter;
use arrow::json::writer::{EncoderOptions, make_encoder};
use costscope_query::QueryResult;
use serde::Serialize;

use crate::{Error, Result};

/// The media type of Arrow IPC streams.
pub const ARROW_STREAM: &str = "application/vnd.apache.arrow.stream";

#[derive(Serialize)]
struct Column<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    data_type: String,
}

/// The result as JSON rows.
pub fn json(result: &QueryResult) -> Result<Vec<u8>> {
    let columns: Vec<Column> = result
        .schema
        .fields()
        .iter()
        .map(|f| Column {
            name: f.name(),
            data_type: f.data_type().to_string(),
        })
        .collect();
    let mut out = b"{\"columns\":".to_vec();
    serde_json::to_writer(&mut out, &columns).map_err(|e| Error::Encode(e.to_string()))?;
    out.extend_from_slice(b",\"rows\":[");
    let mut first = true;
    for batch in &result.batches {
        write_rows(batch, &mut out, &mut first)?;
    }
    out.extend_from_slice(b"]}");
    Ok(out)
}

fn write_rows(batch: &RecordBatch, out: &mut Vec<u8>, first: &mut bool) -> Result<()> {
    let options = EncoderOptions::default();
    let schema = batch.schema();
    let mut encoders = schema
        .fields()
        .iter()
        .zip(batch.columns())
        .map(|(field, column)| make_encoder(field, column.as_ref(), &options))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::Encode(e.to_string()))?;
    for row in 0..batch.num_rows() {
        if !std::mem::take(first) {
            out.push(b',');
        }
        out.push(b'[');
        for (i, encoder) in encoders.iter_mut().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            if encoder.is_null(row) {
                out.extend_from_slice(b"null");
            } else {
                encoder.encode(row, out);
            }
        }
        out.push(b']');
    }
    Ok(())
}

/// The result as an Arrow IPC stream (the schema, then every batch).
pub fn arrow_stream(result: &QueryResult) -> Result<Vec<u8>> {
    let encode = |e: arrow::error::ArrowError| Error::Encode(e.to_string());
    // The batches' own schema, which may differ from the plan's in nullability.
    let schema = result
        .batches
        .first()
        .map(|b| b.schema())
        .unwrap_or_else(|| result.schema.clone());
    let mut writer = StreamWriter::try_new(Vec::new(), &schema).map_err(encode)?;
    for batch in &result.batches {
        writer.write(batch).map_err(encode)?;
    }
    writer.finish().map_err(encode)?;
    writer.into_inner().map_err(encode)
}
