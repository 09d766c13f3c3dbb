//! The audit log: one entry per request that read or changed anything, append-only and
//! hash-chained (`docs/audit.md`).
//!
//! Each entry carries the SHA-256 of its canonical encoding ([`chain`]), which includes the
//! hash of the entry before it; the head anchor ([`anchor`]) names the last entry from
//! outside the table; [`verify`] checks both. Appends are serialised across threads and
//! processes, and durable before they return (SQLite's full sync, a synced anchor).

pub mod anchor;
pub mod chain;
pub mod verify;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::Serialize;

pub use anchor::Head;
use anchor::{Anchor, AppendLock};

use crate::{Error, Migration, Result, Store};

/// This module's schema changes, in order. The triggers keep honest code from changing an
/// entry; they stop no one who can write the file, which is what the chain is for.
pub(crate) const MIGRATIONS: &[Migration] = &[Migration {
    name: "audit-1",
    sql: "CREATE TABLE audit_log (
              seq INTEGER PRIMARY KEY,
              at TEXT NOT NULL,
              principal TEXT NOT NULL,
              workgroup TEXT,
              action TEXT NOT NULL,
              parameters TEXT NOT NULL,
              status TEXT NOT NULL CHECK (status IN ('started', 'ok', 'error')),
              error_kind TEXT,
              message TEXT,
              rows_returned INTEGER,
              previous_hash TEXT NOT NULL,
              hash TEXT NOT NULL
          );
          CREATE INDEX audit_log_by_principal ON audit_log (principal, seq);
          CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
          BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
          CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
          BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
}];

/// How a request ended, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A state change about to be applied (its outcome follows in another entry).
    Started,
    Ok,
    /// Failed, with the error's kind (`ErrorKind::name`) and message.
    Error {
        kind: String,
        message: String,
    },
}

/// An entry to append; the store adds the sequence number, the time and the hashes.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEntry {
    pub principal: String,
    pub workgroup: Option<String>,
    /// `sql`, `analysis.cost`, `anomaly.feedback`, `recommendation.accept`, `ingest` …
    pub action: String,
    /// The request: query text, analysis parameters.
    pub parameters: serde_json::Value,
    pub outcome: Outcome,
    /// Rows returned (reads) or changed (state changes), when the response has rows.
    pub rows: Option<u64>,
}

/// A recorded entry, exactly as stored and hashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub seq: u64,
    /// UTC, RFC 3339 with microseconds: `2026-10-20T08:00:00.123456Z`.
    pub at: String,
    pub principal: String,
    pub workgroup: Option<String>,
    pub action: String,
    /// JSON text, byte for byte as hashed.
    pub parameters: String,
    /// `started`, `ok` or `error`.
    pub status: String,
    pub error_kind: Option<String>,
    pub message: Option<String>,
    pub rows: Option<u64>,
    pub previous_hash: String,
    pub hash: String,
}

impl Entry {
    /// The head this entry would be as the last of the log.
    pub fn head(&self) -> Head {
        Head {
            seq: self.seq,
            hash: self.hash.clone(),
        }
    }
}

/// Which entries to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Entries at or after this time ([`normalise_time`] form).
    pub since: Option<String>,
    pub principal: Option<String>,
    /// An action, or a prefix ending in `*` (`recommendation.*`).
    pub action: Option<String>,
    /// Only the last N matching entries.
    pub limit: Option<u64>,
}

const COLUMNS: &str = "seq, at, principal, workgroup, action, parameters, status, error_kind, \
                       message, rows_returned, previous_hash, hash";

pub(crate) fn read_entry(row: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    Ok(Entry {
        seq: row.get(0)?,
        at: row.get(1)?,
        principal: row.get(2)?,
        workgroup: row.get(3)?,
        action: row.get(4)?,
        parameters: row.get(5)?,
        status: row.get(6)?,
        error_kind: row.get(7)?,
        message: row.get(8)?,
        rows: row.get(9)?,
        previous_hash: row.get(10)?,
        hash: row.get(11)?,
    })
}

/// Now, in the form entries record.
pub fn now() -> String {
    format_time(Utc::now())
}

fn format_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A user's `YYYY-MM-DD` (midnight UTC) or RFC 3339 time in the form entries record, so that
/// times compare as text.
pub fn normalise_time(text: &str) -> Result<String> {
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(format_time(day.and_time(chrono::NaiveTime::MIN).and_utc()));
    }
    DateTime::parse_from_rfc3339(text)
        .map(|time| format_time(time.with_timezone(&Utc)))
        .map_err(|_| Error::InvalidTime {
            time: text.to_string(),
        })
}

/// Work done in the transaction of an append, after the entry is inserted (a query's
/// history row).
pub(crate) type Also<'a> = Box<dyn FnOnce(&rusqlite::Transaction<'_>, &Entry) -> Result<()> + 'a>;

impl Store {
    /// Appends `entry` and returns it as recorded. Returns only once the entry and the
    /// anchor are on disk; any failure is an error and records nothing.
    pub fn append_audit(&self, entry: &NewEntry) -> Result<Entry> {
        self.append_audit_with(entry, Box::new(|_, _| Ok(())))
    }

    /// [`Store::append_audit`], running `also` in the same transaction.
    pub(crate) fn append_audit_with(&self, entry: &NewEntry, also: Also<'_>) -> Result<Entry> {
        let anchor = self.anchor();
        let lock = anchor.as_ref().map(Anchor::lock).transpose()?;
        self.append_locked(lock.as_ref(), entry, true, also)
    }

    /// Re-anchors the log at its current last entry, recording who did it and what the
    /// anchor and the log said before, once `costscope audit verify` has shown why they
    /// differed (an append interrupted between commit and anchor, or tampering that has
    /// been investigated). The new entry carries the old anchor, so this is never silent.
    pub fn reanchor_audit(&self, principal: &str, workgroup: Option<&str>) -> Result<Entry> {
        let anchor = self.anchor();
        let lock = anchor.as_ref().map(Anchor::lock).transpose()?;
        let anchored = match anchor.as_ref().map(Anchor::read).transpose() {
            Ok(head) => serde_json::to_value(head.flatten())?,
            Err(error) => serde_json::Value::String(format!("unreadable: {error}")),
        };
        let entry = NewEntry {
            principal: principal.to_string(),
            workgroup: workgroup.map(str::to_string),
            action: "audit.reanchor".into(),
            parameters: serde_json::json!({
                "anchor": anchored,
                "tail": self.audit_head()?.map(|e| e.head()),
            }),
            outcome: Outcome::Ok,
            rows: None,
        };
        self.append_locked(lock.as_ref(), &entry, false, Box::new(|_, _| Ok(())))
    }

    fn append_locked(
        &self,
        lock: Option<&AppendLock>,
        entry: &NewEntry,
        check_anchor: bool,
        also: Also<'_>,
    ) -> Result<Entry> {
        let anchor = self.anchor();
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let tail = transaction
            .query_row(
                "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
                [],
                |row| {
                    Ok(Head {
                        seq: row.get(0)?,
                        hash: row.get(1)?,
                    })
                },
            )
            .optional()?;
        if let (Some(anchor), true) = (&anchor, check_anchor) {
            let anchored = anchor.read()?;
            if anchored != tail {
                let name = |head: Option<Head>| head.map_or("no entry".into(), |h| h.to_string());
                return Err(Error::AuditHeadMismatch {
                    anchor_path: anchor.path().display().to_string(),
                    anchor: name(anchored),
                    tail: name(tail),
                });
            }
        }
        let (outcome, error_kind, message) = match &entry.outcome {
            Outcome::Started => ("started", None, None),
            Outcome::Ok => ("ok", None, None),
            Outcome::Error { kind, message } => {
                ("error", Some(kind.clone()), Some(message.clone()))
            }
        };
        let mut stored = Entry {
            seq: tail.as_ref().map_or(1, |t| t.seq + 1),
            at: now(),
            principal: entry.principal.clone(),
            workgroup: entry.workgroup.clone(),
            action: entry.action.clone(),
            parameters: serde_json::to_string(&entry.parameters)?,
            status: outcome.into(),
            error_kind,
            message,
            rows: entry.rows,
            previous_hash: tail.map_or_else(|| chain::GENESIS.to_string(), |t| t.hash),
            hash: String::new(),
        };
        stored.hash = chain::hash(&stored);
        transaction.execute(
            &format!("INSERT INTO audit_log ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
            params![
                stored.seq,
                stored.at,
                stored.principal,
                stored.workgroup,
                stored.action,
                stored.parameters,
                stored.status,
                stored.error_kind,
                stored.message,
                stored.rows,
                stored.previous_hash,
                stored.hash
            ],
        )?;
        also(&transaction, &stored)?;
        if let (Some(anchor), Some(lock)) = (&anchor, lock) {
            anchor.stage(&stored.head(), lock)?;
            if let Err(error) = transaction.commit() {
                anchor.discard(lock);
                return Err(error.into());
            }
            anchor.publish(lock)?;
        } else {
            transaction.commit()?;
        }
        Ok(stored)
    }

    /// The last entry, if any.
    pub fn audit_head(&self) -> Result<Option<Entry>> {
        let connection = self.connection();
        Ok(connection
            .query_row(
                &format!("SELECT {COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT 1"),
                [],
                read_entry,
            )
            .optional()?)
    }

    /// Entries matching `filter`, oldest first.
    pub fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<Entry>> {
        let mut conditions = Vec::new();
        let mut values: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(since) = &filter.since {
            values.push(since.clone().into());
            conditions.push(format!("at >= ?{}", values.len()));
        }
        if let Some(principal) = &filter.principal {
            values.push(principal.clone().into());
            conditions.push(format!("principal = ?{}", values.len()));
        }
        match filter
            .action
            .as_deref()
            .map(|a| a.strip_suffix('*').ok_or(a))
        {
            Some(Ok(prefix)) => {
                values.push(prefix.to_string().into());
                let n = values.len();
                conditions.push(format!("substr(action, 1, length(?{n})) = ?{n}"));
            }
            Some(Err(action)) => {
                values.push(action.to_string().into());
                conditions.push(format!("action = ?{}", values.len()));
            }
            None => {}
        }
        let filter_sql = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let limit = filter.limit.map_or(-1, |n| n.min(i64::MAX as u64) as i64);
        values.push(limit.into());
        let sql = format!(
            "SELECT * FROM (SELECT {COLUMNS} FROM audit_log {filter_sql}
                 ORDER BY seq DESC LIMIT ?{}) ORDER BY seq",
            values.len()
        );
        let connection = self.connection();
        let mut statement = connection.prepare(&sql)?;
        let rows = statement.query_map(rusqlite::params_from_iter(values), read_entry)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The anchor of a store kept in a file.
    fn anchor(&self) -> Option<Anchor> {
        self.path().map(Anchor::beside)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: &str) -> NewEntry {
        NewEntry {
            principal: "alice".into(),
            workgroup: None,
            action: action.into(),
            parameters: serde_json::json!({"query": "SELECT 1"}),
            outcome: Outcome::Ok,
            rows: Some(1),
        }
    }

    #[test]
    fn entries_chain_from_the_genesis_hash() {
        let store = Store::in_memory().expect("store");
        let first = store.append_audit(&entry("sql")).expect("append");
        let second = store.append_audit(&entry("tables")).expect("append");
        assert_eq!((first.seq, second.seq), (1, 2));
        assert_eq!(first.previous_hash, chain::GENESIS);
        assert_eq!(second.previous_hash, first.hash);
        assert_eq!(chain::hash(&second), second.hash);
        assert_eq!(store.audit_head().expect("head"), Some(second));
    }

    #[test]
    fn times_are_normalised_to_utc_and_bad_ones_named() {
        assert_eq!(
            normalise_time("2026-10-20").expect("day"),
            "2026-10-20T00:00:00.000000Z"
        );
        assert_eq!(
            normalise_time("2026-10-20T10:30:00+02:00").expect("offset"),
            "2026-10-20T08:30:00.000000Z"
        );
        let error = normalise_time("yesterday").expect_err("refused");
        assert!(error.to_string().contains("yesterday"), "{error}");
        assert_eq!(error.kind(), costscope_core::ErrorKind::User);
    }

    #[test]
    fn the_table_refuses_updates_and_deletes() {
        let store = Store::in_memory().expect("store");
        store.append_audit(&entry("sql")).expect("append");
        let connection = store.connection();
        for statement in [
            "UPDATE audit_log SET principal = 'mallory'",
            "DELETE FROM audit_log",
        ] {
            let error = connection.execute(statement, []).expect_err("refused");
            assert!(error.to_string().contains("append-only"), "{error}");
        }
    }
}
