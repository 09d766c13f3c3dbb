//! Turning query results into typed rows.

use arrow::array::RecordBatch;
pub use costscope_core::sql::{ident, literal};
use costscope_query::{QueryOptions, QueryResult, Session};
use serde::de::DeserializeOwned;

use crate::Result;

/// Decodes every row of `result` into `T` (fields matched by column name; dates and
/// timestamps arrive as ISO strings, NULL as `None`).
pub fn decode<T: DeserializeOwned>(result: &QueryResult) -> Result<Vec<T>> {
    decode_batches(&result.batches)
}

/// Decodes record batches into `T`.
pub fn decode_batches<T: DeserializeOwned>(batches: &[RecordBatch]) -> Result<Vec<T>> {
    let mut writer = arrow::json::ArrayWriter::new(Vec::new());
    let refs: Vec<&RecordBatch> = batches.iter().filter(|b| b.num_rows() > 0).collect();
    if refs.is_empty() {
        return Ok(Vec::new());
    }
    writer.write_batches(&refs)?;
    writer.finish()?;
    Ok(serde_json::from_slice(&writer.into_inner())?)
}

/// Runs `sql` in `session` and decodes its rows into `T`.
pub async fn query<T: DeserializeOwned>(session: &Session, sql: &str) -> Result<Vec<T>> {
    let result = session.sql(sql).await?;
    decode(&result)
}

/// Runs `sql` in `session` as a selective scan (see [`QueryOptions::selective`]), and
/// decodes its rows into `T`.
pub async fn query_selective<T: DeserializeOwned>(session: &Session, sql: &str) -> Result<Vec<T>> {
    let result = session.sql_with(sql, QueryOptions::selective()).await?;
    decode(&result)
}
