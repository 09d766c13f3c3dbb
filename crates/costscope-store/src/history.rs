//! Query history per workgroup, as Athena keeps it: who ran which SQL when, in which
//! workgroup, for how long, scanning how many bytes, returning how many rows, and how it
//! ended. Each query is recorded in the same transaction as its audit entry.

use rusqlite::params;
use serde::Serialize;

use crate::audit::{Entry, NewEntry};
use crate::{Migration, Result, Store};

/// This module's schema changes, in order.
pub(crate) const MIGRATIONS: &[Migration] = &[Migration {
    name: "query-history-1",
    sql: "CREATE TABLE query_history (
              id INTEGER PRIMARY KEY,
              audit_seq INTEGER NOT NULL,
              started_at TEXT NOT NULL,
              principal TEXT NOT NULL,
              workgroup TEXT,
              query TEXT NOT NULL,
              duration_ms INTEGER NOT NULL,
              scanned_bytes INTEGER,
              rows_returned INTEGER,
              status TEXT NOT NULL,
              error_kind TEXT,
              message TEXT
          );
          CREATE INDEX query_history_by_workgroup ON query_history (workgroup, id);",
}];

/// What the audit entry does not already say about a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewQuery {
    /// When it started ([`crate::audit::now`] form).
    pub started_at: String,
    pub query: String,
    pub duration_ms: u64,
    /// Bytes read from the lake, when the engine reports them.
    pub scanned_bytes: Option<u64>,
}

/// One query as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueryRecord {
    pub id: u64,
    /// Its entry in the audit log.
    pub audit_seq: u64,
    pub started_at: String,
    pub principal: String,
    pub workgroup: Option<String>,
    pub query: String,
    pub duration_ms: u64,
    pub scanned_bytes: Option<u64>,
    pub rows: Option<u64>,
    /// `ok` or `error`.
    pub status: String,
    pub error_kind: Option<String>,
    pub message: Option<String>,
}

/// Whose queries a reader may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryScope {
    /// Every query (administrators).
    All,
    /// The queries of these workgroups, and the reader's own queries run outside any
    /// workgroup.
    Member {
        principal: String,
        workgroups: Vec<String>,
    },
}

/// Which queries to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryFilter {
    pub scope: HistoryScope,
    /// Only this workgroup.
    pub workgroup: Option<String>,
    /// Started at or after this time ([`crate::audit::normalise_time`] form).
    pub since: Option<String>,
    /// The latest N.
    pub limit: Option<u64>,
}

const COLUMNS: &str = "id, audit_seq, started_at, principal, workgroup, query, duration_ms, \
                       scanned_bytes, rows_returned, status, error_kind, message";

fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<QueryRecord> {
    Ok(QueryRecord {
        id: row.get(0)?,
        audit_seq: row.get(1)?,
        started_at: row.get(2)?,
        principal: row.get(3)?,
        workgroup: row.get(4)?,
        query: row.get(5)?,
        duration_ms: row.get(6)?,
        scanned_bytes: row.get(7)?,
        rows: row.get(8)?,
        status: row.get(9)?,
        error_kind: row.get(10)?,
        message: row.get(11)?,
    })
}

impl Store {
    /// Appends the audit entry of a query and its history row, in one transaction.
    pub fn record_query(&self, entry: &NewEntry, query: &NewQuery) -> Result<Entry> {
        self.append_audit_with(
            entry,
            Box::new(|transaction, recorded| {
                transaction.execute(
                    &format!(
                        "INSERT INTO query_history ({COLUMNS})
                         VALUES (NULL, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
                    ),
                    params![
                        recorded.seq,
                        query.started_at,
                        recorded.principal,
                        recorded.workgroup,
                        query.query,
                        query.duration_ms,
                        query.scanned_bytes,
                        recorded.rows,
                        recorded.status,
                        recorded.error_kind,
                        recorded.message
                    ],
                )?;
                Ok(())
            }),
        )
    }

    /// Queries matching `filter` within its scope, latest first.
    pub fn query_history(&self, filter: &HistoryFilter) -> Result<Vec<QueryRecord>> {
        let mut conditions = Vec::new();
        let mut values: Vec<rusqlite::types::Value> = Vec::new();
        if let HistoryScope::Member {
            principal,
            workgroups,
        } = &filter.scope
        {
            values.push(principal.clone().into());
            let mut allowed = format!("(workgroup IS NULL AND principal = ?{})", values.len());
            for workgroup in workgroups {
                values.push(workgroup.clone().into());
                allowed.push_str(&format!(" OR workgroup = ?{}", values.len()));
            }
            conditions.push(format!("({allowed})"));
        }
        if let Some(workgroup) = &filter.workgroup {
            values.push(workgroup.clone().into());
            conditions.push(format!("workgroup = ?{}", values.len()));
        }
        if let Some(since) = &filter.since {
            values.push(since.clone().into());
            conditions.push(format!("started_at >= ?{}", values.len()));
        }
        let filter_sql = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        values.push(
            filter
                .limit
                .map_or(-1, |n| n.min(i64::MAX as u64) as i64)
                .into(),
        );
        let sql = format!(
            "SELECT {COLUMNS} FROM query_history {filter_sql} ORDER BY id DESC LIMIT ?{}",
            values.len()
        );
        let connection = self.connection();
        let mut statement = connection.prepare(&sql)?;
        let rows = statement.query_map(rusqlite::params_from_iter(values), read_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
