//! The store's error type.

use costscope_core::ErrorKind;

/// Result alias with [`Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Errors from the metadata store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database file could not be opened (permissions, not a SQLite file …).
    #[error("cannot open the store {path}: {source}")]
    Open {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    /// A directory for the store could not be created.
    #[error("cannot create {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The audit log's head anchor (or its lock) could not be read or written.
    #[error("audit head anchor {path}: {source}")]
    Anchor {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A record the caller named does not exist.
    #[error("no {kind} with id `{id}`")]
    NotFound { kind: &'static str, id: String },
    /// A state change the lifecycle does not allow (e.g. `implemented` before `accepted`).
    #[error("{kind} `{id}` is {from}; it cannot become {to}")]
    InvalidTransition {
        kind: &'static str,
        id: String,
        from: String,
        to: String,
    },
    /// A date that is not `YYYY-MM-DD`.
    #[error("{id}: `{date}` is not a date (expected YYYY-MM-DD)")]
    InvalidDate { id: String, date: String },
    /// A time that is neither `YYYY-MM-DD` nor RFC 3339.
    #[error("`{time}` is not a time (expected YYYY-MM-DD or RFC 3339, e.g. 2026-10-20T08:00:00Z)")]
    InvalidTime { time: String },
    /// The audit log's last entry is not the one its head anchor names: the log or the
    /// anchor was changed outside costscope, or an append was interrupted. Nothing more is
    /// recorded (so nothing more is served) until the log is checked and re-anchored.
    #[error(
        "the audit log ends at {tail} but its head anchor {anchor_path} names {anchor}; \
         run `costscope audit verify`, and `costscope audit reanchor` once the log is checked"
    )]
    AuditHeadMismatch {
        anchor_path: String,
        /// `entry N (hash …)` or `no entry`.
        anchor: String,
        tail: String,
    },
    /// `costscope audit verify` found the log tampered with.
    #[error("the audit log is not intact: entry {seq}: {detail}")]
    AuditTampered { seq: u64, detail: String },
    /// A stored JSON document does not decode (a bug or a hand-edited database).
    #[error("stored document does not decode: {0}")]
    Json(#[from] serde_json::Error),
    /// SQLite failed.
    #[error("metadata store: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl Error {
    /// The kind of failure: an unknown id is not found, a disallowed change a conflict; a
    /// database that cannot be opened, read or written is unavailable (or denied, for
    /// permissions), and so is an audit log that can no longer be appended to safely; a log
    /// found tampered with is a conflict between what is stored and what was recorded; a
    /// stored document that does not decode is a bug.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::InvalidTransition { .. } => ErrorKind::Conflict,
            Error::InvalidDate { .. } | Error::InvalidTime { .. } => ErrorKind::User,
            Error::AuditHeadMismatch { .. } => ErrorKind::Unavailable,
            Error::AuditTampered { .. } => ErrorKind::Conflict,
            Error::Io { source, .. } => ErrorKind::of_io(source),
            // Whatever is wrong with the anchor's file, the log cannot be appended to.
            Error::Anchor { source, .. } => match ErrorKind::of_io(source) {
                ErrorKind::Denied => ErrorKind::Denied,
                _ => ErrorKind::Unavailable,
            },
            Error::Open { source, .. } | Error::Sqlite(source) => sqlite_kind(source),
            Error::Json(_) => ErrorKind::Internal,
        }
    }
}

/// The kind of a SQLite failure, by its result code.
fn sqlite_kind(error: &rusqlite::Error) -> ErrorKind {
    use rusqlite::ErrorCode;
    match error.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => ErrorKind::Conflict,
        Some(ErrorCode::ConstraintViolation) => ErrorKind::Conflict,
        Some(ErrorCode::PermissionDenied | ErrorCode::ReadOnly) => ErrorKind::Denied,
        Some(
            ErrorCode::CannotOpen
            | ErrorCode::NotADatabase
            | ErrorCode::DatabaseCorrupt
            | ErrorCode::SystemIoFailure
            | ErrorCode::DiskFull
            | ErrorCode::OutOfMemory
            | ErrorCode::FileLockingProtocolFailed
            | ErrorCode::NoLargeFileSupport,
        ) => ErrorKind::Unavailable,
        _ => ErrorKind::Internal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite(code: std::ffi::c_int) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    #[test]
    fn lifecycle_errors_are_the_callers() {
        let missing = Error::NotFound {
            kind: "recommendation",
            id: "gp2-to-gp3:vol-nope".into(),
        };
        assert_eq!(missing.kind(), ErrorKind::NotFound);
        let refused = Error::InvalidTransition {
            kind: "recommendation",
            id: "x".into(),
            from: "dismissed".into(),
            to: "implemented".into(),
        };
        assert_eq!(refused.kind(), ErrorKind::Conflict);
    }

    #[test]
    fn database_failures_are_classified_by_their_code() {
        let open = |code| Error::Open {
            path: "lake/_state/costscope.sqlite".into(),
            source: sqlite(code),
        };
        assert_eq!(
            open(rusqlite::ffi::SQLITE_NOTADB).kind(),
            ErrorKind::Unavailable
        );
        assert_eq!(
            open(rusqlite::ffi::SQLITE_READONLY).kind(),
            ErrorKind::Denied
        );
        assert_eq!(
            Error::Sqlite(sqlite(rusqlite::ffi::SQLITE_BUSY)).kind(),
            ErrorKind::Conflict
        );
        assert_eq!(
            Error::Sqlite(sqlite(rusqlite::ffi::SQLITE_IOERR)).kind(),
            ErrorKind::Unavailable
        );
        assert_eq!(
            Error::Sqlite(rusqlite::Error::InvalidColumnIndex(9)).kind(),
            ErrorKind::Internal
        );
        let json = serde_json::from_str::<u8>("x").expect_err("not JSON");
        assert_eq!(Error::Json(json).kind(), ErrorKind::Internal);
    }
}
