//! Network cost attribution from VPC Flow Logs joined with the resource inventory:
//! cross-AZ traffic, NAT gateway processing, top talkers, internet egress, reconciliation
//! with the CUR, and the NAT findings (cause, fix, monthly saving) that anomalies and
//! recommendations link to.

use chrono::NaiveDate;
use costscope_query::Session;
use serde::Serialize;

use crate::Result;

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
    /// The AZ the traffic comes from.
    pub source_az: String,
    /// Resources sending the bytes, largest first.
    pub source_resources: Vec<String>,
    /// `internet`, `aws-service:<name>` or `same-vpc`.
    pub destination: String,
    /// Bytes through the NAT over the window.
    pub bytes: f64,
    /// Of which crossed an AZ to reach the NAT.
    pub cross_az_bytes: f64,
    /// One sentence, e.g. "instances in us-east-1b send through nat-… in us-east-1a".
    pub cause: String,
    pub fix: NetworkFix,
    /// Estimated monthly saving of the fix, USD.
    pub monthly_saving: f64,
}

/// NAT findings from the flow logs of `[from, to)`, largest saving first.
pub async fn nat_findings(
    _session: &Session,
    _from: NaiveDate,
    _to: NaiveDate,
) -> Result<Vec<NatFinding>> {
    Ok(Vec::new())
}
