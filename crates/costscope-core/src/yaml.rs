//! Reading YAML documents (rules, budgets, access files) with the line and column of every
//! error: syntax errors from the parser, and validation errors from the spans that
//! [`Spanned`] values carry.

use std::fmt;

pub use marked_yaml::Spanned;
use serde::de::DeserializeOwned;

/// Where in a document something is wrong.
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

/// A document that does not parse or does not validate, with the place that is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct Invalid {
    pub location: Location,
    pub message: String,
}

/// Parses `text` (from `origin`, a file name for messages) into `T`; duplicate keys are
/// refused.
pub fn parse<T: DeserializeOwned>(text: &str, origin: &str) -> Result<T, Invalid> {
    let options = marked_yaml::LoaderOptions::default().error_on_duplicate_keys(true);
    marked_yaml::from_yaml_with_options(0, text, options).map_err(|e| {
        let (line, column) = error_position(&e);
        Invalid {
            location: Location {
                origin: origin.to_string(),
                line,
                column,
            },
            message: error_message(&e),
        }
    })
}

/// A validation error at the start of `value` in `origin`.
pub fn invalid<T>(origin: &str, value: &Spanned<T>, message: impl Into<String>) -> Invalid {
    let (line, column) = value
        .span()
        .start()
        .map(|m| (m.line(), m.column()))
        .unwrap_or((1, 1));
    Invalid {
        location: Location {
            origin: origin.to_string(),
            line,
            column,
        },
        message: message.into(),
    }
}

fn error_position(error: &marked_yaml::FromYamlError) -> (usize, usize) {
    use marked_yaml::FromYamlError;
    let marker = match error {
        FromYamlError::ParseYaml(load) => load_marker(load),
        FromYamlError::FromNode(node) => node.start_mark(),
    };
    marker.map(|m| (m.line(), m.column())).unwrap_or((1, 1))
}

fn load_marker(error: &marked_yaml::LoadError) -> Option<marked_yaml::Marker> {
    use marked_yaml::LoadError;
    match error {
        LoadError::TopLevelMustBeMapping(m)
        | LoadError::TopLevelMustBeSequence(m)
        | LoadError::UnexpectedAnchor(m)
        | LoadError::MappingKeyMustBeScalar(m)
        | LoadError::UnexpectedTag(m)
        | LoadError::ScanError(m, _) => Some(*m),
        LoadError::DuplicateKey(keys) => keys.key.span().start().copied(),
    }
}

fn error_message(error: &marked_yaml::FromYamlError) -> String {
    use marked_yaml::FromYamlError;
    match error {
        FromYamlError::ParseYaml(load) => load.to_string(),
        FromYamlError::FromNode(node) => node.to_string(),
    }
}
