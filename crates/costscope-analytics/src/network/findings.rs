//! NAT findings: which resources in which AZ send through which NAT gateway, the fix and
//! what it saves a month.
//!
//! - Traffic reaching a NAT gateway from another AZ pays inter-AZ transfer both ways
//!   (requests and responses, $0.01/GB each). A NAT gateway in the source AZ removes that
//!   transfer and costs its own hours: saving = avoided transfer − $0.045 × 730. A fix that
//!   would cost more than it saves is not reported.
//! - Traffic to S3 or DynamoDB through a NAT gateway pays NAT processing; a VPC gateway
//!   endpoint is free: saving = the processing of those bytes.
//!
//! The window's bytes are scaled to a 30-day month by the days that have flow logs.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use costscope_query::Session;
use serde::{Deserialize, Serialize};

use super::{NetworkOptions, Window, flow_log_days, prices, sql};
use crate::Result;
use crate::records::query;

/// The fix a network finding calls for.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum NetworkFix {
    /// Add a NAT gateway in the source AZ (and route that AZ's subnets to it), so the
    /// traffic stops crossing AZs to reach the NAT.
    NatGatewayPerAz { az: String },
    /// A VPC gateway endpoint for `service` (s3 or dynamodb): the traffic stops paying
    /// NAT processing.
    GatewayEndpoint { service: String },
}

/// What flow logs show behind NAT gateway cost in one account: who sends the bytes, from
/// which AZ, to where, what it costs and what fixing it saves.
#[derive(Debug, Clone, Serialize)]
pub struct NatFinding {
    pub account_id: String,
    pub nat_gateway_id: String,
    /// The NAT gateway's AZ.
    pub nat_az: String,
    /// The AZ the traffic comes from (the largest one for a gateway endpoint).
    pub source_az: String,
    /// Resources sending the bytes, largest first.
    pub source_resources: Vec<String>,
    /// `internet`, `aws-service:<name>` or `same-vpc` (the largest for a per-AZ NAT).
    pub destination: String,
    /// Bytes through the NAT over the window (requests and responses).
    pub bytes: f64,
    /// Of which crossed an AZ to reach the NAT.
    pub cross_az_bytes: f64,
    /// One sentence, e.g. "instances in us-east-1b send through nat-… in us-east-1a".
    pub cause: String,
    pub fix: NetworkFix,
    /// Estimated monthly saving of the fix, USD.
    pub monthly_saving: f64,
    /// Bytes of the window scaled to a 30-day month, in GB.
    pub monthly_gb: f64,
    /// First and last day (excluded) of the flow logs the finding rests on.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// How the saving was computed.
    pub saving_method: String,
}

impl NatFinding {
    /// What the finding's traffic costs per month now: NAT processing, plus inter-AZ
    /// transfer for the share that crosses an AZ to reach the NAT (one billed side: the
    /// instance's; the NAT gateway's is not billed).
    pub fn monthly_cost(&self) -> f64 {
        let cross_share = if self.bytes > 0.0 {
            self.cross_az_bytes / self.bytes
        } else {
            0.0
        };
        self.monthly_gb * (prices::NAT_PER_GB + cross_share * prices::INTER_AZ_PER_GB)
    }
}

/// Bytes from one resource through one NAT gateway to one destination class.
#[derive(Deserialize)]
struct Row {
    account_id: String,
    nat_gateway_id: String,
    nat_az: String,
    source_az: String,
    source_resource: String,
    source_type: String,
    destination: String,
    bytes: f64,
}

/// NAT findings from the flow logs of `[from, to)`, largest saving first.
pub async fn nat_findings(
    session: &Session,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<NatFinding>> {
    // Evidence for other analyses: a principal without flow logs or inventory has none.
    let tables = [
        costscope_core::tables::FLOW_LOGS,
        costscope_core::tables::INVENTORY,
    ];
    if !tables.iter().all(|t| session.has_table(t)) {
        return Ok(Vec::new());
    }
    nat_findings_with(session, &NetworkOptions::new(from, to)).await
}

/// [`nat_findings`] with an account or team filter (`limit` caps the findings); fails
/// naming the table when the session has no flow logs or inventory.
pub async fn nat_findings_with(
    session: &Session,
    options: &NetworkOptions,
) -> Result<Vec<NatFinding>> {
    options.validate()?;
    let days = flow_log_days(session, options).await?;
    let window = Window::new(options, days.len());
    let factor = window.monthly_factor();
    let ctes = sql::ctes(&options.scope());
    let team = options.team_filter("source_team");
    let rows: Vec<Row> = query(
        session,
        &format!(
            "{ctes}SELECT account_id, nat_gateway_id, nat_az, source_az, source_resource,
                source_type, destination, SUM(bytes) AS bytes
             FROM nat_flows WHERE TRUE{team}
             GROUP BY 1, 2, 3, 4, 5, 6, 7
             ORDER BY bytes DESC, 1, 2, 4, 5, 7"
        ),
    )
    .await?;

    let mut findings = Vec::new();
    // Per (account, NAT, source AZ) in another AZ: a NAT gateway in the source AZ.
    type Group<'a> = (&'a str, &'a str, &'a str, &'a str);
    let mut per_az: BTreeMap<Group, Vec<&Row>> = BTreeMap::new();
    let mut per_service: BTreeMap<Group, Vec<&Row>> = BTreeMap::new();
    for row in &rows {
        if row.source_az != row.nat_az && row.source_az != "unknown" && row.nat_az != "unknown" {
            per_az
                .entry((
                    &row.account_id,
                    &row.nat_gateway_id,
                    &row.nat_az,
                    &row.source_az,
                ))
                .or_default()
                .push(row);
        }
        if let Some(service) = row.destination.strip_prefix("aws-service:")
            && matches!(service, "s3" | "dynamodb")
        {
            per_service
                .entry((&row.account_id, &row.nat_gateway_id, &row.nat_az, service))
                .or_default()
                .push(row);
        }
    }
    for ((account, nat, nat_az, source_az), group) in per_az {
        let bytes: f64 = group.iter().map(|r| r.bytes).sum();
        let monthly_gb = prices::gb(bytes) * factor;
        let transfer = monthly_gb * prices::INTER_AZ_PER_GB;
        let new_gateway = prices::NAT_PER_HOUR * prices::HOURS_PER_MONTH;
        let saving = transfer - new_gateway;
        if saving <= 0.0 {
            continue;
        }
        let resources = largest(&group, |r| &r.source_resource);
        let destination = largest(&group, |r| &r.destination)
            .into_iter()
            .next()
            .unwrap_or_default();
        let cause = format!(
            "{} in {source_az} send{} {:.1} GB {} through NAT gateway {nat} in {nat_az} \
             over {} day{}: requests and responses cross between {source_az} and {nat_az}",
            describe(&group, &resources),
            if resources.len() == 1 { "s" } else { "" },
            prices::gb(bytes),
            towards(&destination),
            days.len(),
            if days.len() == 1 { "" } else { "s" },
        );
        findings.push(NatFinding {
            account_id: account.to_string(),
            nat_gateway_id: nat.to_string(),
            nat_az: nat_az.to_string(),
            source_az: source_az.to_string(),
            source_resources: resources,
            destination,
            bytes,
            cross_az_bytes: bytes,
            cause,
            fix: NetworkFix::NatGatewayPerAz {
                az: source_az.to_string(),
            },
            monthly_saving: saving,
            monthly_gb,
            from: options.from,
            to: options.to,
            saving_method: format!(
                "{monthly_gb:.1} GB/month × ${} inter-AZ (requests and responses) − a NAT \
                 gateway's {} h × ${} (prices as of {})",
                prices::INTER_AZ_PER_GB,
                prices::HOURS_PER_MONTH,
                prices::NAT_PER_HOUR,
                prices::AS_OF
            ),
        });
    }
    for ((account, nat, nat_az, service), group) in per_service {
        let bytes: f64 = group.iter().map(|r| r.bytes).sum();
        let cross_az_bytes: f64 = group
            .iter()
            .filter(|r| r.source_az != r.nat_az)
            .map(|r| r.bytes)
            .sum();
        let monthly_gb = prices::gb(bytes) * factor;
        let saving = monthly_gb * prices::NAT_PER_GB;
        if saving <= 0.0 {
            continue;
        }
        let resources = largest(&group, |r| &r.source_resource);
        let source_az = largest(&group, |r| &r.source_az)
            .into_iter()
            .next()
            .unwrap_or_default();
        let cause = format!(
            "{} send{} {:.1} GB to {} through NAT gateway {nat} in {nat_az} over {} day{}, \
             paying NAT processing that a gateway endpoint avoids",
            describe(&group, &resources),
            if resources.len() == 1 { "s" } else { "" },
            prices::gb(bytes),
            service_name(service),
            days.len(),
            if days.len() == 1 { "" } else { "s" },
        );
        findings.push(NatFinding {
            account_id: account.to_string(),
            nat_gateway_id: nat.to_string(),
            nat_az: nat_az.to_string(),
            source_az,
            source_resources: resources,
            destination: format!("aws-service:{service}"),
            bytes,
            cross_az_bytes,
            cause,
            fix: NetworkFix::GatewayEndpoint {
                service: service.to_string(),
            },
            monthly_saving: saving,
            monthly_gb,
            from: options.from,
            to: options.to,
            saving_method: format!(
                "{monthly_gb:.1} GB/month × ${} NAT processing; gateway endpoints are free \
                 (prices as of {})",
                prices::NAT_PER_GB,
                prices::AS_OF
            ),
        });
    }
    findings.sort_by(|a, b| {
        b.monthly_saving
            .total_cmp(&a.monthly_saving)
            .then_with(|| a.nat_gateway_id.cmp(&b.nat_gateway_id))
    });
    if let Some(limit) = options.limit {
        findings.truncate(limit);
    }
    Ok(findings)
}

/// The distinct values of `key` in `rows`, by bytes, largest first.
fn largest(rows: &[&Row], key: impl Fn(&Row) -> &str) -> Vec<String> {
    let mut totals: BTreeMap<&str, f64> = BTreeMap::new();
    for row in rows {
        *totals.entry(key(row)).or_default() += row.bytes;
    }
    let mut totals: Vec<(&str, f64)> = totals.into_iter().collect();
    totals.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    totals.into_iter().map(|(k, _)| k.to_string()).collect()
}

/// "instance i-1", "2 instances (i-1, i-2)", "5 resources (i-1, i-2, i-3, …)".
fn describe(rows: &[&Row], resources: &[String]) -> String {
    let kinds = largest(rows, |r| &r.source_type);
    let kind = match kinds.as_slice() {
        [one] => one.replace('_', " "),
        _ => "resource".to_string(),
    };
    match resources {
        [one] => format!("{kind} {one}"),
        many if many.len() <= 3 => format!("{} {kind}s ({})", many.len(), many.join(", ")),
        many => format!("{} {kind}s ({}, …)", many.len(), many[..3].join(", ")),
    }
}

/// "to the internet", "to S3", "to resources of the same VPC".
fn towards(destination: &str) -> String {
    match destination {
        "internet" => "to the internet".into(),
        "same-vpc" => "to resources of the same VPC".into(),
        "private" => "to private addresses outside the VPC".into(),
        other => match other.strip_prefix("aws-service:") {
            Some(service) => format!("to {}", service_name(service)),
            None => format!("to {other}"),
        },
    }
}

fn service_name(service: &str) -> &str {
    match service {
        "s3" => "S3",
        "dynamodb" => "DynamoDB",
        other => other,
    }
}
