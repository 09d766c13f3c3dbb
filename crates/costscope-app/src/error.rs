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
    /// A value of the shared vocabulary (measure, granularity, team) that does not parse.
    #[error(transparent)]
    Vocabulary(#[from] costscope_core::Error),
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
    /// A request the application refuses as it stands.
    #[error("{0}")]
    InvalidRequest(String),
    /// The principal may not do this.
    #[error("permission denied: {0}")]
    Denied(String),
    /// A response could not be encoded (a bug).
    #[error("cannot encode the result: {0}")]
    Encode(#[source] serde_json::Error),
    /// Arrow failed while building a result (a bug).
    #[error(transparent)]
    Arrow(#[from] arrow::error::ArrowError),
}

pub use costscope_core::ErrorKind;

impl Error {
    /// The kind of this error: the wrapped crate's own kind; a document that cannot be
    /// read by its I/O error; a response that does not encode is a bug.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Read { source, .. } => ErrorKind::of_io(source),
            Error::Vocabulary(error) => error.kind(),
            Error::Analytics(error) => error.kind(),
            Error::Query(error) => error.kind(),
            Error::Lake(error) => error.kind(),
            Error::Store(error) => error.kind(),
            Error::InvalidRequest(_) => ErrorKind::User,
            Error::Denied(_) => ErrorKind::Denied,
            Error::Encode(_) | Error::Arrow(_) => ErrorKind::Internal,
        }
    }
}
