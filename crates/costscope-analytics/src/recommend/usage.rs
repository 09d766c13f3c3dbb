//! The window every rule looks at, and the one aggregate the rules share: the last 30 days
//! of `cur_amortized`, per (account, resource, usage type, line-item type).

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use chrono::{Duration, NaiveDate};
use costscope_core::TeamExpr;
use costscope_query::Session;
use serde::Deserialize;

use crate::Result;
use crate::records::{query, query_selective};

/// Days of usage the rules look at.
pub const WINDOW_DAYS: i64 = 30;

/// Hours in a month as AWS prices count them: estimates are scaled to this.
pub const HOURS_PER_MONTH: f64 = 730.0;

/// `[from, to)` of the usage the estimates come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Window {
    /// The 30 days ending with `last_day` (included).
    pub fn ending(last_day: NaiveDate) -> Self {
        let to = last_day + Duration::days(1);
        Window {
            from: to - Duration::days(WINDOW_DAYS),
            to,
        }
    }

    /// Multiplies a cost over the window into a monthly one (730 hours).
    pub fn monthly_factor(&self) -> f64 {
        HOURS_PER_MONTH / (24.0 * (self.to - self.from).num_days() as f64)
    }

    /// SQL predicate over `line_item_usage_start_date` (and `billing_period`, which
    /// prunes partitions).
    pub fn predicate(&self) -> String {
        format!(
            "billing_period >= '{}' AND billing_period <= '{}' \
             AND line_item_usage_start_date >= TIMESTAMP '{} 00:00:00' \
             AND line_item_usage_start_date < TIMESTAMP '{} 00:00:00'",
            self.from.format("%Y-%m"),
            (self.to - Duration::days(1)).format("%Y-%m"),
            self.from,
            self.to
        )
    }
}

/// The last day with usage in `cur`.
pub async fn last_usage_day(session: &Session) -> Result<Option<NaiveDate>> {
    #[derive(Deserialize)]
    struct Row {
        last: Option<String>,
    }
    let rows: Vec<Row> = query(
        session,
        "SELECT CAST(max(line_item_usage_start_date) AS DATE) AS last FROM cur",
    )
    .await?;
    Ok(rows
        .into_iter()
        .next()
        .and_then(|r| r.last)
        .and_then(|d| NaiveDate::parse_from_str(&d[..10.min(d.len())], "%Y-%m-%d").ok()))
}

/// One resource's usage of one usage type over the window.
#[derive(Debug, Clone, Deserialize)]
pub struct UsageRow {
    pub account_id: String,
    pub resource_id: String,
    pub product_code: String,
    /// Without its region prefix (`USE1-`), e.g. `BoxUsage:m5.large`.
    pub usage_type: String,
    pub line_item_type: String,
    pub pricing_term: Option<String>,
    pub az: Option<String>,
    pub team: Option<String>,
    pub app: Option<String>,
    /// The `user_created` tag (snapshots).
    pub created: Option<String>,
    /// The `user_env` tag (`prod`, `dev` …).
    #[serde(default)]
    pub env: Option<String>,
    #[serde(default)]
    pub account_name: Option<String>,
    pub usage: f64,
    /// Amortized cost over the window.
    pub cost: f64,
    /// Usage in office hours (Monday to Friday, 08:00 to 18:00 UTC).
    pub office_usage: f64,
    pub first_seen: String,
    pub last_seen: String,
}

/// Lines that are usage (on-demand, Spot, or covered by a commitment).
const USAGE_LINES: &str =
    "line_item_line_item_type IN ('Usage', 'SavingsPlanCoveredUsage', 'DiscountedUsage')";

/// Strips a region prefix (`USE1-`, `USW2-`, `EU-`…) from a usage type, as the SQL
/// `regexp_replace(usage_type, '^[A-Z]{2,4}[0-9]?-', '')` does.
pub fn bare_usage_type(usage_type: &str) -> &str {
    let bytes = usage_type.as_bytes();
    let letters = bytes.iter().take_while(|b| b.is_ascii_uppercase()).count();
    if !(2..=4).contains(&letters) {
        return usage_type;
    }
    let mut end = letters;
    if bytes.get(end).is_some_and(u8::is_ascii_digit) {
        end += 1;
    }
    if bytes.get(end) == Some(&b'-') {
        &usage_type[end + 1..]
    } else {
        usage_type
    }
}

/// The shared aggregate: one row per (account, resource, usage type, line-item type) with
/// resources only; `team` gives each line's team (allocation rules) or the team tag.
///
/// Grouped by the usage type as billed; the region prefix is stripped here, on the few
/// thousand groups instead of every line, and groups that differ only by it are merged.
pub async fn resource_usage(
    session: &Session,
    window: Window,
    team: &TeamExpr,
) -> Result<Vec<UsageRow>> {
    let team = team.sql();
    let sql = format!(
        "SELECT line_item_usage_account_id AS account_id,
                line_item_resource_id AS resource_id,
                line_item_product_code AS product_code,
                line_item_usage_type AS usage_type,
                line_item_line_item_type AS line_item_type,
                max(pricing_term) AS pricing_term,
                max(line_item_availability_zone) AS az,
                max({team}) AS team,
                max(resource_tags['user_app']) AS app,
                max(resource_tags['user_created']) AS created,
                max(resource_tags['user_env']) AS env,
                max(line_item_usage_account_name) AS account_name,
                sum(line_item_usage_amount) AS usage,
                sum(amortized_cost) AS cost,
                sum(CASE WHEN date_part('dow', line_item_usage_start_date) BETWEEN 1 AND 5
                          AND date_part('hour', line_item_usage_start_date) BETWEEN 8 AND 17
                         THEN line_item_usage_amount ELSE 0 END) AS office_usage,
                CAST(min(line_item_usage_start_date) AS VARCHAR) AS first_seen,
                CAST(max(line_item_usage_start_date) AS VARCHAR) AS last_seen
         FROM cur_amortized
         WHERE {window} AND {USAGE_LINES}
           AND line_item_resource_id IS NOT NULL AND line_item_resource_id <> ''
         GROUP BY 1, 2, 3, 4, 5",
        window = window.predicate(),
    );
    let billed: Vec<UsageRow> = query_selective(session, &sql).await?;
    type Key = (String, String, String, String, String);
    let mut merged: BTreeMap<Key, UsageRow> = BTreeMap::new();
    for mut row in billed {
        let bare = bare_usage_type(&row.usage_type);
        if bare.len() != row.usage_type.len() {
            row.usage_type = bare.to_string();
        }
        let key = (
            row.account_id.clone(),
            row.resource_id.clone(),
            row.product_code.clone(),
            row.usage_type.clone(),
            row.line_item_type.clone(),
        );
        match merged.entry(key) {
            Entry::Vacant(slot) => {
                slot.insert(row);
            }
            Entry::Occupied(mut slot) => slot.get_mut().merge(row),
        }
    }
    Ok(merged.into_values().collect())
}

impl UsageRow {
    /// Adds a group of the same key (what one SQL group over both would hold).
    fn merge(&mut self, other: UsageRow) {
        self.pricing_term = self.pricing_term.take().max(other.pricing_term);
        self.az = self.az.take().max(other.az);
        self.team = self.team.take().max(other.team);
        self.app = self.app.take().max(other.app);
        self.created = self.created.take().max(other.created);
        self.usage += other.usage;
        self.cost += other.cost;
        self.office_usage += other.office_usage;
        if other.first_seen < self.first_seen {
            self.first_seen = other.first_seen;
        }
        if other.last_seen > self.last_seen {
            self.last_seen = other.last_seen;
        }
    }
}

/// The organisation's hourly On-Demand spend that a Compute Savings Plan would cover (EC2
/// instance hours, Lambda, Fargate), every hour of the window (hours without any: 0).
pub async fn hourly_eligible_on_demand(session: &Session, window: Window) -> Result<Vec<f64>> {
    #[derive(Deserialize)]
    struct Row {
        hour: String,
        spend: f64,
    }
    let sql = format!(
        "SELECT CAST(hour AS VARCHAR) AS hour, spend
         FROM (SELECT date_trunc('hour', line_item_usage_start_date) AS hour,
                      sum(line_item_unblended_cost) AS spend
               FROM cur
               WHERE {window} AND line_item_line_item_type = 'Usage'
                 AND (pricing_term IS NULL OR pricing_term <> 'Spot')
                 AND ((line_item_product_code = 'AmazonEC2' AND line_item_usage_type LIKE '%BoxUsage%')
                   OR (line_item_product_code = 'AWSLambda' AND line_item_usage_type LIKE '%Lambda-GB-Second%')
                   OR (line_item_product_code = 'AmazonECS' AND line_item_usage_type LIKE '%Fargate%'))
               GROUP BY 1) AS hours",
        window = window.predicate()
    );
    let rows: Vec<Row> = query_selective(session, &sql).await?;
    let hours = (window.to - window.from).num_days() as usize * 24;
    let mut series = vec![0.0; hours];
    for row in rows {
        let Ok(at) = chrono::NaiveDateTime::parse_from_str(&row.hour[..19], "%Y-%m-%dT%H:%M:%S")
            .or_else(|_| {
                chrono::NaiveDateTime::parse_from_str(&row.hour[..19], "%Y-%m-%d %H:%M:%S")
            })
        else {
            continue;
        };
        let index = (at - window.from.and_time(chrono::NaiveTime::MIN)).num_hours();
        if let Some(slot) = usize::try_from(index).ok().and_then(|i| series.get_mut(i)) {
            *slot += row.spend;
        }
    }
    Ok(series)
}

#[cfg(test)]
mod tests {
    use super::bare_usage_type;

    #[test]
    fn region_prefixes_are_stripped_like_the_sql_pattern() {
        assert_eq!(
            bare_usage_type("USE1-BoxUsage:m5.large"),
            "BoxUsage:m5.large"
        );
        assert_eq!(
            bare_usage_type("EU-DataTransfer-Out-Bytes"),
            "DataTransfer-Out-Bytes"
        );
        assert_eq!(
            bare_usage_type("APS2-EBS:VolumeUsage.gp2"),
            "EBS:VolumeUsage.gp2"
        );
        assert_eq!(bare_usage_type("BoxUsage:m5.large"), "BoxUsage:m5.large");
        assert_eq!(bare_usage_type("NatGateway-Hours"), "NatGateway-Hours");
        assert_eq!(bare_usage_type("ABCDE-x"), "ABCDE-x");
        assert_eq!(bare_usage_type("A-x"), "A-x");
        assert_eq!(bare_usage_type("USE12-x"), "USE12-x");
        assert_eq!(bare_usage_type("USE1x"), "USE1x");
    }
}
