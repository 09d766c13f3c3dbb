//! The query engine's error type, and [`classify`], the one reading of DataFusion's errors
//! as an [`ErrorKind`].

use std::error::Error as StdError;

use costscope_core::ErrorKind;
use datafusion::arrow::error::ArrowError;
use datafusion::error::DataFusionError;

/// Result alias with [`Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Errors from planning and running queries.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// DataFusion rejected or failed the query.
    #[error(transparent)]
    DataFusion(#[from] DataFusionError),
    /// The lake could not be opened.
    #[error(transparent)]
    Lake(#[from] costscope_lake::Error),
    /// The access file does not parse or validate.
    #[error(transparent)]
    Access(#[from] costscope_core::yaml::Invalid),
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A credential that names no principal.
    #[error("{0}")]
    Unauthenticated(String),
    /// The principal may not do this.
    #[error("permission denied: {0}")]
    Denied(String),
    /// A principal or workgroup that does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The workgroup's queue is full.
    #[error("{0}")]
    Busy(String),
    /// The query went past a limit of its workgroup (time, rows).
    #[error("{0}")]
    Limit(String),
    /// An error shown to a restricted principal: its message without the lake's paths.
    #[error("{message}")]
    Redacted { kind: ErrorKind, message: String },
}

impl Error {
    /// The kind of failure (see [`classify`] for DataFusion's errors).
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::DataFusion(error) => classify(error),
            Error::Lake(error) => error.kind(),
            Error::Access(_) | Error::Limit(_) => ErrorKind::User,
            Error::Io { source, .. } => ErrorKind::of_io(source),
            Error::Unauthenticated(_) => ErrorKind::Unauthenticated,
            Error::Denied(_) => ErrorKind::Denied,
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::Busy(_) => ErrorKind::Busy,
            Error::Redacted { kind, .. } => *kind,
        }
    }
}

/// The kind of a DataFusion error, judged by its root cause (wrappers such as `Context`,
/// `Diagnostic`, `Shared` and `Collection` are looked through).
///
/// A query that does not plan (SQL, plan, schema errors, unsupported features, bad
/// settings) or fails on its values (a cast, a function's argument) is the user's; I/O,
/// object stores, unreadable Parquet and exhausted memory are unavailable; `Internal` and
/// failed tasks are bugs. Errors of our own crates wrapped in `External` keep their kind.
pub fn classify(error: &DataFusionError) -> ErrorKind {
    match error.find_root() {
        DataFusionError::SQL(..)
        | DataFusionError::Plan(_)
        | DataFusionError::SchemaError(..)
        | DataFusionError::NotImplemented(_)
        | DataFusionError::Configuration(_)
        | DataFusionError::Execution(_)
        | DataFusionError::Substrait(_) => ErrorKind::User,
        DataFusionError::ArrowError(error, _) => match error.as_ref() {
            ArrowError::ExternalError(source) => classify_source(source.as_ref()),
            error => ErrorKind::of_arrow(error),
        },
        DataFusionError::ParquetError(error) => costscope_lake::error::parquet_kind(error),
        DataFusionError::ObjectStore(error) => costscope_lake::error::object_store_kind(error),
        DataFusionError::IoError(error) => ErrorKind::of_io(error),
        DataFusionError::ResourcesExhausted(_) => ErrorKind::Unavailable,
        DataFusionError::External(source) => classify_source(source.as_ref()),
        DataFusionError::Collection(errors) => errors.first().map_or(ErrorKind::Internal, classify),
        DataFusionError::Context(_, inner) | DataFusionError::Diagnostic(_, inner) => {
            classify(inner)
        }
        DataFusionError::Shared(inner) => classify(inner),
        _ => ErrorKind::Internal,
    }
}

/// The kind of an error DataFusion carries without knowing its type: ours, or one of the
/// libraries underneath. Anything else is unexpected, so a bug.
fn classify_source(error: &(dyn StdError + Send + Sync + 'static)) -> ErrorKind {
    if let Some(error) = error.downcast_ref::<DataFusionError>() {
        classify(error)
    } else if let Some(error) = error.downcast_ref::<Error>() {
        error.kind()
    } else if let Some(error) = error.downcast_ref::<costscope_lake::Error>() {
        error.kind()
    } else if let Some(error) = error.downcast_ref::<costscope_core::Error>() {
        error.kind()
    } else if let Some(error) = error.downcast_ref::<std::io::Error>() {
        ErrorKind::of_io(error)
    } else if let Some(error) = error.downcast_ref::<ArrowError>() {
        ErrorKind::of_arrow(error)
    } else if let Some(error) = error.downcast_ref::<object_store::Error>() {
        costscope_lake::error::object_store_kind(error)
    } else {
        ErrorKind::Internal
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn io(kind: std::io::ErrorKind) -> std::io::Error {
        std::io::Error::from(kind)
    }

    #[test]
    fn planning_and_value_errors_are_the_users() {
        for error in [
            DataFusionError::Plan("no column".into()),
            DataFusionError::NotImplemented("LATERAL".into()),
            DataFusionError::Execution("Limit must be positive".into()),
            DataFusionError::Configuration("unknown key".into()),
            DataFusionError::ArrowError(Box::new(ArrowError::DivideByZero), None),
        ] {
            assert_eq!(classify(&error), ErrorKind::User, "{error}");
        }
    }

    #[test]
    fn wrappers_are_looked_through() {
        let internal = || DataFusionError::Internal("broken invariant".into());
        assert_eq!(classify(&internal()), ErrorKind::Internal);
        assert_eq!(
            classify(&internal().context("while planning")),
            ErrorKind::Internal
        );
        assert_eq!(
            classify(&DataFusionError::Shared(Arc::new(internal()))),
            ErrorKind::Internal
        );
        assert_eq!(
            classify(&DataFusionError::Collection(vec![
                DataFusionError::ResourcesExhausted("memory".into()),
                internal(),
            ])),
            ErrorKind::Unavailable
        );
        let in_arrow = ArrowError::ExternalError(Box::new(internal()));
        assert_eq!(
            classify(&DataFusionError::ArrowError(Box::new(in_arrow), None)),
            ErrorKind::Internal
        );
    }

    #[test]
    fn storage_failures_are_unavailable_or_name_what_is_missing() {
        let disk = DataFusionError::IoError(io(std::io::ErrorKind::StorageFull));
        assert_eq!(classify(&disk), ErrorKind::Unavailable);
        let gone = DataFusionError::ObjectStore(Box::new(object_store::Error::NotFound {
            path: "cur/part-0.parquet".into(),
            source: Box::new(io(std::io::ErrorKind::NotFound)),
        }));
        assert_eq!(classify(&gone), ErrorKind::NotFound);
        let unreachable = DataFusionError::ObjectStore(Box::new(object_store::Error::Generic {
            store: "S3",
            source: Box::new(io(std::io::ErrorKind::ConnectionRefused)),
        }));
        assert_eq!(classify(&unreachable), ErrorKind::Unavailable);
        let memory = DataFusionError::ResourcesExhausted("sort".into());
        assert_eq!(classify(&memory), ErrorKind::Unavailable);
    }

    #[test]
    fn our_errors_keep_their_kind_inside_external() {
        let locked = costscope_lake::Error::Locked {
            path: "lake/.lock".into(),
        };
        let external = DataFusionError::External(Box::new(locked));
        assert_eq!(classify(&external), ErrorKind::Conflict);
        let unknown = DataFusionError::External("something else".into());
        assert_eq!(classify(&unknown), ErrorKind::Internal);
        let lake = Error::Lake(costscope_lake::Error::Io {
            path: "lake/manifest.json".into(),
            source: io(std::io::ErrorKind::PermissionDenied),
        });
        assert_eq!(lake.kind(), ErrorKind::Denied);
    }
}
