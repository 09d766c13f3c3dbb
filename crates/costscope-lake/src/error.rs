//! The lake's error type. Every variant that concerns an input names the file (and the
//! line, row or column where known) so a user can find what is wrong.

use std::path::PathBuf;

use costscope_core::ErrorKind;

/// Result alias with [`Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Errors from reading sources and maintaining the lake.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A local file or directory could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A Parquet file is corrupt, truncated or unreadable.
    #[error("{file}: not a readable Parquet file: {source}")]
    Parquet {
        file: String,
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// Arrow failed while converting data read from `file`.
    #[error("{file}: {source}")]
    Arrow {
        file: String,
        #[source]
        source: arrow::error::ArrowError,
    },
    /// Object storage (S3 or the local file system behind it) failed.
    #[error("{location}: {source}")]
    ObjectStore {
        location: String,
        #[source]
        source: object_store::Error,
    },
    /// A text input (CSV, JSON lines, flow-log line) is malformed.
    #[error("{file}, line {line}: {message}")]
    Malformed {
        file: String,
        line: u64,
        message: String,
    },
    /// A gzip stream is corrupt or truncated.
    #[error("{file}: corrupt or truncated gzip data: {source}")]
    Gzip {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// An input lacks a required column or has one of an unusable type.
    #[error("{file}: {source}")]
    Schema {
        file: String,
        #[source]
        source: costscope_core::Error,
    },
    /// The source is not laid out as any export costscope recognises.
    #[error("{source_path}: unrecognised layout: {reason}")]
    Layout { source_path: String, reason: String },
    /// The source holds no data files at all.
    #[error("{source_path}: no data files found")]
    EmptySource { source_path: String },
    /// One billing period mixes currencies; summing them would be wrong.
    #[error(
        "billing period {period} mixes currencies ({currencies}); costscope never sums different currencies"
    )]
    MixedCurrency { period: String, currencies: String },
    /// A manifest (AWS's or the lake's own) could not be parsed.
    #[error("{file}: invalid manifest: {reason}")]
    Manifest { file: String, reason: String },
    /// A source location (path or URL) is not valid.
    #[error("invalid source `{source_path}`: {reason}")]
    InvalidSource { source_path: String, reason: String },
    /// Another process holds the lake's write lock.
    #[error("{}: another ingest is running (lock held)", path.display())]
    Locked { path: PathBuf },
    /// A value cannot be read as the CUR 2.0 type of the column it feeds. `line` is its line
    /// in a text file; without one (typed inputs such as Parquet), `row` counts from 1 within
    /// the batch being converted.
    #[error("{file}, {}, column `{column}`: {message}", value_position(.line, .row))]
    InvalidValue {
        file: String,
        line: Option<u64>,
        row: u64,
        column: String,
        message: String,
    },
    /// The thread writing lake files stopped unexpectedly (a bug).
    #[error("internal error: the lake writer thread panicked")]
    WriterPanicked,
    /// The writer thread stopped on an error, which its owner reports instead.
    #[error("internal error: the lake writer stopped")]
    WriterStopped,
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// The kind of failure: a bad or missing input is the user's; a lake or S3 that cannot
    /// be read or written is unavailable; a writer that stopped is a bug.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Io { source, .. } => ErrorKind::of_io(source),
            Error::Parquet { source, .. } => parquet_kind(source),
            Error::Arrow { source, .. } => ErrorKind::of_arrow(source),
            Error::ObjectStore { source, .. } => object_store_kind(source),
            Error::Schema { source, .. } => source.kind(),
            Error::Malformed { .. }
            | Error::Gzip { .. }
            | Error::Layout { .. }
            | Error::EmptySource { .. }
            | Error::MixedCurrency { .. }
            | Error::Manifest { .. }
            | Error::InvalidSource { .. }
            | Error::InvalidValue { .. } => ErrorKind::User,
            Error::Locked { .. } => ErrorKind::Conflict,
            Error::WriterPanicked | Error::WriterStopped => ErrorKind::Internal,
        }
    }
}

/// The kind of an object-store failure (S3, or the local file system behind a source).
pub fn object_store_kind(error: &object_store::Error) -> ErrorKind {
    use object_store::Error as Store;
    match error {
        Store::NotFound { .. } => ErrorKind::NotFound,
        Store::PermissionDenied { .. } | Store::Unauthenticated { .. } => ErrorKind::Denied,
        Store::AlreadyExists { .. } | Store::Precondition { .. } | Store::NotModified { .. } => {
            ErrorKind::Conflict
        }
        Store::InvalidPath { .. }
        | Store::NotSupported { .. }
        | Store::NotImplemented { .. }
        | Store::UnknownConfigurationKey { .. } => ErrorKind::User,
        _ => ErrorKind::Unavailable,
    }
}

/// The kind of a Parquet failure: I/O underneath is classified as such; anything else
/// means the file is not readable Parquet, a fault of the input.
pub fn parquet_kind(error: &parquet::errors::ParquetError) -> ErrorKind {
    match error {
        parquet::errors::ParquetError::External(source) => {
            if let Some(io) = source.downcast_ref::<std::io::Error>() {
                ErrorKind::of_io(io)
            } else if let Some(store) = source.downcast_ref::<object_store::Error>() {
                object_store_kind(store)
            } else {
                ErrorKind::Unavailable
            }
        }
        _ => ErrorKind::User,
    }
}

fn value_position(line: &Option<u64>, row: &u64) -> String {
    match line {
        Some(line) => format!("line {line}"),
        None => format!("row {row} of the batch"),
    }
}
