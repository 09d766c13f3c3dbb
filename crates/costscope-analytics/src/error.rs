//! The analytics error type: bad arguments and bad rule files (user errors) apart from
//! query failures.

use std::fmt;

/// Result alias with [`Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in a rules or budgets file something is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file (or `<inline>` for text given directly).
    pub origin: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.origin, self.line, self.column)
    }
}

/// Errors from analyses.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An argument the caller can fix: an unknown dimension, an empty date range …
    #[error("{0}")]
    InvalidArgument(String),
    /// A rules or budgets file that does not parse or validate.
    #[error("{location}: {message}")]
    InvalidFile { location: Location, message: String },
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A value of the shared vocabulary (measure, granularity, team) that does not parse
    /// or that this analysis cannot use.
    #[error(transparent)]
    Vocabulary(#[from] costscope_core::Error),
    /// The query engine failed.
    #[error(transparent)]
    Query(#[from] costscope_query::Error),
    /// DataFusion failed outside a session query (building frames, decoding results).
    #[error(transparent)]
    DataFusion(#[from] datafusion::error::DataFusionError),
    /// Arrow failed while decoding a result.
    #[error(transparent)]
    Arrow(#[from] arrow::error::ArrowError),
    /// A result row did not have the shape the analysis expects (a bug).
    #[error("unexpected result shape: {0}")]
    Decode(#[from] serde_json::Error),
}

impl Error {
    /// True when the caller can fix the cause (bad argument, bad file, bad SQL), false
    /// for a failure worth reporting as a bug.
    pub fn is_user_error(&self) -> bool {
        use datafusion::error::DataFusionError;
        match self {
            Error::InvalidArgument(_)
            | Error::InvalidFile { .. }
            | Error::Io { .. }
            | Error::Vocabulary(_) => true,
            Error::Query(costscope_query::Error::DataFusion(DataFusionError::Internal(_)))
            | Error::DataFusion(DataFusionError::Internal(_))
            | Error::Decode(_) => false,
            Error::Query(_) | Error::DataFusion(_) | Error::Arrow(_) => true,
        }
    }
}
