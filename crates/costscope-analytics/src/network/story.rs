//! The NAT gateway story as text, from the flow-log evidence to the fix: which gateway
//! processes the bytes, who sends them from which AZ, whether flow logs agree with the
//! bill, and what the fix saves. The demo and reports print it under the anomaly.

use costscope_query::Session;

use super::{NetworkFix, NetworkOptions, nat, nat_findings_with, prices, reconcile};
use crate::Result;

/// The evidence and fixes for NAT gateway cost in the window, one line per entry
/// (empty when no NAT gateway processed bytes).
pub async fn nat_story(session: &Session, options: &NetworkOptions) -> Result<Vec<String>> {
    let report = nat(session, options).await?;
    let reconciled = reconcile(session, options).await?;
    let findings = nat_findings_with(session, options).await?;
    let mut lines = Vec::new();
    let days = report.window.days_with_flow_logs;
    for gateway in report.gateways.iter().filter(|g| g.bytes > 0.0) {
        lines.push(format!(
            "NAT gateway {} ({}, account {}) processed {} GB in {days} day{} of flow logs \
             ({} .. {}); {:.1}% came from another AZ.",
            gateway.nat_gateway_id,
            gateway.nat_az,
            gateway.account_id,
            thousands(prices::gb(gateway.bytes)),
            if days == 1 { "" } else { "s" },
            report.window.from,
            report.window.to,
            gateway.cross_az_share * 100.0,
        ));
        let sources: Vec<String> = report
            .sources
            .iter()
            .filter(|s| s.nat_gateway_id == gateway.nat_gateway_id)
            .take(5)
            .map(|s| {
                format!(
                    "{} ({}{}) {} GB to {}",
                    s.source_resource,
                    s.source_az,
                    s.source_team
                        .as_deref()
                        .map(|t| format!(", {t}"))
                        .unwrap_or_default(),
                    thousands(s.gb),
                    s.destination
                )
            })
            .collect();
        lines.push(format!("  senders: {}", sources.join("; ")));
        let (flow, cur) = reconciled
            .rows
            .iter()
            .filter(|r| r.resource_id.as_deref() == Some(gateway.nat_gateway_id.as_str()))
            .fold((0.0, 0.0), |(f, c), r| (f + r.flow_log_gb, c + r.cur_gb));
        if cur > 0.0 {
            let share = (flow - cur) / cur * 100.0;
            let verdict = if share.abs() <= super::RECONCILE_TOLERANCE * 100.0 {
                "the bill agrees"
            } else {
                "the bill differs"
            };
            lines.push(format!(
                "  {verdict}: NatGateway-Bytes {} GB in flow logs vs {} GB in the CUR ({}).",
                thousands(flow),
                thousands(cur),
                percent(share)
            ));
        }
    }
    for gateway in report.gateways.iter().filter(|g| g.bytes == 0.0) {
        let billed: f64 = reconciled
            .rows
            .iter()
            .filter(|r| r.resource_id.as_deref() == Some(gateway.nat_gateway_id.as_str()))
            .map(|r| r.cur_gb)
            .sum();
        lines.push(format!(
            "NAT gateway {} ({}, account {}) logged no traffic ({} GB billed in the CUR); \
             its hours cost ${} a month.",
            gateway.nat_gateway_id,
            gateway.nat_az,
            gateway.account_id,
            thousands(billed),
            thousands(prices::NAT_PER_HOUR * prices::HOURS_PER_MONTH),
        ));
    }
    for finding in &findings {
        let fix = match &finding.fix {
            NetworkFix::NatGatewayPerAz { az } => {
                format!("add a NAT gateway in {az} and route {az}'s private subnets to it")
            }
            NetworkFix::GatewayEndpoint { service } => {
                format!("add a VPC gateway endpoint for {service}")
            }
        };
        lines.push(format!("Cause: {}.", finding.cause));
        lines.push(format!(
            "Fix: {fix}; estimated saving ${} a month ({}).",
            thousands(finding.monthly_saving),
            finding.saving_method
        ));
    }
    Ok(lines)
}

/// `+1.25%`, `0.00%` for differences that round to zero.
fn percent(value: f64) -> String {
    if value.abs() < 0.005 {
        "0.00%".into()
    } else {
        format!("{value:+.2}%")
    }
}

/// `1234567.891` → `1,234,567.89`.
fn thousands(value: f64) -> String {
    let text = format!("{:.2}", value.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, "00"));
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let sign = if value < 0.0 { "-" } else { "" };
    format!("{sign}{grouped}.{fraction}")
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(1_234_567.891), "1,234,567.89");
        assert_eq!(thousands(12.0), "12.00");
        assert_eq!(thousands(-1000.5), "-1,000.50");
        assert_eq!(thousands(999_999.999), "1,000,000.00");
    }
}
