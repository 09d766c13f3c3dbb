//! The user's own SQL, and the lake's tables. This is the one request that carries SQL:
//! it runs in the principal's session like every analysis, read-only.

use costscope_query::QueryResult;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{App, Error, Principal, Result};

/// The longest statement accepted (a guard against oversized requests).
pub const MAX_QUERY_BYTES: usize = 256 * 1024;

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
    /// Absent for restricted principals.
    pub files: Option<u64>,
    pub rows: Option<u64>,
    pub source: String,
    pub ingested_at: String,
}

impl App {
    /// Runs the statement in `principal`'s session (statements that would write are
    /// refused: the lake changes only by ingest), and records it in the audit log and the
    /// workgroup's query history before answering.
    pub async fn sql(&self, principal: &Principal, request: &SqlRequest) -> Result<SqlResponse> {
        if request.query.len() > MAX_QUERY_BYTES {
            return Err(Error::InvalidRequest(format!(
                "the query has {} bytes, over the {MAX_QUERY_BYTES} a statement may have",
                request.query.len()
            )));
        }
        self.audit_query(principal, request, async {
            let session = self.session(principal).await?;
            Ok(session.sql(&request.query).await?)
        })
        .await
    }

    /// The lake's published partitions, table by table: the tables `principal` may use.
    /// A restricted principal is not told how many files and rows a partition has (its
    /// rows are a part of them; `SELECT COUNT(*)` counts those).
    pub async fn tables(&self, principal: &Principal) -> Result<Vec<TablePartition>> {
        self.audit_read(principal, "tables", &serde_json::json!({}), async {
            let manifest = self.lake()?.manifest()?;
            let counts = principal.is_admin();
            Ok(manifest
                .tables
                .iter()
                .filter(|(table, _)| principal.table(table).is_some())
                .flat_map(|(table, entry)| {
                    entry
                        .partitions
                        .iter()
                        .map(move |(partition, p)| TablePartition {
                            table: table.clone(),
                            partition: partition.clone(),
                            files: counts.then_some(p.files.len() as u64),
                            rows: counts.then_some(p.rows),
                            source: p.source.clone(),
                            ingested_at: p.ingested_at.clone(),
                        })
                })
                .collect())
        })
        .await
    }
}
