//! costscope's metadata store: one SQLite database (WAL mode) beside the lake holding what
//! analyses must remember between runs — anomaly history and feedback, the lifecycle of
//! recommendations — and what happened: the query history of each workgroup and the
//! hash-chained audit log. Billing rows never go here.
//!
//! Each domain module owns its tables and contributes named migrations; [`Store::open`]
//! applies the ones a database has not seen yet, in order, inside one transaction.

pub mod anomalies;
pub mod audit;
pub mod error;
pub mod history;
pub mod recommendations;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::Connection;

pub use error::{Error, Result};

/// Where the store lives inside a lake directory.
pub const STORE_PATH: &str = "_state/costscope.sqlite";

/// A schema change, applied once and recorded by name.
pub struct Migration {
    /// Unique, never renamed once released (`anomalies-1`, …).
    pub name: &'static str,
    pub sql: &'static str,
}

/// The metadata store.
pub struct Store {
    connection: Mutex<Connection>,
    path: Option<PathBuf>,
}

impl Store {
    /// The store of the lake at `lake_root`, created on first use.
    pub fn for_lake(lake_root: &Path) -> Result<Self> {
        Self::open(&lake_root.join(STORE_PATH))
    }

    /// Opens (or creates) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| Error::Io {
                path: dir.display().to_string(),
                source,
            })?;
        }
        // SQLite reads the file lazily: a file that is not a database fails at the first
        // statement, so every set-up step reports the path.
        let opened = (|| {
            let mut connection = Connection::open(path)?;
            // Before anything that locks: another process (a server, the CLI) may be
            // writing, and setting the journal mode or migrating must wait for it.
            connection.busy_timeout(std::time::Duration::from_secs(10))?;
            connection.pragma_update(None, "journal_mode", "WAL")?;
            // Every commit is on disk before it returns: an audit entry is durable before
            // the request it records is answered.
            connection.pragma_update(None, "synchronous", "FULL")?;
            connection.pragma_update(None, "foreign_keys", "ON")?;
            migrate(&mut connection)?;
            Ok(connection)
        })();
        let connection = opened.map_err(|source| Error::Open {
            path: path.display().to_string(),
            source,
        })?;
        Ok(Store {
            connection: Mutex::new(connection),
            path: Some(path.to_path_buf()),
        })
    }

    /// A private in-memory store (tests, one-off runs).
    pub fn in_memory() -> Result<Self> {
        let mut connection = Connection::open_in_memory()?;
        migrate(&mut connection)?;
        Ok(Store {
            connection: Mutex::new(connection),
            path: None,
        })
    }

    /// The database file, if not in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Names of the migrations this database has applied, in order.
    pub fn migrations(&self) -> Result<Vec<String>> {
        let connection = self.connection();
        let mut statement =
            connection.prepare("SELECT name FROM schema_migrations ORDER BY rowid")?;
        let names = statement.query_map([], |row| row.get(0))?;
        Ok(names.collect::<Result<_, _>>()?)
    }

    /// The connection, for one domain module's statements.
    pub(crate) fn connection(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (statements are atomic).
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `work` in one transaction: all of it is stored or none.
    pub(crate) fn transaction<T>(
        &self,
        work: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        let value = work(&transaction)?;
        transaction.commit()?;
        Ok(value)
    }
}

fn migrate(connection: &mut Connection) -> rusqlite::Result<()> {
    let transaction = connection.transaction()?;
    transaction.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             name TEXT PRIMARY KEY,
             applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
         )",
    )?;
    let all = anomalies::MIGRATIONS
        .iter()
        .chain(recommendations::MIGRATIONS)
        .chain(audit::MIGRATIONS)
        .chain(history::MIGRATIONS);
    for migration in all {
        let applied: bool = transaction.query_row(
            "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE name = ?1)",
            [migration.name],
            |row| row.get(0),
        )?;
        if !applied {
            transaction.execute_batch(migration.sql)?;
            transaction.execute(
                "INSERT INTO schema_migrations (name) VALUES (?1)",
                [migration.name],
            )?;
        }
    }
    transaction.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reopening_applies_each_migration_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = Store::for_lake(dir.path()).expect("create").migrations();
        let second = Store::for_lake(dir.path()).expect("reopen").migrations();
        assert_eq!(first.expect("list"), second.expect("list"));
        assert!(dir.path().join(STORE_PATH).exists());
    }

    #[test]
    fn a_file_that_is_not_sqlite_is_refused_by_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("bad.sqlite");
        std::fs::write(&path, vec![b'x'; 4096]).expect("write");
        let error = Store::open(&path).err().expect("refused");
        assert!(error.to_string().contains("bad.sqlite"), "{error}");
    }
}
