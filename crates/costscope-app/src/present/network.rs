//! Network tables: lists flattened for tables and CSV, and the headings.

use costscope_analytics::network::{CrossAzReport, EgressRow, NatFinding, NatReport, NetworkFix};
use serde::Serialize;

/// The heading over the cross-AZ matrix.
pub fn cross_az_heading(report: &CrossAzReport) -> String {
    format!(
        "== cross-AZ traffic {} .. {} ({} days of flow logs; ${}/GB per billed side)",
        report.window.from,
        report.window.to,
        report.window.days_with_flow_logs,
        report.rate_per_gb_per_side
    )
}

/// The heading over the resource pairs.
pub const CROSS_AZ_PAIRS_HEADING: &str = "== by resource pair";

/// The heading over the NAT gateways.
pub fn nat_heading(report: &NatReport) -> String {
    format!(
        "== NAT gateways {} .. {} ({} days of flow logs)",
        report.window.from, report.window.to, report.window.days_with_flow_logs
    )
}

/// The heading over the NAT sources.
pub const NAT_SOURCES_HEADING: &str = "== by source resource and destination";

/// One line of the story, for CSV.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoryLine<'a> {
    pub text: &'a str,
}

/// The story's lines as rows.
pub fn story_rows(lines: &[String]) -> Vec<StoryLine<'_>> {
    lines.iter().map(|text| StoryLine { text }).collect()
}

/// An egress row with the NAT gateway list joined by spaces.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EgressLine<'a> {
    pub account_id: &'a str,
    pub resource_id: &'a str,
    pub resource_type: &'a str,
    pub team: Option<&'a str>,
    pub az: &'a str,
    pub bytes_out: f64,
    pub gb_out: f64,
    pub bytes_in: f64,
    pub via_nat_bytes: f64,
    pub nat_gateways: String,
    pub transfer_cost: f64,
    pub nat_processing_cost: f64,
    pub estimated_cost: f64,
}

impl<'a> From<&'a EgressRow> for EgressLine<'a> {
    fn from(r: &'a EgressRow) -> Self {
        EgressLine {
            account_id: &r.account_id,
            resource_id: &r.resource_id,
            resource_type: &r.resource_type,
            team: r.team.as_deref(),
            az: &r.az,
            bytes_out: r.bytes_out,
            gb_out: r.gb_out,
            bytes_in: r.bytes_in,
            via_nat_bytes: r.via_nat_bytes,
            nat_gateways: r.nat_gateways.join(" "),
            transfer_cost: r.transfer_cost,
            nat_processing_cost: r.nat_processing_cost,
            estimated_cost: r.estimated_cost,
        }
    }
}

/// A finding with its fix as one word and its argument.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingLine<'a> {
    pub account_id: &'a str,
    pub nat_gateway_id: &'a str,
    pub nat_az: &'a str,
    pub source_az: &'a str,
    pub fix: String,
    pub monthly_saving: f64,
    pub monthly_gb: f64,
    pub bytes: f64,
    pub cross_az_bytes: f64,
    pub cause: &'a str,
}

impl<'a> From<&'a NatFinding> for FindingLine<'a> {
    fn from(f: &'a NatFinding) -> Self {
        FindingLine {
            account_id: &f.account_id,
            nat_gateway_id: &f.nat_gateway_id,
            nat_az: &f.nat_az,
            source_az: &f.source_az,
            fix: match &f.fix {
                NetworkFix::NatGatewayPerAz { az } => format!("nat-gateway-per-az {az}"),
                NetworkFix::GatewayEndpoint { service } => format!("gateway-endpoint {service}"),
            },
            monthly_saving: f.monthly_saving,
            monthly_gb: f.monthly_gb,
            bytes: f.bytes,
            cross_az_bytes: f.cross_az_bytes,
            cause: &f.cause,
        }
    }
}
