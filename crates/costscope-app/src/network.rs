//! Network cost attribution from VPC Flow Logs: cross-AZ traffic, NAT gateways, top
//! talkers, egress, reconciliation with the bill, NAT findings (`docs/network.md`).

use chrono::{Days, NaiveDate};
use costscope_analytics::network::{
    self, CrossAzReport, EgressReport, NatFinding, NatReport, NetworkOptions, ReconcileReport,
    TopTalkersReport, parse_date,
};
use costscope_query::Session;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{App, Principal, Result};

/// The window and filters every network view is computed over.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkRequest {
    /// First day included, `YYYY-MM-DD` (default: the first day with flow logs).
    pub from: Option<String>,
    /// First day excluded, `YYYY-MM-DD` (default: the day after the last with flow logs).
    pub to: Option<String>,
    /// Only this account's flow logs (12 digits).
    pub account: Option<String>,
    /// Only resources with this `user_team` tag in the inventory.
    pub team: Option<String>,
    /// At most this many detail rows, largest first.
    pub limit: Option<usize>,
}

impl NetworkRequest {
    /// The window's ends as given, checked.
    pub fn dates(&self) -> Result<(Option<NaiveDate>, Option<NaiveDate>)> {
        Ok((
            self.from.as_deref().map(parse_date).transpose()?,
            self.to.as_deref().map(parse_date).transpose()?,
        ))
    }

    /// The options; a missing end of the window comes from `flow_logs`, the window of the
    /// days that have flow logs (none at all: a one-day window that still validates).
    pub fn options(&self, flow_logs: Option<(NaiveDate, NaiveDate)>) -> Result<NetworkOptions> {
        let (from, to) = match (self.dates()?, flow_logs) {
            ((Some(from), Some(to)), _) => (from, to),
            ((from, to), Some((first, last))) => (from.unwrap_or(first), to.unwrap_or(last)),
            ((Some(from), None), None) => (from, from + Days::new(1)),
            ((None, Some(to)), None) => (to - Days::new(1), to),
            ((None, None), None) => {
                let today = chrono::Utc::now().date_naive();
                (today, today + Days::new(1))
            }
        };
        Ok(NetworkOptions {
            account: self.account.clone(),
            team: self.team.clone(),
            limit: self.limit,
            ..NetworkOptions::new(from, to)
        })
    }
}

impl App {
    /// A session and the request's options in it.
    async fn network_options(
        &self,
        principal: &Principal,
        request: &NetworkRequest,
    ) -> Result<(Session, NetworkOptions)> {
        let (from, to) = request.dates()?;
        let session = self.session(principal).await?;
        let flow_logs = match (from, to) {
            (Some(_), Some(_)) => None,
            _ => network::flow_log_window(&session).await?,
        };
        let options = request.options(flow_logs)?;
        Ok((session, options))
    }

    /// Traffic between AZs, by AZ pair and resource pair, with its estimated cost.
    pub async fn cross_az(
        &self,
        principal: &Principal,
        request: &NetworkRequest,
    ) -> Result<CrossAzReport> {
        self.audit_read(principal, "analysis.network.cross-az", request, async {
            let (session, options) = self.network_options(principal, request).await?;
            Ok(network::cross_az(&session, &options).await?)
        })
        .await
    }

    /// Bytes each NAT gateway processed, by source resource, AZ and destination.
    pub async fn nat(&self, principal: &Principal, request: &NetworkRequest) -> Result<NatReport> {
        self.audit_read(principal, "analysis.network.nat", request, async {
            let (session, options) = self.network_options(principal, request).await?;
            Ok(network::nat(&session, &options).await?)
        })
        .await
    }

    /// Resources by bytes sent and received.
    pub async fn top_talkers(
        &self,
        principal: &Principal,
        request: &NetworkRequest,
    ) -> Result<TopTalkersReport> {
        self.audit_read(principal, "analysis.network.top-talkers", request, async {
            let (session, options) = self.network_options(principal, request).await?;
            Ok(network::top_talkers(&session, &options).await?)
        })
        .await
    }

    /// Traffic to the internet by resource, direct or through NAT gateways.
    pub async fn egress(
        &self,
        principal: &Principal,
        request: &NetworkRequest,
    ) -> Result<EgressReport> {
        self.audit_read(principal, "analysis.network.egress", request, async {
            let (session, options) = self.network_options(principal, request).await?;
            Ok(network::egress(&session, &options).await?)
        })
        .await
    }

    /// Flow-log bytes against the bill's NAT and regional transfer bytes per day.
    pub async fn reconcile(
        &self,
        principal: &Principal,
        request: &NetworkRequest,
    ) -> Result<ReconcileReport> {
        self.audit_read(principal, "analysis.network.reconcile", request, async {
            let (session, options) = self.network_options(principal, request).await?;
            Ok(network::reconcile(&session, &options).await?)
        })
        .await
    }

    /// NAT findings: the cause, the fix and its estimated monthly saving.
    pub async fn nat_findings(
        &self,
        principal: &Principal,
        request: &NetworkRequest,
    ) -> Result<Vec<NatFinding>> {
        self.audit_read(principal, "analysis.network.nat-findings", request, async {
            let (session, options) = self.network_options(principal, request).await?;
            Ok(network::nat_findings_with(&session, &options).await?)
        })
        .await
    }

    /// The NAT gateway story in words: the evidence, the cause and the fix.
    pub async fn nat_story(
        &self,
        principal: &Principal,
        request: &NetworkRequest,
    ) -> Result<Vec<String>> {
        self.audit_read(principal, "analysis.network.nat-story", request, async {
            let (session, options) = self.network_options(principal, request).await?;
            Ok(network::nat_story(&session, &options).await?)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        parse_date(text).expect("day")
    }

    #[test]
    fn missing_ends_come_from_the_flow_logs() {
        let request = NetworkRequest {
            from: Some("2026-10-05".into()),
            ..NetworkRequest::default()
        };
        let known = Some((day("2026-10-01"), day("2026-10-31")));
        let options = request.options(known).expect("valid");
        assert_eq!(
            (options.from, options.to),
            (day("2026-10-05"), day("2026-10-31"))
        );
        let options = request.options(None).expect("valid");
        assert_eq!(
            (options.from, options.to),
            (day("2026-10-05"), day("2026-10-06"))
        );
    }

    #[test]
    fn a_bad_date_is_refused_before_anything_runs() {
        let request = NetworkRequest {
            to: Some("2026-13-01".into()),
            ..NetworkRequest::default()
        };
        assert!(
            request
                .dates()
                .expect_err("refused")
                .to_string()
                .contains("2026-13-01")
        );
    }
}
