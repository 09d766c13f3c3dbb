//! The budgets file: YAML with defaults and a list of budgets, every error reported at its
//! file, line and column. See docs/budgets.md for the reference.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;

use super::definition::{Budget, PeriodKind, Scope, parse_month};
use crate::Result;
use crate::measure::{CostMeasure, parse_billed};
use crate::rules_file::{self, Spanned, invalid};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BudgetsFile {
    #[serde(default)]
    defaults: Option<Defaults>,
    budgets: Vec<BudgetEntry>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Defaults {
    measure: Option<Spanned<String>>,
    period: Option<Spanned<String>>,
    thresholds: Option<Vec<Spanned<f64>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BudgetEntry {
    name: Option<Spanned<String>>,
    scope: Spanned<String>,
    amount: Spanned<f64>,
    period: Option<Spanned<String>>,
    measure: Option<Spanned<String>>,
    start: Option<Spanned<String>>,
    thresholds: Option<Vec<Spanned<f64>>>,
}

/// Reads and validates the budgets file at `path`.
pub fn load_budgets(path: &Path) -> Result<Vec<Budget>> {
    let file: BudgetsFile = rules_file::load(path)?;
    validate(file, &path.display().to_string())
}

/// Parses and validates budgets from YAML `text`; `origin` names it in errors.
pub fn parse_budgets(text: &str, origin: &str) -> Result<Vec<Budget>> {
    let file: BudgetsFile = rules_file::parse(text, origin)?;
    validate(file, origin)
}

fn validate(file: BudgetsFile, origin: &str) -> Result<Vec<Budget>> {
    let defaults = file.defaults.unwrap_or_default();
    let parse_with = |value: &Spanned<String>, parse: &dyn Fn(&str) -> Result<(), String>| {
        parse(value.as_str()).map_err(|message| invalid(origin, value, message))
    };
    let default_measure = match &defaults.measure {
        Some(m) => parse_billed(m, "budgets").map_err(|e| invalid(origin, m, e.to_string()))?,
        None => CostMeasure::default(),
    };
    let default_period = match &defaults.period {
        Some(p) => {
            parse_with(p, &|t| t.parse::<PeriodKind>().map(drop))?;
            p.parse::<PeriodKind>().unwrap_or_default()
        }
        None => PeriodKind::default(),
    };
    let default_thresholds = thresholds(defaults.thresholds.as_deref().unwrap_or(&[]), origin)?;

    let mut names = HashSet::new();
    let mut budgets = Vec::with_capacity(file.budgets.len());
    for entry in file.budgets {
        let scope: Scope = entry
            .scope
            .parse()
            .map_err(|message: String| invalid(origin, &entry.scope, message))?;
        let amount = *entry.amount;
        if !(amount.is_finite() && amount > 0.0) {
            return Err(invalid(
                origin,
                &entry.amount,
                format!("budget amount must be greater than zero, not {amount}"),
            ));
        }
        let period = match &entry.period {
            Some(p) => p
                .parse()
                .map_err(|message: String| invalid(origin, p, message))?,
            None => default_period,
        };
        let measure = match &entry.measure {
            Some(m) => parse_billed(m, "budgets").map_err(|e| invalid(origin, m, e.to_string()))?,
            None => default_measure,
        };
        let start = match &entry.start {
            Some(s) => Some(parse_month(s).map_err(|message| invalid(origin, s, message))?),
            None => None,
        };
        let thresholds = match &entry.thresholds {
            Some(t) => thresholds(t, origin)?,
            None => default_thresholds.clone(),
        };
        let name = match &entry.name {
            Some(n) if n.trim().is_empty() => {
                return Err(invalid(origin, n, "budget name must not be empty"));
            }
            Some(n) => n.trim().to_string(),
            None => scope.to_string(),
        };
        if !names.insert(name.clone()) {
            let message =
                format!("budget name `{name}` is used twice (give each budget a unique name)");
            return Err(match &entry.name {
                Some(n) => invalid(origin, n, message),
                None => invalid(origin, &entry.scope, message),
            });
        }
        budgets.push(Budget {
            name,
            scope,
            amount,
            period,
            measure,
            start,
            thresholds,
        });
    }
    Ok(budgets)
}

fn thresholds(values: &[Spanned<f64>], origin: &str) -> Result<Vec<f64>> {
    values
        .iter()
        .map(|t| {
            if t.is_finite() && **t > 0.0 {
                Ok(**t)
            } else {
                Err(invalid(
                    origin,
                    t,
                    format!("threshold must be a percentage above zero, not {}", **t),
                ))
            }
        })
        .collect()
}
