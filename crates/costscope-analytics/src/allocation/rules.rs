//! Allocation rules: read from YAML, validated once (every error names file, line and
//! column), and turned into a team expression that names each line's owner.

use std::fmt;
use std::sync::OnceLock;

mod validate;

use costscope_core::TeamExpr;
pub use costscope_core::team::{Condition, Field, UNALLOCATED};
use costscope_core::team::{OwnerRule, OwnerRules, Pattern};

/// Prefix of a shared pool's owner label: `shared:<pool>`.
pub const SHARED_PREFIX: &str = "shared:";

/// Validated allocation rules.
#[derive(Debug, Clone)]
pub struct Rules {
    origin: String,
    description: Option<String>,
    teams: Vec<String>,
    rules: Vec<Rule>,
    pools: Vec<Pool>,
    /// Each rule's conditions as (field, compiled patterns), built on first use by
    /// [`Rules::owner_of`].
    matchers: OnceLock<Vec<RuleMatcher>>,
}

/// One rule's conditions, compiled: each field with the expressions it must match.
type RuleMatcher = Vec<(Field, Vec<regex::Regex>)>;

/// One rule: lines matching every condition belong to its owner.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The rule's name in the file, if it has one.
    pub name: Option<String>,
    /// Who the matched lines belong to (a team or a shared pool).
    pub owner: Owner,
    /// Higher priorities are tried first; equal priorities in file order.
    pub priority: i64,
    /// All must hold (each holds when its field matches any of its patterns).
    pub conditions: Vec<Condition>,
}

/// Who a line of cost belongs to before shared pools are split.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Owner {
    /// A declared team.
    Team(String),
    /// A shared pool, split among teams.
    Pool(String),
    /// No rule claims the line.
    Unallocated,
}

impl Owner {
    /// The owner as [`Rules::owner_sql`] names it: the team, `shared:<pool>` or
    /// `unallocated`.
    pub fn label(&self) -> String {
        match self {
            Owner::Team(team) => team.clone(),
            Owner::Pool(pool) => format!("{SHARED_PREFIX}{pool}"),
            Owner::Unallocated => UNALLOCATED.to_string(),
        }
    }

    /// Reads a label back (team names can neither be `unallocated` nor start with
    /// `shared:`, so this is unambiguous).
    pub fn from_label(label: &str) -> Owner {
        if label == UNALLOCATED {
            Owner::Unallocated
        } else if let Some(pool) = label.strip_prefix(SHARED_PREFIX) {
            Owner::Pool(pool.to_string())
        } else {
            Owner::Team(label.to_string())
        }
    }
}

impl fmt::Display for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// A shared pool and how it is split.
#[derive(Debug, Clone, PartialEq)]
pub struct Pool {
    pub name: String,
    pub description: Option<String>,
    pub split: Split,
    /// The teams that share it (for a fixed split, the teams it names).
    pub recipients: Vec<String>,
}

/// How a shared pool is split among its recipients.
#[derive(Debug, Clone, PartialEq)]
pub enum Split {
    /// In equal parts.
    Even,
    /// In proportion to each recipient's direct cost in the period (even when no
    /// recipient has positive direct cost).
    Proportional,
    /// By fixed percentages (summing to 100), in the order of the file.
    Fixed(Vec<(String, f64)>),
}

impl Split {
    /// `even`, `proportional` or `fixed`.
    pub fn method(&self) -> &'static str {
        match self {
            Split::Even => "even",
            Split::Proportional => "proportional",
            Split::Fixed(_) => "fixed",
        }
    }
}

// Reading and validating (`Rules::load`, `Rules::parse`) live in `validate`.
impl Rules {
    /// Where the rules came from (a file name, for messages).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The file's description, if any.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The declared teams, in file order.
    pub fn teams(&self) -> &[String] {
        &self.teams
    }

    /// The rules in the order they are tried (precedence).
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The shared pools, in file order.
    pub fn pools(&self) -> &[Pool] {
        &self.pools
    }

    /// Each line's direct owner as a team expression: a team, `shared:<pool>` or
    /// `unallocated`. The first rule (by precedence) whose conditions all hold decides.
    pub fn team(&self) -> TeamExpr {
        TeamExpr::Rules(std::sync::Arc::new(self.owner_rules()))
    }

    /// The rules as the shared vocabulary holds them: owners by label, in precedence.
    pub fn owner_rules(&self) -> OwnerRules {
        OwnerRules {
            origin: self.origin.clone(),
            rules: self
                .rules
                .iter()
                .map(|rule| OwnerRule {
                    owner: rule.owner.label(),
                    conditions: rule.conditions.clone(),
                })
                .collect(),
        }
    }

    /// The owner expression as SQL over `cur` / `cur_amortized` (every value quoted).
    pub fn owner_sql(&self) -> String {
        self.owner_rules().sql()
    }

    /// Every field some rule tests, once each, in order of first use.
    pub fn fields(&self) -> Vec<Field> {
        let mut fields: Vec<Field> = Vec::new();
        for condition in self.rules.iter().flat_map(|r| r.conditions.iter()) {
            if !fields.contains(&condition.field) {
                fields.push(condition.field.clone());
            }
        }
        fields
    }

    /// The owner of a line whose fields `field_value` returns, decided in Rust exactly as
    /// [`Rules::owner_sql`] decides in SQL (tests use it as an independent classifier).
    pub fn owner_of(&self, field_value: impl Fn(&Field) -> Option<String>) -> Owner {
        let matchers = self.matchers.get_or_init(|| {
            self.rules
                .iter()
                .map(|rule| {
                    rule.conditions
                        .iter()
                        .map(|c| {
                            let compiled = c.patterns.iter().filter_map(Pattern::matcher);
                            (c.field.clone(), compiled.collect())
                        })
                        .collect()
                })
                .collect()
        });
        self.rules
            .iter()
            .zip(matchers)
            .find(|(_, conditions)| {
                conditions.iter().all(|(field, patterns)| {
                    field_value(field)
                        .is_some_and(|value| patterns.iter().any(|p| p.is_match(&value)))
                })
            })
            .map(|(rule, _)| rule.owner.clone())
            .unwrap_or(Owner::Unallocated)
    }

    /// The pool named `name`.
    pub fn pool(&self, name: &str) -> Option<&Pool> {
        self.pools.iter().find(|p| p.name == name)
    }
}
