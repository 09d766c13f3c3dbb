//! The error type shared by the crates that only need domain errors.

/// Result alias with [`Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Errors raised while interpreting billing data against the CUR 2.0 schema, or a value
/// of the shared vocabulary (a measure, a granularity, a team expression).
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
    /// A name that is not one of the values `what` can take.
    #[error("unknown {what} `{value}`: use {expected}")]
    UnknownValue {
        what: &'static str,
        value: String,
        expected: String,
    },
    /// A known value that this analysis cannot use.
    #[error("{what} `{value}` is not available for {analysis}: use {expected}")]
    Unsupported {
        what: &'static str,
        value: String,
        analysis: &'static str,
        expected: String,
    },
    /// A team expression that does not parse.
    #[error("team `{value}`: {reason}")]
    InvalidTeam { value: String, reason: String },
}

/// `a, b or c`: the choices of an error message.
pub(crate) fn choices<T: std::fmt::Display>(values: &[T]) -> String {
    let names: Vec<String> = values.iter().map(ToString::to_string).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}
