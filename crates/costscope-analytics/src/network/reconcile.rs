//! Reconciliation: flow-log byte totals against the CUR usage amounts of
//! `NatGateway-Bytes` and `DataTransfer-Regional-Bytes`, per day with flow logs.

use std::collections::BTreeMap;

use costscope_query::Session;
use serde::{Deserialize, Serialize};

use super::{NetworkOptions, Window, flow_log_days, prices, sql};
use crate::Result;
use crate::records::{literal, query};

/// Relative difference under which flow logs and CUR are said to agree.
pub const RECONCILE_TOLERANCE: f64 = 0.01;
/// Absolute difference (GB a day) under which they agree whatever the ratio.
pub const RECONCILE_FLOOR_GB: f64 = 0.01;

/// One day of one usage type (and NAT gateway) in flow logs and in the CUR.
#[derive(Debug, Clone, Serialize)]
pub struct ReconcileRow {
    pub date: String,
    pub account_id: String,
    /// `NatGateway-Bytes` or `DataTransfer-Regional-Bytes`.
    pub usage_type: String,
    /// The NAT gateway for `NatGateway-Bytes`, `None` for data transfer.
    pub resource_id: Option<String>,
    pub flow_log_gb: f64,
    pub cur_gb: f64,
    /// `flow_log_gb - cur_gb`.
    pub difference_gb: f64,
    /// `difference_gb / cur_gb` (None when the CUR has nothing).
    pub difference_share: Option<f64>,
    pub within_tolerance: bool,
}

/// `costscope network reconcile`.
#[derive(Debug, Clone, Serialize)]
pub struct ReconcileReport {
    pub window: Window,
    pub tolerance: f64,
    pub floor_gb: f64,
    pub rows: Vec<ReconcileRow>,
}

/// Flow-log byte totals against CUR usage amounts of `NatGateway-Bytes` and
/// `DataTransfer-Regional-Bytes`, per day, on the days that have flow logs.
pub async fn reconcile(session: &Session, options: &NetworkOptions) -> Result<ReconcileReport> {
    options.validate()?;
    let days = flow_log_days(session, options).await?;
    let window = Window::new(options, days.len());
    if days.is_empty() {
        return Ok(ReconcileReport {
            window,
            tolerance: RECONCILE_TOLERANCE,
            floor_gb: RECONCILE_FLOOR_GB,
            rows: Vec::new(),
        });
    }
    #[derive(Deserialize)]
    struct Row {
        day: String,
        account_id: String,
        usage_type: String,
        resource_id: Option<String>,
        gb: f64,
    }
    let ctes = sql::ctes(&options.scope());
    let flows: Vec<Row> = query(
        session,
        &format!(
            "{ctes}SELECT day, account_id, 'NatGateway-Bytes' AS usage_type,
                nat_gateway_id AS resource_id, SUM(bytes) / {gb} AS gb
             FROM nat_flows GROUP BY 1, 2, 3, 4
             UNION ALL
             SELECT day, account_id, 'DataTransfer-Regional-Bytes', CAST(NULL AS VARCHAR),
                SUM(bytes * billed_sides) / {gb}
             FROM hops WHERE billed_sides > 0 GROUP BY 1, 2, 3, 4",
            gb = prices::BYTES_PER_GB,
        ),
    )
    .await?;
    let periods: Vec<String> = {
        let mut p: Vec<String> = days.iter().map(|d| literal(&d[..7])).collect();
        p.dedup();
        p
    };
    let day_list: Vec<String> = days.iter().map(|d| literal(d)).collect();
    let account = options
        .account
        .as_ref()
        .map(|a| format!(" AND line_item_usage_account_id = {}", literal(a)))
        .unwrap_or_default();
    let cur: Vec<Row> = query(
        session,
        &format!(
            "SELECT day, account_id, usage_type,
                    CASE WHEN usage_type = 'NatGateway-Bytes' THEN
                      CASE WHEN strpos(resource, '/') > 0 THEN split_part(resource, '/', 2)
                           ELSE resource END END AS resource_id,
                    SUM(amount) AS gb
             FROM (
               SELECT date_format(line_item_usage_start_date, '%Y-%m-%d') AS day,
                      line_item_usage_account_id AS account_id,
                      CASE WHEN line_item_usage_type LIKE '%NatGateway-Bytes'
                           THEN 'NatGateway-Bytes' ELSE 'DataTransfer-Regional-Bytes' END
                        AS usage_type,
                      line_item_resource_id AS resource,
                      line_item_usage_amount AS amount
               FROM cur
               WHERE billing_period IN ({periods})
                 AND line_item_usage_start_date >= TIMESTAMP {from}
                 AND line_item_usage_start_date < TIMESTAMP {to}
                 AND line_item_line_item_type IN ('Usage', 'DiscountedUsage',
                                                  'SavingsPlanCoveredUsage')
                 AND (line_item_usage_type LIKE '%NatGateway-Bytes'
                      OR line_item_usage_type LIKE '%DataTransfer-Regional-Bytes'){account}
             ) t
             WHERE day IN ({days})
             GROUP BY 1, 2, 3, 4",
            periods = periods.join(", "),
            from = literal(&format!("{} 00:00:00", options.from)),
            to = literal(&format!("{} 00:00:00", options.to)),
            days = day_list.join(", "),
        ),
    )
    .await?;
    type Key = (String, String, String, Option<String>);
    let mut merged: BTreeMap<Key, (f64, f64)> = BTreeMap::new();
    for r in flows {
        merged
            .entry((r.day, r.usage_type, r.account_id, r.resource_id))
            .or_default()
            .0 += r.gb;
    }
    for r in cur {
        merged
            .entry((r.day, r.usage_type, r.account_id, r.resource_id))
            .or_default()
            .1 += r.gb;
    }
    let rows = merged
        .into_iter()
        .map(
            |((date, usage_type, account_id, resource_id), (flow, cur))| {
                let difference = flow - cur;
                let share = (cur != 0.0).then(|| difference / cur);
                ReconcileRow {
                    date,
                    account_id,
                    usage_type,
                    resource_id,
                    flow_log_gb: flow,
                    cur_gb: cur,
                    difference_gb: difference,
                    difference_share: share,
                    within_tolerance: difference.abs() <= RECONCILE_FLOOR_GB
                        || share.is_some_and(|s| s.abs() <= RECONCILE_TOLERANCE),
                }
            },
        )
        .collect();
    Ok(ReconcileReport {
        window,
        tolerance: RECONCILE_TOLERANCE,
        floor_gb: RECONCILE_FLOOR_GB,
        rows,
    })
}
