//! Network cost attribution from VPC Flow Logs joined with the resource inventory:
//! cross-AZ traffic, NAT gateway processing, top talkers, internet egress, reconciliation
//! with the CUR, and the NAT findings (cause, fix, monthly saving) that anomalies and
//! recommendations link to.
//!
//! Every view runs one SQL query over `flow_logs` (pruned to the window's `date`
//! partitions), `inventory` (the same dates) and, for reconciliation, `cur`. How bytes are
//! counted so that a NAT gateway's two logged sides are not counted twice is in
//! [`sql`] and docs/network.md. Costs are estimates at the list prices of [`prices`].

mod findings;
pub mod prices;
mod reconcile;
mod sql;
mod story;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use costscope_query::Session;
use serde::{Deserialize, Serialize};

use crate::records::{literal, query};
use crate::{Error, Result};
pub use findings::{NatFinding, NetworkFix, nat_findings, nat_findings_with};
use prices::gb;
pub use reconcile::{
    RECONCILE_FLOOR_GB, RECONCILE_TOLERANCE, ReconcileReport, ReconcileRow, reconcile,
};
pub use story::nat_story;

/// What every network view is computed over.
#[derive(Debug, Clone)]
pub struct NetworkOptions {
    /// First day included.
    pub from: NaiveDate,
    /// First day excluded.
    pub to: NaiveDate,
    /// Only flow logs of this account (12 digits).
    pub account: Option<String>,
    /// Only rows whose (source) resource carries this `user_team` tag in the inventory.
    pub team: Option<String>,
    /// At most this many detail rows (the largest first); totals cover everything.
    pub limit: Option<usize>,
}

impl NetworkOptions {
    /// The window `[from, to)` with no filter and no limit.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Self {
        NetworkOptions {
            from,
            to,
            account: None,
            team: None,
            limit: None,
        }
    }

    fn validate(&self) -> Result<()> {
        if self.from >= self.to {
            return Err(Error::InvalidArgument(format!(
                "the window is empty: --from {} is not before --to {}",
                self.from, self.to
            )));
        }
        if let Some(account) = &self.account
            && (account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(Error::InvalidArgument(format!(
                "`{account}` is not a 12-digit AWS account id"
            )));
        }
        if self.limit == Some(0) {
            return Err(Error::InvalidArgument("--limit must be at least 1".into()));
        }
        Ok(())
    }

    fn scope(&self) -> sql::Scope<'_> {
        sql::Scope {
            from: self.from,
            to: self.to,
            account: self.account.as_deref(),
        }
    }

    /// `AND <column> = 'team'` when a team is asked for.
    fn team_filter(&self, column: &str) -> String {
        self.team
            .as_ref()
            .map(|t| format!(" AND {column} = {}", literal(t)))
            .unwrap_or_default()
    }
}

/// A `YYYY-MM-DD` date, or a clear error naming the text.
pub fn parse_date(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| Error::InvalidArgument(format!("`{text}` is not a YYYY-MM-DD date")))
}

/// The window `[first, last + 1)` of the days that have flow logs, if any.
pub async fn flow_log_window(session: &Session) -> Result<Option<(NaiveDate, NaiveDate)>> {
    // A principal without a grant on flow logs has none: the evidence they give is left out.
    if !session.has_table(costscope_core::tables::FLOW_LOGS) {
        return Ok(None);
    }
    #[derive(Deserialize)]
    struct Row {
        first: Option<String>,
        last: Option<String>,
    }
    let rows: Vec<Row> = query(
        session,
        "SELECT MIN(date) AS first, MAX(date) AS last FROM flow_logs",
    )
    .await?;
    let Some(Row {
        first: Some(first),
        last: Some(last),
    }) = rows.into_iter().next()
    else {
        return Ok(None);
    };
    let last = parse_date(&last)?;
    Ok(Some((parse_date(&first)?, last + chrono::Days::new(1))))
}

/// The days of the window with flow logs.
async fn flow_log_days(session: &Session, options: &NetworkOptions) -> Result<Vec<String>> {
    #[derive(Deserialize)]
    struct Row {
        day: String,
    }
    let rows: Vec<Row> = query(session, &sql::days(&options.scope())).await?;
    Ok(rows.into_iter().map(|r| r.day).collect())
}

/// The header every report carries.
#[derive(Debug, Clone, Serialize)]
pub struct Window {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Days of the window that have flow logs; monthly figures scale by 30 / this.
    pub days_with_flow_logs: usize,
    pub account: Option<String>,
    pub team: Option<String>,
    /// Date of the list prices the estimates use.
    pub prices_as_of: &'static str,
}

impl Window {
    fn new(options: &NetworkOptions, days: usize) -> Self {
        Window {
            from: options.from,
            to: options.to,
            days_with_flow_logs: days,
            account: options.account.clone(),
            team: options.team.clone(),
            prices_as_of: prices::AS_OF,
        }
    }

    /// Factor from the window's bytes to a 30-day month (0 without flow logs).
    pub fn monthly_factor(&self) -> f64 {
        if self.days_with_flow_logs == 0 {
            0.0
        } else {
            prices::DAYS_PER_MONTH / self.days_with_flow_logs as f64
        }
    }
}

// ---------------------------------------------------------------------------------------
// cross-az

/// Bytes from one resource to another in a different AZ.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CrossAzRow {
    pub account_id: String,
    pub source_resource: String,
    pub source_type: String,
    pub source_team: Option<String>,
    pub source_az: String,
    pub destination_resource: String,
    pub destination_type: String,
    pub destination_team: Option<String>,
    pub destination_az: String,
    pub bytes: f64,
    pub gb: f64,
    /// Customer-billed ends of the transfer (0 for ALB ↔ target, 1 with a NAT gateway, 2
    /// between two instances); each is charged the inter-AZ rate.
    pub billed_sides: i64,
    pub estimated_cost: f64,
}

/// Bytes between two AZs, whoever sends them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AzPair {
    pub source_az: String,
    pub destination_az: String,
    pub bytes: f64,
    pub gb: f64,
    pub estimated_cost: f64,
}

/// `costscope network cross-az`.
#[derive(Debug, Clone, Serialize)]
pub struct CrossAzReport {
    pub window: Window,
    pub rate_per_gb_per_side: f64,
    pub total_bytes: f64,
    pub total_estimated_cost: f64,
    /// The AZ × AZ matrix (all pairs with traffic, different AZs only).
    pub matrix: Vec<AzPair>,
    /// Resource pairs, largest first (`limit` applies).
    pub rows: Vec<CrossAzRow>,
}

/// Traffic that crosses AZs, by AZ pair and by resource pair.
pub async fn cross_az(session: &Session, options: &NetworkOptions) -> Result<CrossAzReport> {
    options.validate()?;
    let days = flow_log_days(session, options).await?;
    let ctes = sql::ctes(&options.scope());
    let team = options.team_filter("src_team");
    let rate = prices::INTER_AZ_PER_GB;
    let rows: Vec<CrossAzRow> = query(
        session,
        &format!(
            "{ctes}SELECT account_id, src_resource AS source_resource, src_type AS source_type,
                src_team AS source_team, src_az AS source_az,
                dst_resource AS destination_resource, dst_type AS destination_type,
                dst_team AS destination_team, dst_az AS destination_az,
                SUM(bytes) AS bytes, SUM(bytes) / {gb} AS gb,
                MAX(billed_sides) AS billed_sides,
                SUM(bytes * billed_sides) / {gb} * {rate} AS estimated_cost
             FROM hops WHERE src_az <> dst_az{team}
             GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
             ORDER BY bytes DESC, source_resource, destination_resource{limit}",
            gb = prices::BYTES_PER_GB,
            limit = sql::limit(options.limit),
        ),
    )
    .await?;
    let matrix: Vec<AzPair> = query(
        session,
        &format!(
            "{ctes}SELECT src_az AS source_az, dst_az AS destination_az,
                SUM(bytes) AS bytes, SUM(bytes) / {gb} AS gb,
                SUM(bytes * billed_sides) / {gb} * {rate} AS estimated_cost
             FROM hops WHERE src_az <> dst_az{team}
             GROUP BY 1, 2 ORDER BY bytes DESC, 1, 2",
            gb = prices::BYTES_PER_GB,
        ),
    )
    .await?;
    Ok(CrossAzReport {
        window: Window::new(options, days.len()),
        rate_per_gb_per_side: rate,
        total_bytes: matrix.iter().map(|p| p.bytes).sum(),
        total_estimated_cost: matrix.iter().map(|p| p.estimated_cost).sum(),
        matrix,
        rows,
    })
}

// ---------------------------------------------------------------------------------------
// nat

/// One NAT gateway over the window.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NatGatewayUsage {
    pub account_id: String,
    pub nat_gateway_id: String,
    pub nat_az: String,
    pub vpc_id: Option<String>,
    /// Bytes processed (requests out plus responses back).
    pub bytes: f64,
    pub outbound_bytes: f64,
    pub response_bytes: f64,
    /// Of `bytes`, those from or to resources in another AZ.
    pub cross_az_bytes: f64,
    pub cross_az_share: f64,
    pub processing_cost: f64,
    /// Inter-AZ transfer of the cross-AZ bytes (one billed side each).
    pub cross_az_cost: f64,
    /// The gateway's hours over the days with flow logs.
    pub hours_cost: f64,
    pub estimated_cost: f64,
}

/// Bytes through a NAT gateway from one source resource to one destination class.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NatSourceRow {
    pub account_id: String,
    pub nat_gateway_id: String,
    pub nat_az: String,
    pub source_resource: String,
    pub source_type: String,
    pub source_team: Option<String>,
    pub source_az: String,
    /// `internet`, `aws-service:<name>`, `same-vpc` or `private`.
    pub destination: String,
    pub bytes: f64,
    pub gb: f64,
    pub cross_az: bool,
    pub processing_cost: f64,
    pub cross_az_cost: f64,
}

/// `costscope network nat`.
#[derive(Debug, Clone, Serialize)]
pub struct NatReport {
    pub window: Window,
    pub gateways: Vec<NatGatewayUsage>,
    /// Largest first (`limit` applies).
    pub sources: Vec<NatSourceRow>,
}

/// Bytes each NAT gateway processed, by source resource, source AZ and destination.
pub async fn nat(session: &Session, options: &NetworkOptions) -> Result<NatReport> {
    options.validate()?;
    let days = flow_log_days(session, options).await?;
    let window = Window::new(options, days.len());
    let ctes = sql::ctes(&options.scope());
    let team = options.team_filter("source_team");
    let sources: Vec<NatSourceRow> = query(
        session,
        &format!(
            "{ctes}SELECT account_id, nat_gateway_id, nat_az, source_resource, source_type,
                source_team, source_az, destination,
                SUM(bytes) AS bytes, SUM(bytes) / {gb} AS gb,
                source_az <> nat_az AS cross_az,
                SUM(bytes) / {gb} * {nat_rate} AS processing_cost,
                CASE WHEN source_az <> nat_az THEN SUM(bytes) / {gb} * {az_rate} ELSE 0.0 END
                  AS cross_az_cost
             FROM nat_flows WHERE TRUE{team}
             GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
             ORDER BY bytes DESC, nat_gateway_id, source_resource, destination{limit}",
            gb = prices::BYTES_PER_GB,
            nat_rate = prices::NAT_PER_GB,
            az_rate = prices::INTER_AZ_PER_GB,
            limit = sql::limit(options.limit),
        ),
    )
    .await?;
    #[derive(Deserialize)]
    struct Gateway {
        account_id: String,
        nat_gateway_id: String,
        nat_az: Option<String>,
        vpc_id: Option<String>,
        outbound_bytes: Option<f64>,
        response_bytes: Option<f64>,
        cross_az_bytes: Option<f64>,
    }
    // Every NAT gateway of the inventory, idle ones included.
    let account = options
        .account
        .as_ref()
        .map(|a| format!(" AND account_id = {}", literal(a)))
        .unwrap_or_default();
    let gateways: Vec<Gateway> = query(
        session,
        &format!(
            "{ctes}, gw AS (
               SELECT DISTINCT account_id, resource_id AS nat_gateway_id, az AS nat_az, vpc_id
               FROM inv WHERE resource_type = 'nat_gateway'{account}
             ), used AS (
               SELECT nat_gateway_id,
                 SUM(CASE WHEN leg = 'outbound' THEN bytes ELSE 0 END) AS outbound_bytes,
                 SUM(CASE WHEN leg = 'response' THEN bytes ELSE 0 END) AS response_bytes,
                 SUM(CASE WHEN source_az <> nat_az THEN bytes ELSE 0 END) AS cross_az_bytes
               FROM nat_flows WHERE TRUE{team} GROUP BY nat_gateway_id
             )
             SELECT gw.account_id, gw.nat_gateway_id, gw.nat_az, gw.vpc_id,
                    used.outbound_bytes, used.response_bytes, used.cross_az_bytes
             FROM gw LEFT JOIN used ON used.nat_gateway_id = gw.nat_gateway_id
             ORDER BY COALESCE(used.outbound_bytes + used.response_bytes, 0) DESC,
                      gw.nat_gateway_id"
        ),
    )
    .await?;
    let hours = days.len() as f64 * 24.0;
    let gateways = gateways
        .into_iter()
        .map(|g| {
            let outbound = g.outbound_bytes.unwrap_or(0.0);
            let response = g.response_bytes.unwrap_or(0.0);
            let cross = g.cross_az_bytes.unwrap_or(0.0);
            let bytes = outbound + response;
            let processing_cost = gb(bytes) * prices::NAT_PER_GB;
            let cross_az_cost = gb(cross) * prices::INTER_AZ_PER_GB;
            let hours_cost = hours * prices::NAT_PER_HOUR;
            NatGatewayUsage {
                account_id: g.account_id,
                nat_gateway_id: g.nat_gateway_id,
                nat_az: g.nat_az.unwrap_or_else(|| "unknown".into()),
                vpc_id: g.vpc_id,
                bytes,
                outbound_bytes: outbound,
                response_bytes: response,
                cross_az_bytes: cross,
                cross_az_share: if bytes > 0.0 { cross / bytes } else { 0.0 },
                processing_cost,
                cross_az_cost,
                hours_cost,
                estimated_cost: processing_cost + cross_az_cost + hours_cost,
            }
        })
        .collect();
    Ok(NatReport {
        window,
        gateways,
        sources,
    })
}

// ---------------------------------------------------------------------------------------
// top talkers and egress

/// One resource's traffic over the window.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TalkerRow {
    pub account_id: String,
    pub resource_id: String,
    pub resource_type: String,
    pub team: Option<String>,
    pub az: String,
    /// Bytes its interfaces sent and received.
    pub bytes_out: f64,
    pub bytes_in: f64,
    /// Sent to and received from the internet (directly or through a NAT gateway).
    pub internet_out_bytes: f64,
    pub internet_in_bytes: f64,
    /// Sent to or received from AWS services.
    pub aws_service_bytes: f64,
    /// Sent to or received from resources of the same VPC.
    pub same_vpc_bytes: f64,
    /// Of which the NAT gateways processed (both directions).
    pub nat_bytes: f64,
    /// Hops it took part in that crossed AZs (to a NAT gateway included), both directions.
    pub cross_az_bytes: f64,
    /// Estimated: inter-AZ transfer of its billed side + NAT processing of its bytes +
    /// internet transfer out.
    pub estimated_cost: f64,
}

/// `costscope network top-talkers`.
#[derive(Debug, Clone, Serialize)]
pub struct TopTalkersReport {
    pub window: Window,
    pub rows: Vec<TalkerRow>,
}

/// Resources by bytes sent and received, with where the bytes went and an estimated cost.
/// NAT gateways are relays and appear in `nat`, not here.
pub async fn top_talkers(session: &Session, options: &NetworkOptions) -> Result<TopTalkersReport> {
    options.validate()?;
    let days = flow_log_days(session, options).await?;
    let rows = talkers(session, options, "TRUE").await?;
    Ok(TopTalkersReport {
        window: Window::new(options, days.len()),
        rows,
    })
}

/// Per-resource traffic of the resources matching `having` (SQL over the aggregate).
async fn talkers(
    session: &Session,
    options: &NetworkOptions,
    having: &str,
) -> Result<Vec<TalkerRow>> {
    let ctes = sql::ctes(&options.scope());
    let team = options.team_filter("team");
    query(
        session,
        &format!(
            "{ctes}, own AS (
               SELECT account_id, resource_id, resource_type, team, az,
                 SUM(CASE WHEN flow_direction = 'egress' THEN bytes ELSE 0 END) AS bytes_out,
                 SUM(CASE WHEN flow_direction = 'ingress' THEN bytes ELSE 0 END) AS bytes_in,
                 SUM(CASE WHEN flow_direction = 'egress' AND peer_class = 'internet'
                     THEN bytes ELSE 0 END) AS internet_out_bytes,
                 SUM(CASE WHEN flow_direction = 'ingress' AND peer_class = 'internet'
                     THEN bytes ELSE 0 END) AS internet_in_bytes,
                 SUM(CASE WHEN peer_class LIKE 'aws-service:%' THEN bytes ELSE 0 END)
                   AS aws_service_bytes,
                 SUM(CASE WHEN peer_class = 'same-vpc' THEN bytes ELSE 0 END) AS same_vpc_bytes
               FROM peers WHERE resource_type <> 'nat_gateway'{team}
               GROUP BY 1, 2, 3, 4, 5
             ), nat_use AS (
               SELECT source_resource, SUM(bytes) AS nat_bytes FROM nat_flows
               GROUP BY source_resource
             ), az_use AS (
               SELECT resource, SUM(bytes) AS cross_az_bytes, SUM(billed) AS billed_bytes FROM (
                 SELECT src_resource AS resource, bytes,
                   CASE WHEN billed_sides > 0 AND src_type NOT IN ('nat_gateway', 'load_balancer')
                     THEN bytes ELSE 0 END AS billed
                 FROM hops WHERE src_az <> dst_az
                 UNION ALL
                 SELECT dst_resource, bytes,
                   CASE WHEN billed_sides > 0 AND dst_type NOT IN ('nat_gateway', 'load_balancer')
                     THEN bytes ELSE 0 END
                 FROM hops WHERE src_az <> dst_az
               ) GROUP BY resource
             )
             SELECT own.*, COALESCE(nat_use.nat_bytes, 0) AS nat_bytes,
               COALESCE(az_use.cross_az_bytes, 0) AS cross_az_bytes,
               (COALESCE(az_use.billed_bytes, 0) * {az_rate}
                + COALESCE(nat_use.nat_bytes, 0) * {nat_rate}
                + own.internet_out_bytes * {out_rate}) / {gb} AS estimated_cost
             FROM own
             LEFT JOIN nat_use ON nat_use.source_resource = own.resource_id
             LEFT JOIN az_use ON az_use.resource = own.resource_id
             WHERE {having}
             ORDER BY own.bytes_out + own.bytes_in DESC, own.resource_id{limit}",
            gb = prices::BYTES_PER_GB,
            az_rate = prices::INTER_AZ_PER_GB,
            nat_rate = prices::NAT_PER_GB,
            out_rate = prices::INTERNET_OUT_PER_GB,
            limit = sql::limit(options.limit),
        ),
    )
    .await
}

/// One resource's traffic to the internet.
#[derive(Debug, Clone, Serialize)]
pub struct EgressRow {
    pub account_id: String,
    pub resource_id: String,
    pub resource_type: String,
    pub team: Option<String>,
    pub az: String,
    pub bytes_out: f64,
    pub gb_out: f64,
    pub bytes_in: f64,
    /// Of `bytes_out`, sent through NAT gateways (the rest left directly).
    pub via_nat_bytes: f64,
    /// The NAT gateways it used, largest first.
    pub nat_gateways: Vec<String>,
    /// Internet data transfer out at the first-tier rate.
    pub transfer_cost: f64,
    /// NAT processing of its internet bytes, both directions.
    pub nat_processing_cost: f64,
    pub estimated_cost: f64,
}

/// `costscope network egress`.
#[derive(Debug, Clone, Serialize)]
pub struct EgressReport {
    pub window: Window,
    pub total_bytes_out: f64,
    pub total_estimated_cost: f64,
    pub rows: Vec<EgressRow>,
}

/// Internet traffic by resource, with the NAT gateways it went through.
pub async fn egress(session: &Session, options: &NetworkOptions) -> Result<EgressReport> {
    options.validate()?;
    let days = flow_log_days(session, options).await?;
    let talkers = talkers(session, options, "own.internet_out_bytes > 0").await?;
    #[derive(Deserialize)]
    struct Via {
        source_resource: String,
        nat_gateway_id: String,
        outbound: f64,
        total: f64,
    }
    let ctes = sql::ctes(&options.scope());
    let via: Vec<Via> = query(
        session,
        &format!(
            "{ctes}SELECT source_resource, nat_gateway_id,
                SUM(CASE WHEN leg = 'outbound' THEN bytes ELSE 0 END) AS outbound,
                SUM(bytes) AS total
             FROM nat_flows WHERE destination = 'internet'
             GROUP BY 1, 2 ORDER BY total DESC, 1, 2"
        ),
    )
    .await?;
    let mut by_resource: BTreeMap<&str, Vec<&Via>> = BTreeMap::new();
    for v in &via {
        by_resource.entry(&v.source_resource).or_default().push(v);
    }
    let rows: Vec<EgressRow> = talkers
        .into_iter()
        .map(|t| {
            let nats = by_resource
                .get(t.resource_id.as_str())
                .cloned()
                .unwrap_or_default();
            let via_nat: f64 = nats.iter().map(|v| v.outbound).sum();
            let processed: f64 = nats.iter().map(|v| v.total).sum();
            let transfer_cost = gb(t.internet_out_bytes) * prices::INTERNET_OUT_PER_GB;
            let nat_processing_cost = gb(processed) * prices::NAT_PER_GB;
            EgressRow {
                account_id: t.account_id,
                resource_id: t.resource_id,
                resource_type: t.resource_type,
                team: t.team,
                az: t.az,
                bytes_out: t.internet_out_bytes,
                gb_out: gb(t.internet_out_bytes),
                bytes_in: t.internet_in_bytes,
                via_nat_bytes: via_nat.min(t.internet_out_bytes),
                nat_gateways: nats.iter().map(|v| v.nat_gateway_id.clone()).collect(),
                transfer_cost,
                nat_processing_cost,
                estimated_cost: transfer_cost + nat_processing_cost,
            }
        })
        .collect();
    let mut rows = rows;
    rows.sort_by(|a, b| {
        b.bytes_out
            .total_cmp(&a.bytes_out)
            .then_with(|| a.resource_id.cmp(&b.resource_id))
    });
    Ok(EgressReport {
        window: Window::new(options, days.len()),
        total_bytes_out: rows.iter().map(|r| r.bytes_out).sum(),
        total_estimated_cost: rows.iter().map(|r| r.estimated_cost).sum(),
        rows,
    })
}
