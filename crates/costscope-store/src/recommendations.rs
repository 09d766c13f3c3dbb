//! The lifecycle of recommendations: `open` → `accepted` | `dismissed` (with a reason) →
//! `implemented` (on a date), with every transition kept with its time.
//!
//! A recommendation that was never touched is `open` and has no row. Allowed changes:
//! open → accepted, open → dismissed, accepted → dismissed, accepted → implemented,
//! dismissed → open (reopen), accepted → open. `implemented` is final.

use std::fmt;
use std::str::FromStr;

use rusqlite::{OptionalExtension, params};

use crate::{Error, Migration, Result, Store};

/// This module's schema changes, in order.
pub(crate) const MIGRATIONS: &[Migration] = &[Migration {
    name: "recommendations-1",
    sql: "CREATE TABLE recommendations (
              id TEXT PRIMARY KEY,
              state TEXT NOT NULL,
              reason TEXT,
              implemented_on TEXT,
              snapshot TEXT,
              updated_at TEXT NOT NULL
          );
          CREATE TABLE recommendation_events (
              seq INTEGER PRIMARY KEY AUTOINCREMENT,
              recommendation_id TEXT NOT NULL REFERENCES recommendations(id),
              from_state TEXT NOT NULL,
              to_state TEXT NOT NULL,
              reason TEXT,
              at TEXT NOT NULL
          );
          CREATE INDEX recommendation_events_by_id
              ON recommendation_events (recommendation_id, seq);",
}];

const KIND: &str = "recommendation";

/// Where a recommendation is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    Open,
    Accepted,
    Dismissed,
    Implemented,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Open => "open",
            State::Accepted => "accepted",
            State::Dismissed => "dismissed",
            State::Implemented => "implemented",
        }
    }

    /// Whether the lifecycle allows `self` → `to`.
    pub fn allows(self, to: State) -> bool {
        use State::*;
        matches!(
            (self, to),
            (Open, Accepted)
                | (Open, Dismissed)
                | (Accepted, Dismissed)
                | (Accepted, Implemented)
                | (Accepted, Open)
                | (Dismissed, Open)
        )
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for State {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "open" => Ok(State::Open),
            "accepted" => Ok(State::Accepted),
            "dismissed" => Ok(State::Dismissed),
            "implemented" => Ok(State::Implemented),
            _ => Err(format!(
                "unknown state `{s}`: expected open, accepted, dismissed or implemented"
            )),
        }
    }
}

/// A recommendation's stored state.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecommendation {
    pub id: String,
    pub state: State,
    /// Why it was dismissed.
    pub reason: Option<String>,
    /// `YYYY-MM-DD`.
    pub implemented_on: Option<String>,
    /// The recommendation as it was when last changed (JSON, the analytics' shape).
    pub snapshot: Option<String>,
    pub updated_at: String,
}

/// One transition.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub from: State,
    pub to: State,
    pub reason: Option<String>,
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub at: String,
}

/// Whether `text` is a calendar date `YYYY-MM-DD`.
fn is_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return false;
    };
    let days_in = |y: u32, m: u32| match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        _ => 0,
    };
    match (
        year.parse::<u32>(),
        month.parse::<u32>(),
        day.parse::<u32>(),
    ) {
        (Ok(y), Ok(m), Ok(d)) => {
            year.len() == 4 && month.len() == 2 && day.len() == 2 && d >= 1 && d <= days_in(y, m)
        }
        _ => false,
    }
}

impl Store {
    /// Every recommendation that has left `open` at least once.
    pub fn list(&self) -> Result<Vec<StoredRecommendation>> {
        let connection = self.connection();
        let mut statement = connection.prepare(
            "SELECT id, state, reason, implemented_on, snapshot, updated_at
             FROM recommendations ORDER BY id",
        )?;
        let rows = statement.query_map([], read_row)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row?.decode()?);
        }
        Ok(out)
    }

    /// The stored state of `id`, if it ever changed.
    pub fn get(&self, id: &str) -> Result<Option<StoredRecommendation>> {
        let connection = self.connection();
        let row = connection
            .query_row(
                "SELECT id, state, reason, implemented_on, snapshot, updated_at
                 FROM recommendations WHERE id = ?1",
                [id],
                read_row,
            )
            .optional()?;
        row.map(RawRow::decode).transpose()
    }

    /// Transitions of `id`, oldest first; [`Error::NotFound`] when it never changed.
    pub fn history(&self, id: &str) -> Result<Vec<Event>> {
        if self.get(id)?.is_none() {
            return Err(not_found(id));
        }
        let connection = self.connection();
        let mut statement = connection.prepare(
            "SELECT from_state, to_state, reason, at FROM recommendation_events
             WHERE recommendation_id = ?1 ORDER BY seq",
        )?;
        let rows = statement.query_map([id], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, Option<String>>(2)?,
                row.get::<_, String>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (from, to, reason, at) = row?;
            out.push(Event {
                from: parse_state(&from)?,
                to: parse_state(&to)?,
                reason,
                at,
            });
        }
        Ok(out)
    }

    /// open → accepted. `snapshot` (the recommendation as JSON) is required the first
    /// time, so an unknown id is refused with [`Error::NotFound`].
    pub fn accept(&self, id: &str, snapshot: Option<&str>) -> Result<StoredRecommendation> {
        self.change(id, State::Accepted, None, None, snapshot)
    }

    /// open | accepted → dismissed, with a reason.
    pub fn dismiss(
        &self,
        id: &str,
        reason: &str,
        snapshot: Option<&str>,
    ) -> Result<StoredRecommendation> {
        self.change(id, State::Dismissed, Some(reason), None, snapshot)
    }

    /// dismissed | accepted → open.
    pub fn reopen(&self, id: &str) -> Result<StoredRecommendation> {
        self.change(id, State::Open, None, None, None)
    }

    /// accepted → implemented on `on` (`YYYY-MM-DD`).
    pub fn implement(
        &self,
        id: &str,
        on: impl fmt::Display,
        snapshot: Option<&str>,
    ) -> Result<StoredRecommendation> {
        let on = on.to_string();
        if !is_date(&on) {
            return Err(Error::InvalidDate {
                id: id.to_string(),
                date: on,
            });
        }
        self.change(id, State::Implemented, None, Some(&on), snapshot)
    }

    fn change(
        &self,
        id: &str,
        to: State,
        reason: Option<&str>,
        implemented_on: Option<&str>,
        snapshot: Option<&str>,
    ) -> Result<StoredRecommendation> {
        self.transaction(|tx| {
            let current: Option<(String, Option<String>)> = tx
                .query_row(
                    "SELECT state, snapshot FROM recommendations WHERE id = ?1",
                    [id],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            let (from, stored_snapshot) = match current {
                Some((state, snap)) => (parse_state(&state)?, snap),
                None if snapshot.is_some() => (State::Open, None),
                None => return Err(not_found(id)),
            };
            if !from.allows(to) {
                return Err(Error::InvalidTransition {
                    kind: KIND,
                    id: id.to_string(),
                    from: from.to_string(),
                    to: to.to_string(),
                });
            }
            let snapshot = snapshot.map(str::to_string).or(stored_snapshot);
            let now = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')";
            tx.execute(
                &format!(
                    "INSERT INTO recommendations (id, state, reason, implemented_on, snapshot, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, {now})
                     ON CONFLICT (id) DO UPDATE SET state = excluded.state,
                         reason = excluded.reason, implemented_on = excluded.implemented_on,
                         snapshot = excluded.snapshot, updated_at = excluded.updated_at"
                ),
                params![
                    id,
                    to.name(),
                    reason,
                    implemented_on,
                    snapshot
                ],
            )?;
            tx.execute(
                &format!(
                    "INSERT INTO recommendation_events (recommendation_id, from_state, to_state, reason, at)
                     VALUES (?1, ?2, ?3, ?4, {now})"
                ),
                params![id, from.name(), to.name(), reason],
            )?;
            Ok(())
        })?;
        self.get(id)?.ok_or_else(|| not_found(id))
    }
}

struct RawRow {
    id: String,
    state: String,
    reason: Option<String>,
    implemented_on: Option<String>,
    snapshot: Option<String>,
    updated_at: String,
}

impl RawRow {
    fn decode(self) -> Result<StoredRecommendation> {
        Ok(StoredRecommendation {
            state: parse_state(&self.state)?,
            implemented_on: self.implemented_on,
            id: self.id,
            reason: self.reason,
            snapshot: self.snapshot,
            updated_at: self.updated_at,
        })
    }
}

fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawRow> {
    Ok(RawRow {
        id: row.get(0)?,
        state: row.get(1)?,
        reason: row.get(2)?,
        implemented_on: row.get(3)?,
        snapshot: row.get(4)?,
        updated_at: row.get(5)?,
    })
}

fn parse_state(text: &str) -> Result<State> {
    text.parse().map_err(|message: String| {
        Error::Json(serde_json::Error::io(std::io::Error::other(message)))
    })
}

fn not_found(id: &str) -> Error {
    Error::NotFound {
        kind: KIND,
        id: id.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SNAP: &str = r#"{"id":"gp2-to-gp3:vol-1"}"#;

    #[test]
    fn the_lifecycle_persists_across_reopening() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let store = Store::for_lake(dir.path()).expect("open");
            store
                .accept("gp2-to-gp3:vol-1", Some(SNAP))
                .expect("accept");
            store
                .implement("gp2-to-gp3:vol-1", "2026-10-01", None)
                .expect("implement");
            store
                .dismiss("graviton:i-1", "needs x86 licence", Some(SNAP))
                .expect("dismiss");
        }
        let store = Store::for_lake(dir.path()).expect("reopen");
        let stored = store.get("gp2-to-gp3:vol-1").expect("get").expect("stored");
        assert_eq!(stored.state, State::Implemented);
        assert_eq!(stored.implemented_on.as_deref(), Some("2026-10-01"));
        assert_eq!(stored.snapshot.as_deref(), Some(SNAP));
        let history = store.history("gp2-to-gp3:vol-1").expect("history");
        let steps: Vec<(State, State)> = history.iter().map(|e| (e.from, e.to)).collect();
        assert_eq!(
            steps,
            [
                (State::Open, State::Accepted),
                (State::Accepted, State::Implemented)
            ]
        );
        let dismissed = store.get("graviton:i-1").expect("get").expect("stored");
        assert_eq!(dismissed.reason.as_deref(), Some("needs x86 licence"));
    }

    #[test]
    fn invalid_transitions_are_refused_and_change_nothing() {
        let store = Store::in_memory().expect("store");
        let error = store
            .implement("idle-ipv4:eip-1", "2026-10-01", Some(SNAP))
            .expect_err("open cannot become implemented");
        assert!(matches!(error, Error::InvalidTransition { .. }), "{error}");
        assert!(store.get("idle-ipv4:eip-1").expect("get").is_none());

        store.accept("idle-ipv4:eip-1", Some(SNAP)).expect("accept");
        store
            .implement("idle-ipv4:eip-1", "2026-10-01", None)
            .expect("implement");
        for error in [
            store.accept("idle-ipv4:eip-1", None).expect_err("final"),
            store
                .dismiss("idle-ipv4:eip-1", "no", None)
                .expect_err("final"),
            store.reopen("idle-ipv4:eip-1").expect_err("final"),
        ] {
            assert!(matches!(error, Error::InvalidTransition { .. }), "{error}");
        }
        assert_eq!(store.history("idle-ipv4:eip-1").expect("history").len(), 2);
    }

    #[test]
    fn unknown_ids_and_bad_dates_are_named() {
        let store = Store::in_memory().expect("store");
        let error = store.accept("nope", None).expect_err("unknown");
        assert!(matches!(error, Error::NotFound { .. }));
        assert!(error.to_string().contains("nope"));
        assert!(matches!(store.history("nope"), Err(Error::NotFound { .. })));
        store.accept("a", Some(SNAP)).expect("accept");
        let error = store
            .implement("a", "yesterday", None)
            .expect_err("bad date");
        assert!(matches!(error, Error::InvalidDate { .. }));
        assert!(store.implement("a", "2026-02-30", None).is_err());
        assert!(error.to_string().contains("yesterday"), "{error}");
        assert_eq!(
            store.get("a").expect("get").map(|s| s.state),
            Some(State::Accepted)
        );
    }
}
