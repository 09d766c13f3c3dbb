//! Turning query results into typed rows, and quoting values into SQL.

use arrow::array::RecordBatch;
use costscope_query::{QueryResult, Session};
use datafusion::prelude::{SQLOptions, SessionContext};
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

/// Runs `sql` in `session` with Parquet filter pushdown, and decodes its rows into `T`.
///
/// The scan then evaluates the `WHERE` conjuncts while decoding (late materialization): the
/// filter columns are read first, and the other columns (the tag and product maps above all)
/// only for the rows that pass. For the selective scans of the analyses (Bedrock lines, a
/// week, a window) this reads a fraction of the bytes; results are the same. The session's
/// own settings are left as they are (the state is a copy sharing the session's tables, so
/// the principal's filters apply).
pub async fn query_selective<T: DeserializeOwned>(session: &Session, sql: &str) -> Result<Vec<T>> {
    let mut state = session.context().state();
    let parquet = &mut state.config_mut().options_mut().execution.parquet;
    parquet.pushdown_filters = true;
    parquet.reorder_filters = true;
    let options = SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false);
    let batches = async {
        SessionContext::new_with_state(state)
            .sql_with_options(sql, options)
            .await?
            .collect()
            .await
    }
    .await
    .map_err(costscope_query::Error::from)?;
    decode_batches(&batches)
}

/// A string as an SQL literal: `O'Brien` → `'O''Brien'`.
pub fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// A name as an SQL identifier: `team` → `"team"`.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_and_identifiers_escape_their_quotes() {
        assert_eq!(literal("O'Brien"), "'O''Brien'");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
    }
}
