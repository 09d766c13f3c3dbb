//! The query engine's error type: user errors (bad SQL, denied access) apart from bugs.

/// Result alias with [`Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Errors from planning and running queries.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// DataFusion rejected or failed the query.
    #[error(transparent)]
    DataFusion(#[from] datafusion::error::DataFusionError),
    /// The lake could not be opened.
    #[error(transparent)]
    Lake(#[from] costscope_lake::Error),
}
