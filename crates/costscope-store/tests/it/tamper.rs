//! What an attacker with write access to the store's files does, and the helpers the tests
//! share: a store with a log of many entries, direct SQL on its database, forged entries.

use std::path::{Path, PathBuf};

use costscope_store::audit::{Entry, NewEntry, Outcome, chain};
use costscope_store::{STORE_PATH, Store};

/// A lake directory whose store holds `entries` varied entries.
pub fn logged(entries: u64) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::for_lake(dir.path()).expect("store");
    for n in 1..=entries {
        store.append_audit(&sample(n)).expect("append");
    }
    (dir, store)
}

/// The `n`th sample entry: reads and changes, errors, workgroups, text that needs care.
pub fn sample(n: u64) -> NewEntry {
    let outcome = match n % 7 {
        0 => Outcome::Error {
            kind: "user".into(),
            message: format!("unknown column `x{n}`,\nline 2"),
        },
        3 => Outcome::Started,
        _ => Outcome::Ok,
    };
    NewEntry {
        principal: if n.is_multiple_of(2) {
            "alice"
        } else {
            "app-dev"
        }
        .into(),
        workgroup: n.is_multiple_of(3).then(|| "app-team".into()),
        action: match n % 4 {
            0 => "sql",
            1 => "analysis.cost",
            2 => "recommendation.accept",
            _ => "ingest",
        }
        .into(),
        parameters: serde_json::json!({
            "query": format!("SELECT 'zoë', {n} -- 1:2,\n FROM cur"),
            "n": n,
        }),
        rows: (!n.is_multiple_of(5)).then_some(n * 10),
        outcome,
    }
}

pub fn database(dir: &Path) -> PathBuf {
    dir.join(STORE_PATH)
}

pub fn anchor(dir: &Path) -> PathBuf {
    database(dir).with_file_name("audit.head")
}

/// Runs `sql` on the store's database as an attacker would: the append-only triggers
/// dropped first.
pub fn tamper(dir: &Path, sql: &str) {
    let connection = rusqlite::Connection::open(database(dir)).expect("open");
    connection
        .execute_batch(&format!(
            "DROP TRIGGER IF EXISTS audit_log_no_update;
             DROP TRIGGER IF EXISTS audit_log_no_delete;
             {sql}"
        ))
        .expect("tamper");
}

/// Every entry, in sequence order, read directly.
pub fn entries(dir: &Path) -> Vec<Entry> {
    let connection = rusqlite::Connection::open(database(dir)).expect("open");
    let mut statement = connection
        .prepare(
            "SELECT seq, at, principal, workgroup, action, parameters, status, error_kind,
                    message, rows_returned, previous_hash, hash FROM audit_log ORDER BY seq",
        )
        .expect("prepare");
    statement
        .query_map([], |row| {
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
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// Inserts `entry` as is (after the triggers are dropped).
pub fn insert(dir: &Path, entry: &Entry) {
    let connection = rusqlite::Connection::open(database(dir)).expect("open");
    connection
        .execute(
            "INSERT INTO audit_log (seq, at, principal, workgroup, action, parameters, status,
                 error_kind, message, rows_returned, previous_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            rusqlite::params![
                entry.seq,
                entry.at,
                entry.principal,
                entry.workgroup,
                entry.action,
                entry.parameters,
                entry.status,
                entry.error_kind,
                entry.message,
                entry.rows,
                entry.previous_hash,
                entry.hash
            ],
        )
        .expect("insert");
}

/// An entry that chains onto `previous` with a correct hash: what someone who knows the
/// published encoding can write.
pub fn forged(seq: u64, previous: &str) -> Entry {
    let mut entry = Entry {
        seq,
        at: "2026-10-20T08:00:00.000000Z".into(),
        principal: "mallory".into(),
        workgroup: None,
        action: "recommendation.accept".into(),
        parameters: r#"{"id":"graviton:i-1"}"#.into(),
        status: "ok".into(),
        error_kind: None,
        message: None,
        rows: Some(1),
        previous_hash: previous.to_string(),
        hash: String::new(),
    };
    entry.hash = chain::hash(&entry);
    entry
}

/// Writes the anchor file as costscope does.
pub fn write_anchor(dir: &Path, seq: u64, hash: &str) {
    std::fs::write(
        anchor(dir),
        format!("{{\"seq\":{seq},\"hash\":\"{hash}\"}}\n"),
    )
    .expect("write anchor");
}
