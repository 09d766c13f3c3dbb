//! The user's own SQL, and the lake's tables. This is the one request that carries SQL:
//! it runs in the principal's session like every analysis, read-only.

use costscope_query::QueryResult;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{App, Principal, Result};

/// One Athena-compatible SQL statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SqlRequest {
    pub query: String,
}

/// The rows and their schema, as Arrow.
pub type SqlResponse = QueryResult;

/// One published partition of a lake table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct TablePartition {
    pub table: String,
    pub partition: String,
    pub files: u64,
    pub rows: u64,
    pub source: String,
    pub ingested_at: String,
}

impl App {
    /// Runs the statement in `principal`'s session (statements that would write are
    /// refused: the lake changes only by ingest).
    pub async fn sql(&self, principal: &Principal, request: &SqlRequest) -> Result<SqlResponse> {
        let session = self.session(principal).await?;
        Ok(session.sql(&request.query).await?)
    }

    /// The lake's published partitions, table by table.
    pub async fn tables(&self, _principal: &Principal) -> Result<Vec<TablePartition>> {
        let manifest = self.lake()?.manifest()?;
        Ok(manifest
            .tables
            .iter()
            .flat_map(|(table, entry)| {
                entry
                    .partitions
                    .iter()
                    .map(move |(partition, p)| TablePartition {
                        table: table.clone(),
                        partition: partition.clone(),
                        files: p.files.len() as u64,
                        rows: p.rows,
                        source: p.source.clone(),
                        ingested_at: p.ingested_at.clone(),
                    })
            })
            .collect())
    }
}
