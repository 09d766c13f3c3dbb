//! Static versus variable cost: ordered rules over the service (`line_item_product_code`),
//! usage type and line item type, compiled into one SQL `CASE`. Static cost is paid for
//! capacity whether or not it is used (instance hours, NAT gateway hours, provisioned
//! volumes, commitments); variable cost follows the work done (requests, tokens, bytes,
//! data stored).
//!
//! A YAML file may add rules, checked before the built-in ones:
//!
//! ```yaml
//! default: variable        # class of cost no rule matches (default: variable)
//! builtin_rules: true      # keep the built-in rules after these (default: true)
//! rules:
//!   - class: static
//!     service: AmazonS3
//!     usage_type: "*TimedStorage*"
//! ```
//!
//! `service`, `usage_type` and `line_item_type` are patterns where `*` matches any text;
//! a rule needs at least one of them and matches when all it names match.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::records::literal;
use crate::rules_file::{self, Spanned, invalid};
use crate::{Error, Result};

/// Which side of the split a cost falls on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CostClass {
    /// Paid for capacity, whatever the volume.
    Static,
    /// Follows the volume of work.
    Variable,
}

impl CostClass {
    fn as_str(self) -> &'static str {
        match self {
            CostClass::Static => "static",
            CostClass::Variable => "variable",
        }
    }
}

/// One rule: a cost matching every pattern given is of `class`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassRule {
    pub class: CostClass,
    /// `line_item_product_code` pattern (`*` matches any text).
    pub service: Option<String>,
    /// `line_item_usage_type` pattern.
    pub usage_type: Option<String>,
    /// `line_item_line_item_type` pattern.
    pub line_item_type: Option<String>,
}

impl ClassRule {
    fn new(class: CostClass, service: Option<&str>, usage_type: Option<&str>) -> Self {
        ClassRule {
            class,
            service: service.map(str::to_string),
            usage_type: usage_type.map(str::to_string),
            line_item_type: None,
        }
    }
}

/// Ordered rules (the first match decides) and the class of everything else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Classification {
    pub rules: Vec<ClassRule>,
    pub default: CostClass,
}

impl Default for Classification {
    /// The built-in classification (see `docs/unit-cost.md`).
    fn default() -> Self {
        Classification {
            rules: builtin_rules(),
            default: CostClass::Variable,
        }
    }
}

fn builtin_rules() -> Vec<ClassRule> {
    use CostClass::{Static, Variable};
    let mut rules = Vec::new();
    // Commitments are paid whether used or not.
    for line_item_type in ["RIFee", "SavingsPlanRecurringFee", "SavingsPlanUpfrontFee"] {
        rules.push(ClassRule {
            line_item_type: Some(line_item_type.into()),
            ..ClassRule::new(Static, None, None)
        });
    }
    // Per-byte charges are variable, whichever service bills them (NAT bytes are billed
    // by EC2, like NAT hours).
    for bytes in ["*DataTransfer*", "*-Bytes*", "*-Out-Bytes*", "*-In-Bytes*"] {
        rules.push(ClassRule::new(Variable, None, Some(bytes)));
    }
    let static_usage: [(&str, &str); 12] = [
        ("AmazonEC2", "*BoxUsage*"),
        ("AmazonEC2", "*SpotUsage*"),
        ("AmazonEC2", "*DedicatedUsage*"),
        ("AmazonEC2", "*HostUsage*"),
        ("AmazonEC2", "*NatGateway-Hours*"),
        ("AmazonEC2", "*EBS:*"),
        ("*", "*PublicIPv4*"),
        ("*", "*LoadBalancerUsage*"),
        ("AmazonRDS", "*InstanceUsage*"),
        ("AmazonRDS", "*Multi-AZUsage*"),
        ("AmazonRDS", "*RDS:*Storage*"),
        ("AmazonElastiCache", "*NodeUsage*"),
    ];
    for (service, usage_type) in static_usage {
        rules.push(ClassRule::new(Static, Some(service), Some(usage_type)));
    }
    for service in ["AWSLambda", "AmazonBedrock", "AmazonS3", "AmazonDynamoDB"] {
        rules.push(ClassRule::new(Variable, Some(service), None));
    }
    rules
}

impl Classification {
    /// The classification in a YAML file: its rules, then (unless `builtin_rules: false`)
    /// the built-in ones. Errors name the file, line and column.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses classification YAML; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        let file: ClassificationFile = rules_file::parse(text, origin)?;
        let mut rules = Vec::new();
        for rule in file.rules {
            let class = class_of(&rule.class, origin)?;
            let patterns = [&rule.service, &rule.usage_type, &rule.line_item_type];
            if patterns.iter().all(|p| p.is_none()) {
                return Err(invalid(
                    origin,
                    &rule.class,
                    "a rule needs `service`, `usage_type` or `line_item_type`",
                ));
            }
            for pattern in patterns.into_iter().flatten() {
                if pattern.trim().is_empty() {
                    return Err(invalid(origin, pattern, "an empty pattern matches nothing"));
                }
            }
            let text = |p: &Option<Spanned<String>>| p.as_ref().map(|s| s.as_str().to_string());
            rules.push(ClassRule {
                class,
                service: text(&rule.service),
                usage_type: text(&rule.usage_type),
                line_item_type: text(&rule.line_item_type),
            });
        }
        if file.builtin_rules.unwrap_or(true) {
            rules.extend(builtin_rules());
        }
        Ok(Classification {
            rules,
            default: match &file.default {
                Some(default) => class_of(default, origin)?,
                None => CostClass::Variable,
            },
        })
    }

    /// An SQL predicate over a CUR row that is true when its cost is static.
    pub fn static_predicate(&self) -> String {
        let mut sql = String::from("CASE");
        for rule in &self.rules {
            let mut conditions = Vec::new();
            for (column, pattern) in [
                ("line_item_product_code", &rule.service),
                ("line_item_usage_type", &rule.usage_type),
                ("line_item_line_item_type", &rule.line_item_type),
            ] {
                if let Some(pattern) = pattern {
                    conditions.push(pattern_sql(column, pattern));
                }
            }
            let is_static = rule.class == CostClass::Static;
            sql.push_str(&format!(
                " WHEN {} THEN {is_static}",
                conditions.join(" AND ")
            ));
        }
        sql.push_str(&format!(" ELSE {} END", self.default == CostClass::Static));
        sql
    }

    /// The class a row with these attributes falls in (the same rules as the SQL, for
    /// explaining a classification and for tests).
    pub fn classify(&self, service: &str, usage_type: &str, line_item_type: &str) -> CostClass {
        self.rules
            .iter()
            .find(|rule| {
                [
                    (&rule.service, service),
                    (&rule.usage_type, usage_type),
                    (&rule.line_item_type, line_item_type),
                ]
                .iter()
                .all(|(pattern, value)| pattern.as_ref().is_none_or(|p| glob_matches(p, value)))
            })
            .map(|rule| rule.class)
            .unwrap_or(self.default)
    }

    /// A one-line description for reports.
    pub fn describe(&self) -> String {
        format!(
            "{} rule(s), first match wins; anything else is {}",
            self.rules.len(),
            self.default.as_str()
        )
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassificationFile {
    #[serde(default)]
    default: Option<Spanned<String>>,
    #[serde(default)]
    builtin_rules: Option<bool>,
    #[serde(default)]
    rules: Vec<RuleEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleEntry {
    class: Spanned<String>,
    #[serde(default)]
    service: Option<Spanned<String>>,
    #[serde(default)]
    usage_type: Option<Spanned<String>>,
    #[serde(default)]
    line_item_type: Option<Spanned<String>>,
}

/// A class name, or an error at its position.
fn class_of(name: &Spanned<String>, origin: &str) -> Result<CostClass> {
    match name.as_str() {
        "static" => Ok(CostClass::Static),
        "variable" => Ok(CostClass::Variable),
        other => Err(invalid(
            origin,
            name,
            format!("unknown class `{other}` (expected static or variable)"),
        )),
    }
}

/// `column LIKE pattern` with `*` as the wildcard and SQL wildcards taken literally;
/// `column = pattern` when there is no wildcard.
fn pattern_sql(column: &str, pattern: &str) -> String {
    if !pattern.contains('*') {
        return format!("{column} = {}", literal(pattern));
    }
    let mut like = String::new();
    for c in pattern.chars() {
        match c {
            '*' => like.push('%'),
            '%' | '_' | '\\' => {
                like.push('\\');
                like.push(c);
            }
            other => like.push(other),
        }
    }
    format!("coalesce({column}, '') LIKE {}", literal(&like))
}

/// `*`-glob matching, as [`pattern_sql`] does in SQL.
fn glob_matches(pattern: &str, value: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == value;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !value.starts_with(first) || !value.ends_with(last) || value.len() < first.len() + last.len()
    {
        return false;
    }
    let mut rest = &value[first.len()..value.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_rules_split_capacity_from_work() {
        let c = Classification::default();
        let class = |s, u| c.classify(s, u, "Usage");
        assert_eq!(
            class("AmazonEC2", "USE1-BoxUsage:m5.xlarge"),
            CostClass::Static
        );
        assert_eq!(
            class("AmazonEC2", "USE1-NatGateway-Hours"),
            CostClass::Static
        );
        assert_eq!(
            class("AmazonEC2", "USE1-NatGateway-Bytes"),
            CostClass::Variable
        );
        assert_eq!(
            class("AmazonEC2", "USE1-EBS:VolumeUsage.gp3"),
            CostClass::Static
        );
        assert_eq!(
            class("AmazonRDS", "USE1-InstanceUsage:db.r6g.large"),
            CostClass::Static
        );
        assert_eq!(class("AWSLambda", "USE1-Request"), CostClass::Variable);
        assert_eq!(
            class("AmazonS3", "USE1-TimedStorage-ByteHrs"),
            CostClass::Variable
        );
        assert_eq!(
            class("AmazonEC2", "USE1-DataTransfer-Regional-Bytes"),
            CostClass::Variable
        );
        assert_eq!(c.classify("AmazonEC2", "", "RIFee"), CostClass::Static);
    }

    #[test]
    fn file_rules_come_first_and_may_drop_the_built_in_ones() {
        let c = Classification::parse(
            "rules:\n  - class: static\n    service: AmazonS3\n    usage_type: \"*TimedStorage*\"\n",
            "c.yaml",
        )
        .expect("parse");
        assert_eq!(
            c.classify("AmazonS3", "USE1-TimedStorage-ByteHrs", "Usage"),
            CostClass::Static
        );
        assert_eq!(
            c.classify("AWSLambda", "USE1-Request", "Usage"),
            CostClass::Variable
        );
        let only = Classification::parse(
            "default: static\nbuiltin_rules: false\nrules:\n  - class: variable\n    service: AWSLambda\n",
            "c.yaml",
        )
        .expect("parse");
        assert_eq!(only.rules.len(), 1);
        assert_eq!(only.classify("AmazonS3", "x", "Usage"), CostClass::Static);
    }

    #[test]
    fn bad_files_name_line_and_column() {
        let error = |text: &str| {
            Classification::parse(text, "c.yaml")
                .expect_err("should fail")
                .to_string()
        };
        let e = error("rules:\n  - class: fixed\n    service: AmazonEC2\n");
        assert!(e.starts_with("c.yaml:2:"), "{e}");
        let e = error("rules:\n  - class: static\n");
        assert!(e.starts_with("c.yaml:2:") && e.contains("needs"), "{e}");
        let e = error("rules:\n  - class: static\n    service: ''\n");
        assert!(e.starts_with("c.yaml:3:") && e.contains("empty"), "{e}");
        let e = error("rule: []\n");
        assert!(e.contains("rule"), "{e}");
    }

    #[test]
    fn patterns_escape_sql_wildcards() {
        assert_eq!(
            pattern_sql("c", "a_b*"),
            "coalesce(c, '') LIKE 'a\\_b%'".to_string()
        );
        assert_eq!(pattern_sql("c", "O'Brien"), "c = 'O''Brien'");
        assert!(glob_matches("*Box*", "USE1-BoxUsage:m5"));
        assert!(glob_matches("USE1-*", "USE1-x"));
        assert!(!glob_matches("*Box*", "USE1-Spot"));
        assert!(glob_matches("a*b*c", "abc"));
        assert!(!glob_matches("ab*ba", "aba"));
    }
}
