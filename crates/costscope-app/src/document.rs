//! Documents a request carries instead of paths: allocation rules, budgets, monitors,
//! prices, classification rules, a score configuration, IP ranges, anomaly labels.

use costscope_core::TeamExpr;
use std::path::Path;

use costscope_analytics::allocation::Rules;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The text of a YAML or JSON document and where it came from (a file name, for error
/// messages that point at `origin:line:column`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Document {
    pub origin: String,
    pub text: String,
}

impl Document {
    /// A document of `text` from `origin`.
    pub fn new(origin: impl Into<String>, text: impl Into<String>) -> Self {
        Document {
            origin: origin.into(),
            text: text.into(),
        }
    }

    /// The file at `path`, named by its path.
    pub fn read(path: &Path) -> Result<Self> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: origin.clone(),
            source,
        })?;
        Ok(Document { origin, text })
    }
}

/// Who owns each line: the allocation rules' owner if given, else the `user_team` tag.
/// The one place a request's rules become a team.
pub fn team(rules: Option<&Document>) -> Result<TeamExpr> {
    Ok(match rules {
        Some(document) => parse_rules(document)?.team(),
        None => TeamExpr::default(),
    })
}

/// Allocation rules from their document.
pub fn parse_rules(document: &Document) -> Result<Rules> {
    Ok(Rules::parse(&document.text, &document.origin)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_is_a_user_error_naming_it() {
        let error = Document::read(Path::new("/nonexistent/rules.yaml")).expect_err("missing");
        assert_eq!(error.kind(), crate::ErrorKind::NotFound);
        assert_eq!(error.kind().exit_code(), 1);
        assert!(
            error
                .to_string()
                .starts_with("cannot read /nonexistent/rules.yaml: ")
        );
    }

    #[test]
    fn rules_become_the_team_expression_and_no_rules_the_tag() {
        assert_eq!(team(None).expect("none"), TeamExpr::default());
        let rules = Document::new(
            "rules.yaml",
            "teams: [platform]\nrules:\n  - {team: platform, line_item_type: Usage}\n",
        );
        match team(Some(&rules)) {
            Ok(team) => assert!(team.is_rules(), "{team}"),
            Err(error) => panic!("{error}"),
        }
    }
}
