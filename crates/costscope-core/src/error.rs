//! The error type shared by the crates that only need domain errors.

/// Result alias with [`Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Errors raised while interpreting billing data against the CUR 2.0 schema.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A required CUR column is absent from an input.
    #[error("required column `{column}` is missing")]
    MissingColumn { column: String },
    /// A column exists but its type cannot be converted to the CUR 2.0 type.
    #[error("column `{column}` has type {found}, which cannot be read as {expected}")]
    ColumnType {
        column: String,
        found: String,
        expected: String,
    },
}
