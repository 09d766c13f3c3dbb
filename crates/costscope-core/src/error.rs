//! The error type shared by the crates that only need domain errors, and [`ErrorKind`], the
//! one classification of failures that every crate's error maps to.

use arrow::error::ArrowError;

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

impl Error {
    /// Every variant describes an input the user can fix.
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::User
    }
}

/// What kind of failure an error is, whichever crate raised it. Every crate's error has a
/// `kind()`; the CLI's exit code, the HTTP status and the PostgreSQL SQLSTATE are derived
/// from it here, and nowhere else.
///
/// | kind | exit code | HTTP status | SQLSTATE |
/// |---|---|---|---|
/// | `user` | 1 | 400 | `42000` |
/// | `not-found` | 1 | 404 | `42704` |
/// | `unauthenticated` | 1 | 401 | `28000` |
/// | `denied` | 1 | 403 | `42501` |
/// | `conflict` | 1 | 409 | `55000` |
/// | `busy` | 4 | 429 | `53000` |
/// | `unavailable` | 4 | 503 | `58000` |
/// | `internal` | 3 | 500 | `XX000` |
///
/// The exit code says who has to act: 1 the caller (change the request), 4 the environment
/// (a store, a file system or S3; trying again may work), 3 costscope (a bug). Exit code 2 is
/// left to argument parsing, which reports unknown options and missing arguments with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The request is wrong and the caller can fix it: a bad argument, option, query, rules
    /// file or input file.
    User,
    /// Something the request names does not exist: an id, a path, an object in S3.
    NotFound,
    /// The caller did not say who they are, or the credential is unknown, expired or
    /// forged.
    Unauthenticated,
    /// The caller may not do this: file or bucket permissions, missing credentials, a
    /// principal's grants.
    Denied,
    /// The request clashes with the current state: a lifecycle transition that is not
    /// allowed, another ingest holding the lake's lock, a concurrent change.
    Conflict,
    /// Too much is running: a workgroup's queue is full. Trying again later may work.
    Busy,
    /// Something outside the request failed: an external service, store or S3 could not be
    /// reached, a file system failed, memory ran out.
    Unavailable,
    /// A bug: an invariant of costscope does not hold.
    Internal,
}

impl ErrorKind {
    /// Every kind, in the order of the table above.
    pub const ALL: [ErrorKind; 8] = [
        ErrorKind::User,
        ErrorKind::NotFound,
        ErrorKind::Unauthenticated,
        ErrorKind::Denied,
        ErrorKind::Conflict,
        ErrorKind::Busy,
        ErrorKind::Unavailable,
        ErrorKind::Internal,
    ];

    /// A stable lowercase name, for logs and error bodies.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::User => "user",
            ErrorKind::NotFound => "not-found",
            ErrorKind::Unauthenticated => "unauthenticated",
            ErrorKind::Denied => "denied",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Busy => "busy",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Internal => "internal",
        }
    }

    /// The CLI's exit code (see the table on [`ErrorKind`]).
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorKind::User
            | ErrorKind::NotFound
            | ErrorKind::Unauthenticated
            | ErrorKind::Denied
            | ErrorKind::Conflict => 1,
            ErrorKind::Internal => 3,
            ErrorKind::Busy | ErrorKind::Unavailable => 4,
        }
    }

    /// The HTTP status of a response reporting the error.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorKind::User => 400,
            ErrorKind::Unauthenticated => 401,
            ErrorKind::Denied => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::Conflict => 409,
            ErrorKind::Busy => 429,
            ErrorKind::Internal => 500,
            ErrorKind::Unavailable => 503,
        }
    }

    /// The PostgreSQL SQLSTATE of an error reported over the PostgreSQL protocol.
    pub fn sqlstate(self) -> &'static str {
        match self {
            ErrorKind::User => "42000",
            ErrorKind::NotFound => "42704",
            ErrorKind::Unauthenticated => "28000",
            ErrorKind::Denied => "42501",
            ErrorKind::Conflict => "55000",
            ErrorKind::Busy => "53000",
            ErrorKind::Unavailable => "58000",
            ErrorKind::Internal => "XX000",
        }
    }

    /// The kind of an I/O failure: a missing path or a permission names the request; bad
    /// data in a file the user gave is theirs to fix; anything else is the file system.
    pub fn of_io(error: &std::io::Error) -> ErrorKind {
        use std::io::ErrorKind as Io;
        match error.kind() {
            Io::NotFound => ErrorKind::NotFound,
            Io::PermissionDenied | Io::ReadOnlyFilesystem => ErrorKind::Denied,
            Io::AlreadyExists => ErrorKind::Conflict,
            Io::InvalidInput
            | Io::InvalidData
            | Io::InvalidFilename
            | Io::IsADirectory
            | Io::NotADirectory => ErrorKind::User,
            _ => ErrorKind::Unavailable,
        }
    }

    /// The kind of an Arrow failure met while reading or computing values: a value that
    /// does not cast, parse or fit is the input's or the query's; I/O and memory are the
    /// environment's; the rest (and wrapped errors of unknown origin) are bugs.
    pub fn of_arrow(error: &ArrowError) -> ErrorKind {
        match error {
            ArrowError::CastError(_)
            | ArrowError::ParseError(_)
            | ArrowError::ComputeError(_)
            | ArrowError::DivideByZero
            | ArrowError::ArithmeticOverflow(_)
            | ArrowError::InvalidArgumentError(_)
            | ArrowError::SchemaError(_)
            | ArrowError::CsvError(_)
            | ArrowError::JsonError(_)
            | ArrowError::ParquetError(_)
            | ArrowError::NotYetImplemented(_) => ErrorKind::User,
            ArrowError::IoError(_, source) => ErrorKind::of_io(source),
            ArrowError::MemoryError(_) => ErrorKind::Unavailable,
            ArrowError::ExternalError(source) => source
                .downcast_ref::<std::io::Error>()
                .map_or(ErrorKind::Internal, ErrorKind::of_io),
            _ => ErrorKind::Internal,
        }
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_exit_codes_and_statuses_follow_the_table() {
        let table: Vec<_> = ErrorKind::ALL
            .iter()
            .map(|k| (k.name(), k.exit_code(), k.http_status(), k.sqlstate()))
            .collect();
        assert_eq!(
            table,
            [
                ("user", 1, 400, "42000"),
                ("not-found", 1, 404, "42704"),
                ("unauthenticated", 1, 401, "28000"),
                ("denied", 1, 403, "42501"),
                ("conflict", 1, 409, "55000"),
                ("busy", 4, 429, "53000"),
                ("unavailable", 4, 503, "58000"),
                ("internal", 3, 500, "XX000"),
            ]
        );
        assert_eq!(ErrorKind::NotFound.to_string(), "not-found");
    }

    #[test]
    fn io_failures_are_classified_by_their_cause() {
        let io = |kind| ErrorKind::of_io(&std::io::Error::from(kind));
        assert_eq!(io(std::io::ErrorKind::NotFound), ErrorKind::NotFound);
        assert_eq!(io(std::io::ErrorKind::PermissionDenied), ErrorKind::Denied);
        assert_eq!(io(std::io::ErrorKind::AlreadyExists), ErrorKind::Conflict);
        assert_eq!(io(std::io::ErrorKind::InvalidData), ErrorKind::User);
        assert_eq!(io(std::io::ErrorKind::StorageFull), ErrorKind::Unavailable);
        assert_eq!(io(std::io::ErrorKind::Other), ErrorKind::Unavailable);
    }

    #[test]
    fn arrow_failures_separate_bad_values_from_the_environment() {
        assert_eq!(
            ErrorKind::of_arrow(&ArrowError::CastError("x".into())),
            ErrorKind::User
        );
        assert_eq!(
            ErrorKind::of_arrow(&ArrowError::DivideByZero),
            ErrorKind::User
        );
        let disk_full = std::io::Error::from(std::io::ErrorKind::StorageFull);
        assert_eq!(
            ErrorKind::of_arrow(&ArrowError::from(disk_full)),
            ErrorKind::Unavailable
        );
        let wrapped =
            ArrowError::ExternalError(Box::new(std::io::Error::from(std::io::ErrorKind::NotFound)));
        assert_eq!(ErrorKind::of_arrow(&wrapped), ErrorKind::NotFound);
        assert_eq!(
            ErrorKind::of_arrow(&ArrowError::DictionaryKeyOverflowError),
            ErrorKind::Internal
        );
    }

    #[test]
    fn schema_errors_are_user_errors() {
        let error = Error::MissingColumn {
            column: "bill_payer_account_id".into(),
        };
        assert_eq!(error.kind(), ErrorKind::User);
    }
}
