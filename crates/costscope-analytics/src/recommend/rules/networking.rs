//! Networking: idle public IPv4 addresses, nearly idle NAT gateways, and the NAT findings of
//! the network analysis (a NAT gateway per AZ, VPC gateway endpoints).

use std::collections::BTreeMap;

use costscope_query::Session;

use super::{Context, Draft, UNTAGGED, team_of, usd};
use crate::Result;
use crate::network::{NetworkFix, nat_findings};
use crate::recommend::{Category, Effort, Found, Recommendation, Source};

/// A NAT gateway processing less than this on average is nearly idle.
pub const IDLE_NAT_GB_PER_HOUR: f64 = 2.0;

/// Elastic IPs billed as idle: release them.
pub(crate) fn idle_ipv4(cx: &Context<'_>) -> Vec<Recommendation> {
    cx.rows
        .iter()
        .filter(|r| r.usage_type == "PublicIPv4:IdleAddress")
        .map(|row| {
            let saving = cx.monthly(row.cost);
            Draft {
                rule: "idle-public-ipv4",
                category: Category::Networking,
                effort: Effort::Low,
                row,
                resource_id: row.resource_id.clone(),
                pool: "ipv4",
                current: "idle public IPv4 address".into(),
                recommended: "release the address".into(),
                monthly_cost: cx.monthly(row.cost),
                monthly_saving: saving,
                explanation: format!(
                    "{:.0} idle address-hours × {} × 730/720 = {}/month",
                    row.usage,
                    usd(cx.price("vpc/public-ipv4").unwrap_or(0.005)),
                    usd(saving)
                ),
            }
            .build()
        })
        .collect()
}

/// NAT gateways that process almost nothing: route their subnets through another NAT
/// gateway and delete them. Saves the hours, less the inter-AZ transfer the moved bytes
/// would then pay.
pub(crate) fn idle_nat(cx: &Context<'_>) -> Vec<Recommendation> {
    let inter_az = cx.price("transfer/inter-az").unwrap_or(0.01);
    let mut nats: BTreeMap<&str, (Option<&crate::recommend::usage::UsageRow>, f64, f64, f64)> =
        BTreeMap::new();
    for row in cx.rows {
        let hours = row.usage_type == "NatGateway-Hours";
        let bytes = row.usage_type == "NatGateway-Bytes";
        if !hours && !bytes {
            continue;
        }
        let e = nats.entry(&row.resource_id).or_default();
        if hours {
            e.0 = Some(row);
            e.1 += row.usage;
            e.2 += row.cost;
        } else {
            e.3 += row.usage;
        }
    }
    let mut out = Vec::new();
    for (id, (row, hours, hours_cost, gb)) in nats {
        let Some(row) = row else { continue };
        if hours <= 0.0 || gb / hours >= IDLE_NAT_GB_PER_HOUR {
            continue;
        }
        let saving = cx.monthly(hours_cost - gb * inter_az);
        out.push(
            Draft {
                rule: "idle-nat-gateway",
                category: Category::Networking,
                effort: Effort::Medium,
                row,
                resource_id: id.to_string(),
                pool: "nat",
                current: format!("NAT gateway processing {:.2} GB/h", gb / hours),
                recommended: "route through another NAT gateway and delete it".into(),
                monthly_cost: cx.monthly(hours_cost),
                monthly_saving: saving,
                explanation: format!(
                    "{hours:.0} h cost {} while processing {gb:.0} GB: ({} − {gb:.0} GB × {} inter-AZ) × 730/720 = {}/month",
                    usd(hours_cost),
                    usd(hours_cost),
                    usd(inter_az),
                    usd(saving)
                ),
            }
            .build(),
        );
    }
    out
}

/// The network analysis's NAT findings as recommendations.
pub(crate) async fn nat_traffic(
    session: &Session,
    cx: &Context<'_>,
) -> Result<Vec<Recommendation>> {
    let findings = nat_findings(session, cx.window.from, cx.window.to).await?;
    let team_of_nat = |nat: &str| {
        cx.rows
            .iter()
            .find(|r| r.resource_id.ends_with(nat))
            .map(|r| (team_of(r.team.as_deref()), r.app.clone()))
            .unwrap_or_else(|| (UNTAGGED.to_string(), None))
    };
    Ok(findings
        .into_iter()
        .map(|f| {
            let (rule, recommended, effort) = match &f.fix {
                NetworkFix::NatGatewayPerAz { az } => (
                    "nat-gateway-per-az",
                    format!("a NAT gateway in {az} for its subnets"),
                    Effort::Medium,
                ),
                NetworkFix::GatewayEndpoint { service } => (
                    "vpc-gateway-endpoint",
                    format!("a VPC gateway endpoint for {service}"),
                    Effort::Low,
                ),
            };
            let resource_id = format!("{}/{}/{}", f.nat_gateway_id, f.source_az, f.destination);
            let (team, app) = team_of_nat(&f.nat_gateway_id);
            Found {
                rule: rule.to_string(),
                source: Source::Costscope,
                category: Category::Networking,
                effort,
                team,
                account_id: f.account_id.clone(),
                pool: "nat-traffic".to_string(),
                current: format!(
                    "{:.0} GB through {} ({:.0} GB cross-AZ)",
                    f.bytes / 1e9,
                    f.nat_gateway_id,
                    f.cross_az_bytes / 1e9
                ),
                recommended,
                monthly_cost: f.monthly_cost(),
                monthly_saving: f.monthly_saving,
                explanation: format!(
                    "{} (sources: {}); estimated by the network analysis: {}/month",
                    f.cause,
                    f.source_resources.join(", "),
                    usd(f.monthly_saving)
                ),
                resource_id,
                app,
            }
            .open()
        })
        .collect())
}
