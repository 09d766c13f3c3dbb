//! The window every rule looks at, and the one aggregate the rules share: the last 30 days
//! of `cur_amortized`, per (account, resource, usage type, line-item type).

use chrono::{Duration, NaiveDate};
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

/// Strips a region prefix (`USE1-`, `USW2-`, `EU-`…) from a usage type, in SQL.
pub fn bare_usage_type_sql(column: &str) -> String {
    format!("regexp_replace({column}, '^[A-Z]{{2,4}}[0-9]?-', '')")
}

/// The shared aggregate: one row per (account, resource, usage type, line-item type) with
/// resources only; `team_sql` gives each line's team (allocation rules) or the team tag.
pub async fn resource_usage(
    session: &Session,
    window: Window,
    team_sql: Option<&str>,
) -> Result<Vec<UsageRow>> {
    let team = team_sql
        .map(str::to_string)
        .unwrap_or_else(|| "resource_tags['user_team']".to_string());
    let sql = format!(
        "SELECT line_item_usage_account_id AS account_id,
                line_item_resource_id AS resource_id,
                line_item_product_code AS product_code,
                {usage_type} AS usage_type,
                line_item_line_item_type AS line_item_type,
                max(pricing_term) AS pricing_term,
                max(line_item_availability_zone) AS az,
                max({team}) AS team,
                max(resource_tags['user_app']) AS app,
                max(resource_tags['user_created']) AS created,
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
        usage_type = bare_usage_type_sql("line_item_usage_type"),
        window = window.predicate(),
    );
    query_selective(session, &sql).await
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
        "SELECT CAST(date_trunc('hour', line_item_usage_start_date) AS VARCHAR) AS hour,
                sum(line_item_unblended_cost) AS spend
         FROM cur
         WHERE {window} AND line_item_line_item_type = 'Usage'
           AND (pricing_term IS NULL OR pricing_term <> 'Spot')
           AND ((line_item_product_code = 'AmazonEC2' AND line_item_usage_type LIKE '%BoxUsage%')
             OR (line_item_product_code = 'AWSLambda' AND line_item_usage_type LIKE '%Lambda-GB-Second%')
             OR (line_item_product_code = 'AmazonECS' AND line_item_usage_type LIKE '%Fargate%'))
         GROUP BY 1",
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
