//! Checking a parsed rules file: every problem is reported at the line and column of
//! the value at fault.

use std::path::Path;
use std::sync::OnceLock;

use super::{Condition, Field, Owner, Pool, Rule, Rules, SHARED_PREFIX, Split, UNALLOCATED};
use crate::allocation::file::{Entries, PoolFile, RuleFile, RulesFile, SplitFile, Values};
use crate::error::Location;
use crate::rules_file::{self, Spanned, invalid};
use crate::{Error, Result};
use costscope_core::team::Pattern;

/// How close fixed percentages must come to 100.
const PERCENT_TOLERANCE: f64 = 1e-6;

impl Rules {
    /// Reads and validates the rules file at `path`.
    pub fn load(path: &Path) -> Result<Rules> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        Rules::parse(&text, &path.display().to_string())
    }

    /// Parses and validates rules from `text` (`origin` names it in errors).
    pub fn parse(text: &str, origin: &str) -> Result<Rules> {
        let file: RulesFile =
            rules_file::parse(text, origin).map_err(|e| locate_unknown_field(text, e))?;
        Validator {
            origin: origin.to_string(),
        }
        .rules(file)
    }
}

/// Checks a parsed file and builds [`Rules`], failing at the first problem.
struct Validator {
    pub origin: String,
}

impl Validator {
    pub fn rules(&self, file: RulesFile) -> Result<Rules> {
        let teams = self.teams(&file.teams)?;
        let pools = file
            .shared
            .0
            .iter()
            .map(|(name, pool)| self.pool(name, pool, &teams))
            .collect::<Result<Vec<_>>>()?;
        let mut rules = file
            .rules
            .iter()
            .map(|rule| self.rule(rule, &teams, &pools))
            .collect::<Result<Vec<_>>>()?;
        // A stable sort keeps file order among equal priorities.
        rules.sort_by_key(|rule| std::cmp::Reverse(rule.priority));
        Ok(Rules {
            origin: self.origin.clone(),
            description: file.description,
            teams,
            rules,
            pools,
            matchers: OnceLock::new(),
        })
    }

    fn teams(&self, list: &Spanned<Vec<Spanned<String>>>) -> Result<Vec<String>> {
        if list.is_empty() {
            return Err(invalid(&self.origin, list, "declare at least one team"));
        }
        let mut teams: Vec<String> = Vec::new();
        for team in list.iter() {
            let name = team.trim();
            if name.is_empty() {
                return Err(invalid(&self.origin, team, "a team needs a name"));
            }
            if name == UNALLOCATED || name.starts_with(SHARED_PREFIX) {
                return Err(invalid(
                    &self.origin,
                    team,
                    format!(
                        "`{name}` is reserved (a team cannot be called `{UNALLOCATED}` or start with `{SHARED_PREFIX}`)"
                    ),
                ));
            }
            if teams.iter().any(|t| t == name) {
                return Err(invalid(
                    &self.origin,
                    team,
                    format!("team `{name}` is declared twice"),
                ));
            }
            teams.push(name.to_string());
        }
        Ok(teams)
    }

    fn pool(
        &self,
        name: &Spanned<String>,
        pool: &Spanned<PoolFile>,
        teams: &[String],
    ) -> Result<Pool> {
        if name.trim().is_empty() {
            return Err(invalid(&self.origin, name, "a shared pool needs a name"));
        }
        let (split, recipients) = match &*pool.split {
            SplitFile::Even | SplitFile::Proportional => {
                let recipients = match &pool.to {
                    Some(to) => self.recipients(to, teams)?,
                    None => teams.to_vec(),
                };
                let split = if matches!(&*pool.split, SplitFile::Even) {
                    Split::Even
                } else {
                    Split::Proportional
                };
                (split, recipients)
            }
            SplitFile::Fixed(percentages) => {
                if let Some(to) = &pool.to {
                    return Err(invalid(
                        &self.origin,
                        to,
                        "a fixed split names its teams itself: remove `to`",
                    ));
                }
                let shares = self.percentages(&pool.split, percentages, teams)?;
                let recipients = shares.iter().map(|(team, _)| team.clone()).collect();
                (Split::Fixed(shares), recipients)
            }
        };
        Ok(Pool {
            name: name.trim().to_string(),
            description: pool.description.clone(),
            split,
            recipients,
        })
    }

    fn recipients(
        &self,
        to: &Spanned<Vec<Spanned<String>>>,
        teams: &[String],
    ) -> Result<Vec<String>> {
        if to.is_empty() {
            return Err(invalid(&self.origin, to, "`to` needs at least one team"));
        }
        let mut recipients: Vec<String> = Vec::new();
        for team in to.iter() {
            let name = self.known_team(team, teams)?;
            if recipients.contains(&name) {
                return Err(invalid(
                    &self.origin,
                    team,
                    format!("team `{name}` is listed twice"),
                ));
            }
            recipients.push(name);
        }
        Ok(recipients)
    }

    fn percentages(
        &self,
        split: &Spanned<SplitFile>,
        percentages: &Entries<Spanned<String>, Spanned<f64>>,
        teams: &[String],
    ) -> Result<Vec<(String, f64)>> {
        if percentages.0.is_empty() {
            return Err(invalid(
                &self.origin,
                split,
                "a fixed split needs at least one team",
            ));
        }
        let mut shares: Vec<(String, f64)> = Vec::new();
        for (team, percent) in &percentages.0 {
            let name = self.known_team(team, teams)?;
            if !percent.is_finite() || **percent < 0.0 {
                return Err(invalid(
                    &self.origin,
                    percent,
                    "a percentage must be a number from 0 to 100",
                ));
            }
            shares.push((name, **percent));
        }
        let total: f64 = shares.iter().map(|(_, p)| p).sum();
        if (total - 100.0).abs() > PERCENT_TOLERANCE {
            return Err(invalid(
                &self.origin,
                split,
                format!("the percentages of a fixed split must sum to 100, not {total}"),
            ));
        }
        Ok(shares)
    }

    fn known_team(&self, team: &Spanned<String>, teams: &[String]) -> Result<String> {
        let name = team.trim();
        if teams.iter().any(|t| t == name) {
            Ok(name.to_string())
        } else {
            Err(invalid(
                &self.origin,
                team,
                format!("unknown team `{name}` (declared: {})", teams.join(", ")),
            ))
        }
    }

    fn rule(&self, rule: &Spanned<RuleFile>, teams: &[String], pools: &[Pool]) -> Result<Rule> {
        let owner = match (&rule.team, &rule.shared) {
            (Some(team), None) => Owner::Team(self.known_team(team, teams)?),
            (None, Some(pool)) => {
                let name = pool.trim();
                if !pools.iter().any(|p| p.name == name) {
                    let declared: Vec<&str> = pools.iter().map(|p| p.name.as_str()).collect();
                    return Err(invalid(
                        &self.origin,
                        pool,
                        format!(
                            "unknown shared pool `{name}` (declared under `shared:`: {})",
                            if declared.is_empty() {
                                "none".to_string()
                            } else {
                                declared.join(", ")
                            }
                        ),
                    ));
                }
                Owner::Pool(name.to_string())
            }
            (Some(team), Some(_)) => {
                return Err(invalid(
                    &self.origin,
                    team,
                    "a rule gives its lines to a `team` or a `shared` pool, not both",
                ));
            }
            (None, None) => {
                return Err(invalid(
                    &self.origin,
                    rule,
                    "a rule needs an owner: `team: NAME` or `shared: POOL`",
                ));
            }
        };
        let conditions = self.conditions(rule)?;
        if conditions.is_empty() {
            // Point at the owner: a block mapping's own span starts at its first colon.
            let message = "a rule needs at least one condition (account_id, account_name, \
                service, line_item_type, usage_type, operation, region, resource_id, tag, \
                cost_category)";
            return Err(match rule.team.as_ref().or(rule.shared.as_ref()) {
                Some(owner) => invalid(&self.origin, owner, message),
                None => invalid(&self.origin, rule, message),
            });
        }
        Ok(Rule {
            name: rule.name.clone(),
            owner,
            priority: rule.priority.unwrap_or(0),
            conditions,
        })
    }

    fn conditions(&self, rule: &RuleFile) -> Result<Vec<Condition>> {
        let plain = [
            (Field::AccountId, &rule.account_id),
            (Field::AccountName, &rule.account_name),
            (Field::Service, &rule.service),
            (Field::LineItemType, &rule.line_item_type),
            (Field::UsageType, &rule.usage_type),
            (Field::Operation, &rule.operation),
            (Field::Region, &rule.region),
            (Field::ResourceId, &rule.resource_id),
        ];
        let mut conditions = Vec::new();
        for (field, values) in plain {
            if let Some(values) = values {
                conditions.push(Condition {
                    field,
                    patterns: self.patterns(values)?,
                });
            }
        }
        if let Some(tags) = &rule.tag {
            for (key, values) in self.keyed(tags, "tag")? {
                conditions.push(Condition {
                    field: Field::Tag(tag_column_key(&key)),
                    patterns: self.patterns(values)?,
                });
            }
        }
        if let Some(categories) = &rule.cost_category {
            for (name, values) in self.keyed(categories, "cost category")? {
                conditions.push(Condition {
                    field: Field::CostCategory(name),
                    patterns: self.patterns(values)?,
                });
            }
        }
        Ok(conditions)
    }

    fn keyed<'a>(
        &self,
        entries: &'a Spanned<Entries<Spanned<String>, Spanned<Values>>>,
        what: &str,
    ) -> Result<Vec<(String, &'a Spanned<Values>)>> {
        if entries.0.is_empty() {
            return Err(invalid(
                &self.origin,
                entries,
                format!("name at least one {what} and its values"),
            ));
        }
        entries
            .0
            .iter()
            .map(|(key, values)| {
                let name = key.trim();
                if name.is_empty() {
                    Err(invalid(&self.origin, key, format!("empty {what} name")))
                } else {
                    Ok((name.to_string(), values))
                }
            })
            .collect()
    }

    fn patterns(&self, values: &Spanned<Values>) -> Result<Vec<Pattern>> {
        if values.0.is_empty() {
            return Err(invalid(&self.origin, values, "list at least one value"));
        }
        values
            .0
            .iter()
            .map(|value| {
                Pattern::parse(value).map_err(|message| {
                    if value.span().start().is_some() {
                        invalid(&self.origin, value, message)
                    } else {
                        invalid(&self.origin, values, message)
                    }
                })
            })
            .collect()
    }
}

/// The CUR 2.0 `resource_tags` key of a tag written as `team` (`user_team`); keys
/// already in CUR form (`user_…`, `aws_…`) are kept.
fn tag_column_key(key: &str) -> String {
    if key.starts_with("user_") || key.starts_with("aws_") {
        key.to_string()
    } else {
        format!("user_{key}")
    }
}

/// The serde error for an unknown field carries no position (that needs a marked-yaml
/// feature we do not build); find the key in the document instead.
fn locate_unknown_field(text: &str, error: Error) -> Error {
    let Error::InvalidFile { location, message } = error else {
        return error;
    };
    let field = message
        .strip_prefix("Unknown field `")
        .and_then(|rest| rest.split('`').next());
    let found = field.and_then(|field| {
        let document = marked_yaml::parse_yaml(0, text).ok()?;
        find_key(&document, field)
    });
    let location = match found {
        Some((line, column)) if location.line == 1 && location.column == 1 => Location {
            line,
            column,
            ..location
        },
        _ => location,
    };
    Error::InvalidFile { location, message }
}

/// The line and column of the first mapping key named `key`, depth first.
fn find_key(node: &marked_yaml::Node, key: &str) -> Option<(usize, usize)> {
    match node {
        marked_yaml::Node::Scalar(_) => None,
        marked_yaml::Node::Sequence(items) => items.iter().find_map(|item| find_key(item, key)),
        marked_yaml::Node::Mapping(map) => map.iter().find_map(|(k, value)| {
            if k.as_str() == key {
                k.span().start().map(|m| (m.line(), m.column()))
            } else {
                find_key(value, key)
            }
        }),
    }
}
