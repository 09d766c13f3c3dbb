//! The rule catalogue. Each family reads the shared per-resource aggregate of the window
//! ([`super::usage::resource_usage`]) or its own query, and returns candidates with an
//! estimated monthly saving from usage × price difference.

mod commitments;
mod compute;
mod database;
mod genai;
mod networking;
mod storage;

use costscope_core::TeamExpr;
use costscope_core::prices::PriceTable;
use costscope_query::Session;

use super::usage::{self, UsageRow, Window};
use super::{Category, Effort, Found, Recommendation, Source};
use crate::Result;

/// What every rule needs.
pub(crate) struct Context<'a> {
    pub window: Window,
    pub prices: &'a PriceTable,
    pub rows: &'a [UsageRow],
}

impl Context<'_> {
    /// Scales a cost over the window to a month.
    pub fn monthly(&self, window_cost: f64) -> f64 {
        window_cost * self.window.monthly_factor()
    }

    /// `price` from the table, by key.
    pub fn price(&self, key: &str) -> Option<f64> {
        self.prices.get(key)
    }
}

/// A candidate's fields; [`Draft::build`] fills the rest.
pub(crate) struct Draft<'a> {
    pub rule: &'static str,
    pub category: Category,
    pub effort: Effort,
    pub row: &'a UsageRow,
    pub resource_id: String,
    pub pool: &'static str,
    pub current: String,
    pub recommended: String,
    pub monthly_cost: f64,
    pub monthly_saving: f64,
    pub explanation: String,
}

impl Draft<'_> {
    pub fn build(self) -> Recommendation {
        Found {
            rule: self.rule.to_string(),
            source: Source::Costscope,
            category: self.category,
            effort: self.effort,
            team: team_of(self.row.team.as_deref()),
            account_id: self.row.account_id.clone(),
            resource_id: self.resource_id,
            pool: self.pool.to_string(),
            current: self.current,
            recommended: self.recommended,
            monthly_cost: self.monthly_cost,
            monthly_saving: self.monthly_saving,
            explanation: self.explanation,
            app: self.row.app.clone(),
        }
        .open()
    }
}

/// The team shown for a resource without one.
pub const UNTAGGED: &str = "untagged";

pub(crate) fn team_of(team: Option<&str>) -> String {
    match team {
        Some(t) if !t.is_empty() => t.to_string(),
        _ => UNTAGGED.to_string(),
    }
}

/// Runs every rule over the window.
pub async fn evaluate(
    session: &Session,
    window: Window,
    team: &TeamExpr,
    prices: &PriceTable,
) -> Result<Vec<Recommendation>> {
    let rows = usage::resource_usage(session, window, team).await?;
    let cx = Context {
        window,
        prices,
        rows: &rows,
    };
    let mut out = Vec::new();
    out.extend(compute::instances(&cx));
    out.extend(compute::lambda_arm(&cx));
    out.extend(storage::ebs(&cx));
    out.extend(storage::snapshots(&cx));
    out.extend(storage::s3(&cx));
    out.extend(database::rds(&cx));
    out.extend(networking::idle_ipv4(&cx));
    out.extend(networking::idle_nat(&cx));
    out.extend(networking::nat_traffic(session, &cx).await?);
    out.extend(genai::bedrock(&cx));
    let hourly = usage::hourly_eligible_on_demand(session, window).await?;
    out.extend(commitments::compute_savings_plan(&cx, &hourly, &out));
    Ok(out)
}

/// `12.5` → `"$12.50"`; small rates keep more digits.
pub(crate) fn usd(value: f64) -> String {
    if value.abs() >= 1.0 {
        format!("${value:.2}")
    } else {
        format!("${}", format!("{value:.6}").trim_end_matches('0'))
    }
}
