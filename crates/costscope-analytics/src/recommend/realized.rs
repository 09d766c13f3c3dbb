//! Realized savings of implemented recommendations, from the bill.
//!
//! For a recommendation implemented on day D: the resource's amortized cost per day over
//! the [`DAYS`] days before D, minus its cost per day over the (up to) [`DAYS`] days from D,
//! scaled to a month (730 hours). For instance rules (previous generation, Graviton,
//! imported rightsizing) the instance is usually replaced by a new one: instances of the same
//! account and `user_app` tag first billed on or after D are the replacement, and their cost
//! after D is subtracted, shared equally among the recommendations implemented on D in that
//! account and app.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use costscope_query::Session;
use serde::Deserialize;

use super::{Recommendation, Status};
use crate::Result;
use crate::records::{literal, query};

/// Days compared before and after implementation.
pub const DAYS: i64 = 14;

/// Rules whose resource is replaced by a new instance (besides every imported instance
/// rightsizing, whose pool is `instance-hours`).
const REPLACING_RULES: &[&str] = &["graviton", "previous-generation", "rightsize"];

fn replaces_instance(r: &Recommendation) -> bool {
    REPLACING_RULES.contains(&r.rule.as_str())
        || (r.source != super::Source::Costscope && r.pool == "instance-hours")
}

/// Realized monthly saving by recommendation id, for the implemented ones.
pub async fn measure(
    session: &Session,
    recommendations: &[Recommendation],
) -> Result<BTreeMap<String, f64>> {
    let implemented: Vec<(&Recommendation, NaiveDate)> = recommendations
        .iter()
        .filter(|r| r.status == Status::Implemented)
        .filter_map(|r| Some((r, r.implemented_on?)))
        .collect();
    let Some(last) = super::usage::last_usage_day(session).await? else {
        return Ok(BTreeMap::new());
    };
    let end = last + Duration::days(1);
    // How many instance recommendations share each (account, app, day).
    let mut sharing: BTreeMap<(&str, &str, NaiveDate), usize> = BTreeMap::new();
    for (r, on) in &implemented {
        if let (true, Some(app)) = (replaces_instance(r), &r.app) {
            *sharing.entry((&r.account_id, app, *on)).or_default() += 1;
        }
    }
    let mut out = BTreeMap::new();
    for (r, on) in implemented {
        if on >= end {
            continue;
        }
        let before_from = on - Duration::days(DAYS);
        let after_to = (on + Duration::days(DAYS)).min(end);
        let after_days = (after_to - on).num_days() as f64;
        let (before, after) =
            resource_cost(session, &r.resource_id, before_from, on, after_to).await?;
        let mut after_per_day = after / after_days;
        if let (true, Some(app)) = (replaces_instance(r), &r.app) {
            let replacement =
                replacement_cost(session, &r.account_id, app, before_from, on, after_to).await?;
            let share = sharing
                .get(&(r.account_id.as_str(), app.as_str(), on))
                .copied()
                .unwrap_or(1) as f64;
            after_per_day += replacement / after_days / share;
        }
        let monthly = (before / DAYS as f64 - after_per_day) * super::usage::HOURS_PER_MONTH / 24.0;
        out.insert(r.id.clone(), monthly);
    }
    Ok(out)
}

#[derive(Deserialize)]
struct Costs {
    before: Option<f64>,
    after: Option<f64>,
}

fn range(from: NaiveDate, to: NaiveDate) -> String {
    format!(
        "billing_period >= '{}' AND billing_period <= '{}' \
         AND line_item_usage_start_date >= TIMESTAMP '{from} 00:00:00' \
         AND line_item_usage_start_date < TIMESTAMP '{to} 00:00:00'",
        from.format("%Y-%m"),
        (to - Duration::days(1)).format("%Y-%m")
    )
}

async fn resource_cost(
    session: &Session,
    resource_id: &str,
    before_from: NaiveDate,
    on: NaiveDate,
    after_to: NaiveDate,
) -> Result<(f64, f64)> {
    let sql = format!(
        "SELECT sum(CASE WHEN line_item_usage_start_date < TIMESTAMP '{on} 00:00:00' THEN amortized_cost END) AS before,
                sum(CASE WHEN line_item_usage_start_date >= TIMESTAMP '{on} 00:00:00' THEN amortized_cost END) AS after
         FROM cur_amortized
         WHERE {} AND line_item_resource_id = {}",
        range(before_from, after_to),
        literal(resource_id)
    );
    let rows: Vec<Costs> = query(session, &sql).await?;
    let row = rows.into_iter().next();
    Ok((
        row.as_ref().and_then(|r| r.before).unwrap_or(0.0),
        row.and_then(|r| r.after).unwrap_or(0.0),
    ))
}

/// Cost after `on` of instances in `account` tagged `app` that were not billed before `on`.
async fn replacement_cost(
    session: &Session,
    account: &str,
    app: &str,
    before_from: NaiveDate,
    on: NaiveDate,
    after_to: NaiveDate,
) -> Result<f64> {
    let sql = format!(
        "SELECT sum(after) AS after, CAST(NULL AS DOUBLE) AS before FROM (
             SELECT line_item_resource_id,
                    min(line_item_usage_start_date) AS first_seen,
                    sum(CASE WHEN line_item_usage_start_date >= TIMESTAMP '{on} 00:00:00' THEN amortized_cost END) AS after
             FROM cur_amortized
             WHERE {} AND line_item_usage_account_id = {} AND resource_tags['user_app'] = {}
               AND line_item_resource_id LIKE 'i-%'
             GROUP BY 1) AS instances
         WHERE first_seen >= TIMESTAMP '{on} 00:00:00'",
        range(before_from, after_to),
        literal(account),
        literal(app)
    );
    let rows: Vec<Costs> = query(session, &sql).await?;
    Ok(rows.into_iter().next().and_then(|r| r.after).unwrap_or(0.0))
}
