//! Reading YAML rule files (allocation rules, budgets) with the line and column of every
//! error (see [`costscope_core::yaml`]).

use std::path::Path;

use costscope_core::yaml;
pub use costscope_core::yaml::Spanned;
use serde::de::DeserializeOwned;

use crate::Result;
use crate::error::Error;

/// Parses `text` (from `origin`, a file name for messages) into `T`.
pub fn parse<T: DeserializeOwned>(text: &str, origin: &str) -> Result<T> {
    Ok(yaml::parse(text, origin)?)
}

/// Reads and parses the YAML file at `path`.
pub fn load<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    parse(&text, &path.display().to_string())
}

/// A validation error at the start of `value` in `origin`.
pub fn invalid<T>(origin: &str, value: &Spanned<T>, message: impl Into<String>) -> Error {
    yaml::invalid(origin, value, message).into()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        teams: BTreeMap<String, Spanned<f64>>,
    }

    fn error_of(text: &str) -> String {
        parse::<Sample>(text, "rules.yaml")
            .expect_err("should fail")
            .to_string()
    }

    #[test]
    fn syntax_errors_name_file_line_and_column() {
        let message = error_of(
            "teams:
  a: 1
  b: [unclosed
",
        );
        assert!(message.starts_with("rules.yaml:"), "{message}");
        assert!(!message.starts_with("rules.yaml:1:1"), "{message}");
    }

    #[test]
    fn type_errors_point_at_the_value() {
        let message = error_of(
            "teams:
  a: 1
  b: lots
",
        );
        assert!(message.starts_with("rules.yaml:3:"), "{message}");
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let message = error_of(
            "teams:
  a: 1
  a: 2
",
        );
        assert!(message.starts_with("rules.yaml:3:"), "{message}");
    }

    #[test]
    fn unknown_fields_are_refused() {
        let message = error_of(
            "teams:
  a: 1
team: {}
",
        );
        assert!(message.contains("team"), "{message}");
    }

    #[test]
    fn validation_errors_use_the_value_span() {
        let sample: Sample = parse("teams:\n  a: 1\n  b: -5\n", "r.yaml").expect("parse");
        let value = &sample.teams["b"];
        let message = invalid("r.yaml", value, "must not be negative").to_string();
        assert_eq!(message, "r.yaml:3:6: must not be negative");
    }
}
