//! The generator's error type. Every variant that concerns a file names it.

use std::path::PathBuf;

use costscope_core::ErrorKind;

/// Result alias with [`Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Errors from generating an organisation's files and from building a lake of them.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A local file or directory could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Writing a Parquet file failed.
    #[error("{file}: could not write Parquet: {source}")]
    Parquet {
        file: String,
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// Arrow failed while building the batches of `file`.
    #[error("{file}: {source}")]
    Arrow {
        file: String,
        #[source]
        source: arrow::error::ArrowError,
    },
    /// A file read back (a ledger, labels) is malformed.
    #[error("{file}, line {line}: {message}")]
    Malformed {
        file: String,
        line: u64,
        message: String,
    },
    /// A generator option is out of range or malformed.
    #[error("invalid generator option `{option}`: {reason}")]
    InvalidOption {
        option: &'static str,
        reason: String,
    },
    /// Ingesting the generated files into a lake failed.
    #[error(transparent)]
    Lake(#[from] costscope_lake::Error),
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// The kind of failure: a bad option is the user's; files that cannot be written
    /// are classified by their I/O error; a ledger that does not read back is a bug.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Io { source, .. } => ErrorKind::of_io(source),
            Error::Parquet { source, .. } => costscope_lake::error::parquet_kind(source),
            Error::Arrow { source, .. } => ErrorKind::of_arrow(source),
            Error::InvalidOption { .. } => ErrorKind::User,
            Error::Malformed { .. } => ErrorKind::Internal,
            Error::Lake(error) => error.kind(),
        }
    }
}
