//! What a budget is: a scope of cost, a measure, a period and an amount; parsed from the
//! one-line forms the CLI and the budgets file share (`account=App-Team-Prod`,
//! `tag:user_app=clickstream`, `net-amortized`, `quarterly`).

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

use costscope_core::TeamExpr;
use costscope_core::sql::{literal, map_value};

use crate::source::Reads;

pub use costscope_core::CostMeasure as Measure;

/// How long a budget's period is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum PeriodKind {
    #[default]
    Monthly,
    Quarterly,
}

impl PeriodKind {
    /// Months in one period.
    pub fn months(self) -> u32 {
        match self {
            PeriodKind::Monthly => 1,
            PeriodKind::Quarterly => 3,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            PeriodKind::Monthly => "monthly",
            PeriodKind::Quarterly => "quarterly",
        }
    }
}

impl fmt::Display for PeriodKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for PeriodKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text.trim() {
            "monthly" => Ok(PeriodKind::Monthly),
            "quarterly" => Ok(PeriodKind::Quarterly),
            other => Err(format!(
                "unknown period `{other}` (expected monthly or quarterly)"
            )),
        }
    }
}

/// Which rows a budget covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Every row.
    Overall,
    /// A linked account, by 12-digit id or by name.
    Account(String),
    /// A product code such as `AmazonEC2`.
    Service(String),
    /// Rows whose resource tag `key` (CUR 2.0 form, e.g. `user_app`) equals `value`.
    Tag { key: String, value: String },
    /// Rows whose team (the `user_team` tag, or the configured team expression) is this.
    Team(String),
}

impl Scope {
    /// An SQL predicate over `cur` selecting the scope's rows; `team` names a row's team.
    pub fn predicate(&self, team: &TeamExpr) -> String {
        match self {
            Scope::Overall => "TRUE".to_string(),
            Scope::Account(account) => format!(
                "(line_item_usage_account_id = {0} OR line_item_usage_account_name = {0})",
                literal(account)
            ),
            Scope::Service(code) => format!("line_item_product_code = {}", literal(code)),
            Scope::Tag { key, value } => {
                format!("{} = {}", map_value("resource_tags", key), literal(value))
            }
            Scope::Team(name) => format!("({}) = {}", team.sql(), literal(name)),
        }
    }
}

impl Scope {
    /// `reads` with what [`Scope::predicate`] reads.
    pub fn reads(&self, reads: Reads, team: &TeamExpr) -> Reads {
        match self {
            Scope::Overall => reads,
            Scope::Account(_) => {
                reads.columns(["line_item_usage_account_id", "line_item_usage_account_name"])
            }
            Scope::Service(_) => reads.columns(["line_item_product_code"]),
            Scope::Tag { key, .. } => reads.tag(key),
            Scope::Team(_) => reads.team(team),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Overall => f.write_str("overall"),
            Scope::Account(a) => write!(f, "account={a}"),
            Scope::Service(s) => write!(f, "service={s}"),
            Scope::Tag { key, value } => write!(f, "tag:{key}={value}"),
            Scope::Team(t) => write!(f, "team={t}"),
        }
    }
}

impl FromStr for Scope {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text == "overall" {
            return Ok(Scope::Overall);
        }
        let unknown = || {
            format!(
                "unknown scope `{text}` (expected overall, account=ID|NAME, service=CODE, \
                 tag:KEY=VALUE or team=NAME)"
            )
        };
        let (kind, value) = text.split_once('=').ok_or_else(unknown)?;
        let value = value.trim();
        if value.is_empty() {
            return Err(format!("scope `{text}` has no value after `=`"));
        }
        match kind.trim() {
            "account" => Ok(Scope::Account(value.to_string())),
            "service" => Ok(Scope::Service(value.to_string())),
            "team" => Ok(Scope::Team(value.to_string())),
            kind => match kind.strip_prefix("tag:") {
                Some(key) if !key.trim().is_empty() => Ok(Scope::Tag {
                    key: key.trim().to_string(),
                    value: value.to_string(),
                }),
                Some(_) => Err(format!("scope `{text}` names no tag key (tag:KEY=VALUE)")),
                None => Err(unknown()),
            },
        }
    }
}

impl Serialize for Scope {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// One budget.
#[derive(Debug, Clone, PartialEq)]
pub struct Budget {
    /// Unique name, e.g. `app-team-prod`.
    pub name: String,
    pub scope: Scope,
    /// Budgeted cost per period, in the billing currency; positive.
    pub amount: f64,
    pub period: PeriodKind,
    pub measure: Measure,
    /// First month the budget applies (its first day); quarters count from it. `None`:
    /// always, with calendar quarters.
    pub start: Option<NaiveDate>,
    /// Alert thresholds in percent of the amount, e.g. `[80, 100]`.
    pub thresholds: Vec<f64>,
}

impl Budget {
    /// A monthly amortized budget with no thresholds, named after its scope.
    pub fn new(scope: Scope, amount: f64) -> Self {
        Budget {
            name: scope.to_string(),
            scope,
            amount,
            period: PeriodKind::Monthly,
            measure: Measure::Amortized,
            start: None,
            thresholds: Vec::new(),
        }
    }

    /// The period containing `date` (first and last day), or `None` before the start.
    pub fn period_containing(&self, date: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
        let month = month_start(date);
        let anchor = self.start.unwrap_or(NaiveDate::from_ymd_opt(2000, 1, 1)?);
        if month < anchor {
            return None;
        }
        let elapsed = month_index(month) - month_index(anchor);
        let offset = elapsed % self.period.months() as i32;
        let first = month.checked_sub_months(Months::new(offset as u32))?;
        let next = first.checked_add_months(Months::new(self.period.months()))?;
        Some((first, next.pred_opt()?))
    }
}

/// The first day of `date`'s month.
pub fn month_start(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

fn month_index(date: NaiveDate) -> i32 {
    date.year() * 12 + date.month0() as i32
}

/// Parses `YYYY-MM` into the first day of that month.
pub fn parse_month(text: &str) -> Result<NaiveDate, String> {
    let text = text.trim();
    NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d")
        .ok()
        .filter(|_| text.len() == 7)
        .ok_or_else(|| format!("`{text}` is not a month (YYYY-MM)"))
}

/// Parses a `YYYY-MM-DD` day.
pub fn parse_day(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a date (YYYY-MM-DD)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn scopes_round_trip_through_text() {
        for text in [
            "overall",
            "account=App-Team-Prod",
            "service=AmazonEC2",
            "tag:user_app=clickstream",
            "team=app-team",
        ] {
            let scope: Scope = text.parse().expect(text);
            assert_eq!(scope.to_string(), text);
        }
        assert!("region=us-east-1".parse::<Scope>().is_err());
        assert!("account=".parse::<Scope>().is_err());
        assert!("tag:=x".parse::<Scope>().is_err());
    }

    #[test]
    fn scope_values_are_quoted() {
        let scope = Scope::Account("x' OR '1'='1".into());
        assert!(
            scope
                .predicate(&TeamExpr::default())
                .contains("'x'' OR ''1''=''1'")
        );
    }

    #[test]
    fn measures_and_periods_parse() {
        assert_eq!(
            "net-amortized".parse::<Measure>().ok(),
            Some(Measure::NetAmortized)
        );
        assert!("blended".parse::<Measure>().is_err());
        assert_eq!("quarterly".parse(), Ok(PeriodKind::Quarterly));
        assert!("weekly".parse::<PeriodKind>().is_err());
    }

    #[test]
    fn periods_follow_the_start_month() {
        let mut budget = Budget::new(Scope::Overall, 1.0);
        assert_eq!(
            budget.period_containing(date("2026-10-14")),
            Some((date("2026-10-01"), date("2026-10-31")))
        );
        budget.period = PeriodKind::Quarterly;
        assert_eq!(
            budget.period_containing(date("2026-11-14")),
            Some((date("2026-10-01"), date("2026-12-31")))
        );
        budget.start = Some(date("2026-08-01"));
        assert_eq!(
            budget.period_containing(date("2026-11-14")),
            Some((date("2026-11-01"), date("2027-01-31")))
        );
        assert_eq!(budget.period_containing(date("2026-07-31")), None);
        assert_eq!(parse_month("2026-02"), Ok(date("2026-02-01")));
        assert!(parse_month("2026-2").is_err());
        assert!(parse_month("2026-13").is_err());
    }
}
