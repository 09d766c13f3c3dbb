//! Who owns a line of cost: a tag, a cost category, or allocation rules. Analyses take a
//! [`TeamExpr`] (typed data, never SQL text) and render it through [`crate::sql`].

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

mod pattern;

pub use pattern::Pattern;

use crate::sql::{in_list, literal, map_value};
use crate::{Error, Result};

/// The tag that names a line's team when nothing else is said.
pub const DEFAULT_TEAM_TAG: &str = "user_team";

/// The owner of cost no allocation rule claims.
pub const UNALLOCATED: &str = "unallocated";

/// How a line's team is decided.
#[derive(Debug, Clone, PartialEq)]
pub enum TeamExpr {
    /// A resource tag, by its CUR 2.0 key (`user_team`).
    Tag(String),
    /// A cost category, by name.
    CostCategory(String),
    /// Allocation rules: the first whose conditions hold names the owner.
    Rules(Arc<OwnerRules>),
}

impl Default for TeamExpr {
    fn default() -> Self {
        TeamExpr::Tag(DEFAULT_TEAM_TAG.to_string())
    }
}

impl TeamExpr {
    /// The team of a `cur` / `cur_amortized` row as SQL (NULL or empty: no team; with
    /// rules, `unallocated`).
    pub fn sql(&self) -> String {
        match self {
            TeamExpr::Tag(key) => map_value("resource_tags", key),
            TeamExpr::CostCategory(name) => map_value("cost_category", name),
            TeamExpr::Rules(rules) => rules.sql(),
        }
    }

    /// Whether every line gets an owner (rules), rather than lines without the tag or
    /// category having none.
    pub fn is_rules(&self) -> bool {
        matches!(self, TeamExpr::Rules(_))
    }
}

impl fmt::Display for TeamExpr {
    /// `tag user_team`, `category Team` or `rules FILE`: how reports name the source.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TeamExpr::Tag(key) => write!(f, "tag {key}"),
            TeamExpr::CostCategory(name) => write!(f, "category {name}"),
            TeamExpr::Rules(rules) => write!(f, "rules {}", rules.origin),
        }
    }
}

impl FromStr for TeamExpr {
    type Err = Error;

    /// `tag:KEY` (`tag:team` and `tag:user_team` are the same tag) or `category:NAME`.
    /// Allocation rules come from a rules file, not from a string.
    fn from_str(text: &str) -> Result<Self> {
        let invalid = |reason: &str| Error::InvalidTeam {
            value: text.to_string(),
            reason: reason.to_string(),
        };
        let (kind, name) = text
            .split_once(':')
            .ok_or_else(|| invalid("expected tag:KEY or category:NAME"))?;
        let name = name.trim();
        if name.is_empty() {
            return Err(invalid("the key or name is empty"));
        }
        match kind.trim().to_ascii_lowercase().as_str() {
            "tag" => Ok(TeamExpr::Tag(tag_column_key(name))),
            "category" | "cost-category" | "cost_category" => {
                Ok(TeamExpr::CostCategory(name.to_string()))
            }
            other => Err(invalid(&format!(
                "`{other}` is neither tag nor category (expected tag:KEY or category:NAME)"
            ))),
        }
    }
}

/// The key of a user tag as CUR 2.0 stores it in `resource_tags`: `team` → `user_team`
/// (`:` becomes `_`; keys already prefixed `user_` or `aws_` stay as they are).
pub fn tag_column_key(key: &str) -> String {
    let key = key.replace(':', "_");
    if key.starts_with("user_") || key.starts_with("aws_") {
        key
    } else {
        format!("user_{key}")
    }
}

/// The CUR fields allocation rules can match.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Field {
    AccountId,
    AccountName,
    Service,
    LineItemType,
    UsageType,
    Operation,
    Region,
    ResourceId,
    /// A resource tag by its CUR 2.0 key (`user_team`).
    Tag(String),
    /// A cost category by name.
    CostCategory(String),
}

impl Field {
    /// The SQL expression over `cur` / `cur_amortized` that holds this field.
    pub fn column_sql(&self) -> String {
        match self {
            Field::AccountId => "line_item_usage_account_id".into(),
            Field::AccountName => "line_item_usage_account_name".into(),
            Field::Service => "line_item_product_code".into(),
            Field::LineItemType => "line_item_line_item_type".into(),
            Field::UsageType => "line_item_usage_type".into(),
            Field::Operation => "line_item_operation".into(),
            Field::Region => "product_region_code".into(),
            Field::ResourceId => "line_item_resource_id".into(),
            Field::Tag(key) => map_value("resource_tags", key),
            Field::CostCategory(name) => map_value("cost_category", name),
        }
    }
}

/// A test of one field against one or more patterns (any may match).
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub field: Field,
    pub patterns: Vec<Pattern>,
}

/// One rule: lines matching every condition belong to `owner`.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnerRule {
    pub owner: String,
    pub conditions: Vec<Condition>,
}

/// Rules in the order they are tried; a line no rule claims is [`UNALLOCATED`].
#[derive(Debug, Clone, PartialEq)]
pub struct OwnerRules {
    /// Where the rules came from (a file name, for messages and reports).
    pub origin: String,
    pub rules: Vec<OwnerRule>,
}

impl OwnerRules {
    /// The owner of each line as one SQL `CASE` over `cur` / `cur_amortized` columns.
    pub fn sql(&self) -> String {
        self.sql_over(Field::column_sql)
    }

    /// [`OwnerRules::sql`] with each field read from the expression `column` gives
    /// (for queries over pre-grouped rows whose columns are aliases).
    pub fn sql_over(&self, column: impl Fn(&Field) -> String) -> String {
        if self.rules.is_empty() {
            return literal(UNALLOCATED);
        }
        let mut sql = String::from("CASE");
        for rule in &self.rules {
            let tests: Vec<String> = rule
                .conditions
                .iter()
                .map(|c| any_matches(&column(&c.field), &c.patterns))
                .collect();
            sql.push_str(&format!(
                " WHEN {} THEN {}",
                tests.join(" AND "),
                literal(&rule.owner)
            ));
        }
        sql.push_str(&format!(" ELSE {} END", literal(UNALLOCATED)));
        sql
    }
}

/// SQL that is true when `column` matches any of `patterns` (NULL, which a `CASE`
/// treats as false, when the column is NULL).
pub fn any_matches(column: &str, patterns: &[Pattern]) -> String {
    let exact: Vec<&str> = patterns
        .iter()
        .filter_map(|p| match p {
            Pattern::Exact(value) => Some(value.as_str()),
            _ => None,
        })
        .collect();
    let mut tests = Vec::new();
    if !exact.is_empty() {
        tests.push(in_list(column, exact));
    }
    for pattern in patterns {
        match pattern {
            Pattern::Exact(_) => {}
            Pattern::Like(like) => tests.push(crate::sql::like(column, like)),
            Pattern::Regex(expression) => tests.push(crate::sql::regexp_like(column, expression)),
        }
    }
    if tests.len() == 1 {
        tests.remove(0)
    } else {
        format!("({})", tests.join(" OR "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn team_expressions_parse_with_clear_errors() {
        assert_eq!(
            "tag:team".parse::<TeamExpr>().ok(),
            Some(TeamExpr::default())
        );
        assert_eq!(
            "tag:user_team".parse::<TeamExpr>().ok(),
            Some(TeamExpr::Tag("user_team".into()))
        );
        assert_eq!(
            "category:Business Unit".parse::<TeamExpr>().ok(),
            Some(TeamExpr::CostCategory("Business Unit".into()))
        );
        let missing = "team".parse::<TeamExpr>().expect_err("no kind");
        assert_eq!(
            missing.to_string(),
            "team `team`: expected tag:KEY or category:NAME"
        );
        let empty = "tag: ".parse::<TeamExpr>().expect_err("empty key");
        assert!(empty.to_string().contains("empty"), "{empty}");
        let other = "label:x".parse::<TeamExpr>().expect_err("unknown kind");
        assert!(other.to_string().contains("`label`"), "{other}");
    }

    #[test]
    fn team_sql_quotes_keys_and_rules() {
        assert_eq!(TeamExpr::default().sql(), "resource_tags['user_team']");
        assert_eq!(
            TeamExpr::CostCategory("it's".into()).sql(),
            "cost_category['it''s']"
        );
        let rules = OwnerRules {
            origin: "rules.yaml".into(),
            rules: vec![OwnerRule {
                owner: "o'team".into(),
                conditions: vec![Condition {
                    field: Field::AccountName,
                    patterns: vec![
                        Pattern::Exact("O'Brien".into()),
                        Pattern::Exact("b".into()),
                        Pattern::Like("x%".into()),
                    ],
                }],
            }],
        };
        assert_eq!(
            TeamExpr::Rules(Arc::new(rules.clone())).sql(),
            "CASE WHEN (line_item_usage_account_name IN ('O''Brien', 'b') OR \
             line_item_usage_account_name LIKE 'x%') THEN 'o''team' ELSE 'unallocated' END"
        );
        assert_eq!(
            TeamExpr::Rules(Arc::new(rules)).to_string(),
            "rules rules.yaml"
        );
        let empty = OwnerRules {
            origin: "none".into(),
            rules: vec![],
        };
        assert_eq!(empty.sql(), "'unallocated'");
    }

    #[test]
    fn tag_keys_take_the_cur_prefix() {
        assert_eq!(tag_column_key("team"), "user_team");
        assert_eq!(tag_column_key("user_team"), "user_team");
        assert_eq!(tag_column_key("aws:createdBy"), "aws_createdBy");
    }
}
