//! The store's error type.

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
    /// A stored JSON document does not decode (a bug or a hand-edited database).
    #[error("stored document does not decode: {0}")]
    Json(#[from] serde_json::Error),
    /// SQLite failed.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

impl Error {
    /// True when the caller can fix the cause (unknown id, disallowed transition).
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            Error::NotFound { .. }
                | Error::InvalidTransition { .. }
                | Error::InvalidDate { .. }
                | Error::Open { .. }
        )
    }
}
