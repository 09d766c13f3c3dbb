//! Anomalies: every anomaly a scan detected, keyed by a stable id (monitor, dimension value
//! and start date), with its history across runs (first and last as-of day detected, number
//! of runs) and the feedback people gave it.

use rusqlite::{OptionalExtension, params};

use crate::{Error, Migration, Result, Store};

/// This module's schema changes, in order.
pub(crate) const MIGRATIONS: &[Migration] = &[Migration {
    name: "anomalies-1",
    sql: "CREATE TABLE anomalies (
              id TEXT PRIMARY KEY,
              monitor TEXT NOT NULL,
              kind TEXT NOT NULL,
              value TEXT NOT NULL,
              start_date TEXT NOT NULL,
              end_date TEXT,
              impact REAL NOT NULL,
              severity TEXT NOT NULL,
              detail TEXT NOT NULL,
              first_detected TEXT NOT NULL,
              last_detected TEXT NOT NULL,
              runs INTEGER NOT NULL DEFAULT 1,
              updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
          );
          CREATE TABLE anomaly_feedback (
              id TEXT PRIMARY KEY REFERENCES anomalies(id),
              state TEXT NOT NULL CHECK (state IN ('confirmed', 'expected', 'false-positive')),
              note TEXT,
              at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
          );",
}];

/// What a scan detected, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct AnomalyRecord {
    pub id: String,
    pub monitor: String,
    pub kind: String,
    pub value: String,
    /// `YYYY-MM-DD`.
    pub start: String,
    pub end: Option<String>,
    pub impact: f64,
    pub severity: String,
    /// The whole anomaly as JSON (root cause, evidence).
    pub detail: String,
}

/// What people said about an anomaly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedbackState {
    /// A real problem.
    Confirmed,
    /// A known change (a launch, a migration): do not alert again.
    Expected,
    /// Not a change at all: do not alert again.
    FalsePositive,
}

impl FeedbackState {
    pub fn name(self) -> &'static str {
        match self {
            FeedbackState::Confirmed => "confirmed",
            FeedbackState::Expected => "expected",
            FeedbackState::FalsePositive => "false-positive",
        }
    }

    /// Parses `confirmed`, `expected` or `false-positive`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "confirmed" => Some(FeedbackState::Confirmed),
            "expected" => Some(FeedbackState::Expected),
            "false-positive" => Some(FeedbackState::FalsePositive),
            _ => None,
        }
    }
}

/// Feedback on one anomaly.
#[derive(Debug, Clone, PartialEq)]
pub struct Feedback {
    pub state: FeedbackState,
    pub note: Option<String>,
    /// When it was given (UTC, ISO 8601).
    pub at: String,
}

/// A stored anomaly with its history.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAnomaly {
    pub record: AnomalyRecord,
    /// As-of day of the first and the latest run that detected it.
    pub first_detected: String,
    pub last_detected: String,
    pub runs: u32,
    pub feedback: Option<Feedback>,
}

const SELECT: &str = "SELECT a.id, a.monitor, a.kind, a.value, a.start_date, a.end_date, a.impact,
        a.severity, a.detail, a.first_detected, a.last_detected, a.runs, f.state, f.note, f.at
     FROM anomalies a LEFT JOIN anomaly_feedback f ON f.id = a.id";

fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredAnomaly> {
    let state: Option<String> = row.get(12)?;
    let feedback = match state.as_deref().and_then(FeedbackState::parse) {
        Some(state) => Some(Feedback {
            state,
            note: row.get(13)?,
            at: row.get(14)?,
        }),
        None => None,
    };
    Ok(StoredAnomaly {
        record: AnomalyRecord {
            id: row.get(0)?,
            monitor: row.get(1)?,
            kind: row.get(2)?,
            value: row.get(3)?,
            start: row.get(4)?,
            end: row.get(5)?,
            impact: row.get(6)?,
            severity: row.get(7)?,
            detail: row.get(8)?,
        },
        first_detected: row.get(9)?,
        last_detected: row.get(10)?,
        runs: row.get(11)?,
        feedback,
    })
}

impl Store {
    /// Records one run's anomalies (as of `as_of`, `YYYY-MM-DD`) in one transaction: new
    /// ones are inserted, known ones updated (latest figures, last detected, runs + 1).
    /// Returns each one as now stored, in the order given.
    pub fn record_anomalies(
        &self,
        records: &[AnomalyRecord],
        as_of: &str,
    ) -> Result<Vec<StoredAnomaly>> {
        self.transaction(|tx| {
            let mut stored = Vec::with_capacity(records.len());
            for r in records {
                tx.execute(
                    "INSERT INTO anomalies (id, monitor, kind, value, start_date, end_date,
                         impact, severity, detail, first_detected, last_detected)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)
                     ON CONFLICT (id) DO UPDATE SET
                         end_date = excluded.end_date, impact = excluded.impact,
                         severity = excluded.severity, detail = excluded.detail,
                         first_detected = MIN(first_detected, excluded.first_detected),
                         last_detected = MAX(last_detected, excluded.last_detected),
                         runs = runs + 1,
                         updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
                    params![
                        r.id, r.monitor, r.kind, r.value, r.start, r.end, r.impact, r.severity,
                        r.detail, as_of
                    ],
                )?;
                let row = tx.query_row(&format!("{SELECT} WHERE a.id = ?1"), [&r.id], read_row)?;
                stored.push(row);
            }
            Ok(stored)
        })
    }

    /// One stored anomaly.
    pub fn anomaly(&self, id: &str) -> Result<StoredAnomaly> {
        let connection = self.connection();
        connection
            .query_row(&format!("{SELECT} WHERE a.id = ?1"), [id], read_row)
            .optional()?
            .ok_or_else(|| Error::NotFound {
                kind: "anomaly",
                id: id.to_string(),
            })
    }

    /// Every stored anomaly, latest start first.
    pub fn anomalies(&self) -> Result<Vec<StoredAnomaly>> {
        let connection = self.connection();
        let mut statement =
            connection.prepare(&format!("{SELECT} ORDER BY a.start_date DESC, a.id"))?;
        let rows = statement.query_map([], read_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Sets the feedback of an anomaly (replacing any earlier one). Unknown ids are refused
    /// and change nothing.
    pub fn set_anomaly_feedback(
        &self,
        id: &str,
        state: FeedbackState,
        note: Option<&str>,
    ) -> Result<StoredAnomaly> {
        self.transaction(|tx| {
            let known: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM anomalies WHERE id = ?1)",
                [id],
                |row| row.get(0),
            )?;
            if !known {
                return Err(Error::NotFound {
                    kind: "anomaly",
                    id: id.to_string(),
                });
            }
            tx.execute(
                "INSERT INTO anomaly_feedback (id, state, note) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET state = excluded.state, note = excluded.note,
                     at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
                params![id, state.name(), note],
            )?;
            Ok(tx.query_row(&format!("{SELECT} WHERE a.id = ?1"), [id], read_row)?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, impact: f64) -> AnomalyRecord {
        AnomalyRecord {
            id: id.into(),
            monitor: "accounts".into(),
            kind: "account".into(),
            value: "222222222222".into(),
            start: "2026-10-15".into(),
            end: None,
            impact,
            severity: "high".into(),
            detail: "{}".into(),
        }
    }

    #[test]
    fn history_accumulates_across_runs() {
        let store = Store::in_memory().expect("store");
        store
            .record_anomalies(&[record("an-1", 10.0)], "2026-10-16")
            .expect("first");
        let again = store
            .record_anomalies(&[record("an-1", 30.0)], "2026-10-17")
            .expect("second");
        assert_eq!(again[0].runs, 2);
        assert_eq!(again[0].first_detected, "2026-10-16");
        assert_eq!(again[0].last_detected, "2026-10-17");
        assert_eq!(again[0].record.impact, 30.0);
    }

    #[test]
    fn feedback_on_an_unknown_id_changes_nothing() {
        let store = Store::in_memory().expect("store");
        store
            .record_anomalies(&[record("an-1", 10.0)], "2026-10-16")
            .expect("record");
        let error = store
            .set_anomaly_feedback("an-2", FeedbackState::Expected, None)
            .expect_err("unknown");
        assert!(matches!(error, Error::NotFound { .. }), "{error}");
        let all = store.anomalies().expect("list");
        assert_eq!(all.len(), 1);
        assert!(all[0].feedback.is_none());
        let marked = store
            .set_anomaly_feedback("an-1", FeedbackState::FalsePositive, Some("test"))
            .expect("feedback");
        assert_eq!(
            marked.feedback.map(|f| (f.state, f.note)),
            Some((FeedbackState::FalsePositive, Some("test".into())))
        );
    }
}
