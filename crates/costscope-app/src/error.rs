//! The application's error: every crate's error, and the kind that decides the CLI's exit
//! code (and the HTTP status to come).

/// Result alias with [`Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Errors from the application layer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A document named by the caller could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// An analysis failed (bad argument, bad rules file, query failure).
    #[error(transparent)]
    Analytics(#[from] costscope_analytics::Error),
    /// The query engine failed (a user's SQL, or opening a session).
    #[error(transparent)]
    Query(#[from] costscope_query::Error),
    /// The lake could not be opened or read.
    #[error(transparent)]
    Lake(#[from] costscope_lake::Error),
    /// The metadata store failed.
    #[error(transparent)]
    Store(#[from] costscope_store::Error),
    /// A response could not be encoded (a bug).
    #[error("cannot encode the result: {0}")]
    Encode(#[source] serde_json::Error),
    /// Arrow failed while building a result (a bug).
    #[error(transparent)]
    Arrow(#[from] arrow::error::ArrowError),
}

/// What kind of failure an error is, for exit codes and HTTP statuses.
// To be replaced by the one classification every crate shares once it exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad input the caller can fix: an argument, a file, a query.
    User,
    /// A named record does not exist.
    NotFound,
    /// The principal may not do this.
    Denied,
    /// The request conflicts with the current state (a disallowed transition).
    Conflict,
    /// Storage or a service is not available.
    Unavailable,
    /// A bug worth reporting.
    Internal,
}

impl Error {
    /// The kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Read { .. } => ErrorKind::User,
            Error::Analytics(error) if error.is_user_error() => ErrorKind::User,
            Error::Analytics(_) => ErrorKind::Internal,
            Error::Query(costscope_query::Error::DataFusion(
                datafusion::error::DataFusionError::Internal(_),
            )) => ErrorKind::Internal,
            Error::Query(_) => ErrorKind::User,
            Error::Lake(costscope_lake::Error::Io { .. }) => ErrorKind::Unavailable,
            Error::Lake(_) => ErrorKind::User,
            Error::Store(costscope_store::Error::NotFound { .. }) => ErrorKind::NotFound,
            Error::Store(costscope_store::Error::InvalidTransition { .. }) => ErrorKind::Conflict,
            Error::Store(costscope_store::Error::InvalidDate { .. }) => ErrorKind::User,
            Error::Store(
                costscope_store::Error::Open { .. } | costscope_store::Error::Io { .. },
            ) => ErrorKind::Unavailable,
            Error::Store(_) | Error::Encode(_) | Error::Arrow(_) => ErrorKind::Internal,
        }
    }
}
