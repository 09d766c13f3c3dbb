//! The analytics error type: bad arguments and bad rule files (user errors) apart from
//! query and store failures.

use costscope_core::ErrorKind;

/// Result alias with [`Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in a rules or budgets file something is wrong.
pub use costscope_core::yaml::Location;

/// Errors from analyses.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An argument the caller can fix: an unknown dimension, an empty date range …
    #[error("{0}")]
    InvalidArgument(String),
    /// A record the caller named by id does not exist.
    #[error("no {kind} with id `{id}`")]
    NotFound { kind: &'static str, id: String },
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
    /// The metadata store failed, or refused a change.
    #[error(transparent)]
    Store(#[from] costscope_store::Error),
    /// DataFusion failed outside a session query (building frames, decoding results).
    #[error(transparent)]
    DataFusion(#[from] datafusion::error::DataFusionError),
    /// Arrow failed while decoding a result (a bug).
    #[error(transparent)]
    Arrow(#[from] arrow::error::ArrowError),
    /// A result row did not have the shape the analysis expects (a bug).
    #[error("unexpected result shape: {0}")]
    Decode(#[from] serde_json::Error),
}

impl Error {
    /// The kind of failure: bad arguments and files are the user's (a file that cannot be
    /// read is classified by its I/O error); query and store failures keep their own kind;
    /// a result that does not decode is a bug.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidArgument(_) | Error::InvalidFile { .. } => ErrorKind::User,
            Error::Vocabulary(error) => error.kind(),
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Io { source, .. } => ErrorKind::of_io(source),
            Error::Query(error) => error.kind(),
            Error::Store(error) => error.kind(),
            Error::DataFusion(error) => costscope_query::error::classify(error),
            Error::Arrow(_) | Error::Decode(_) => ErrorKind::Internal,
        }
    }
}

impl From<costscope_core::yaml::Invalid> for Error {
    fn from(invalid: costscope_core::yaml::Invalid) -> Self {
        Error::InvalidFile {
            location: invalid.location,
            message: invalid.message,
        }
    }
}

#[cfg(test)]
mod tests {
    use datafusion::error::DataFusionError;

    use super::*;

    #[test]
    fn each_variant_has_its_kind() {
        let missing = Error::Io {
            path: "rules.yaml".into(),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        };
        let unknown_id = costscope_store::Error::NotFound {
            kind: "anomaly",
            id: "an-nope".into(),
        };
        let bad_query = costscope_query::Error::DataFusion(DataFusionError::Plan("x".into()));
        let decode = serde_json::from_str::<u8>("x").expect_err("not JSON");
        let cases = [
            (
                Error::InvalidArgument("empty range".into()),
                ErrorKind::User,
            ),
            (missing, ErrorKind::NotFound),
            (Error::Store(unknown_id), ErrorKind::NotFound),
            (Error::Query(bad_query), ErrorKind::User),
            (
                Error::DataFusion(DataFusionError::Internal("x".into())),
                ErrorKind::Internal,
            ),
            (
                Error::DataFusion(DataFusionError::ResourcesExhausted("x".into())),
                ErrorKind::Unavailable,
            ),
            (Error::Decode(decode), ErrorKind::Internal),
        ];
        for (error, kind) in cases {
            assert_eq!(error.kind(), kind, "{error}");
        }
    }
}
