//! `costscope network`: network cost attribution from VPC Flow Logs.

use std::io::Write;

use clap::{Args, Subcommand};
use costscope_analytics::network::{
    self, NetworkOptions, cross_az, egress, flow_log_window, nat, nat_findings_with, nat_story,
    parse_date, reconcile, top_talkers,
};
use serde::Serialize;

use crate::cli::{Format, FormatArgs, Global};
use crate::output::{print_records, print_report};

#[derive(Debug, Args)]
pub struct NetworkArgs {
    #[command(subcommand)]
    pub view: NetworkView,
}

#[derive(Debug, Subcommand)]
pub enum NetworkView {
    /// Traffic between AZs: bytes and estimated inter-AZ cost by AZ pair and resource pair.
    CrossAz(ViewArgs),
    /// Bytes each NAT gateway processed, by source resource, source AZ and destination.
    Nat(ViewArgs),
    /// Resources by bytes sent and received, with where they went.
    TopTalkers(ViewArgs),
    /// Traffic to the internet by resource, direct or through NAT gateways.
    Egress(ViewArgs),
    /// Flow-log bytes against CUR NatGateway-Bytes and DataTransfer-Regional-Bytes per day.
    Reconcile(ViewArgs),
    /// NAT findings: the cause, the fix and its estimated monthly saving.
    Findings(ViewArgs),
    /// The NAT gateway story in words: the evidence, the cause and the fix.
    Story(ViewArgs),
}

#[derive(Debug, Args)]
pub struct ViewArgs {
    /// First day included (YYYY-MM-DD); default: the first day with flow logs.
    #[arg(long)]
    pub from: Option<String>,
    /// First day excluded (YYYY-MM-DD); default: the day after the last with flow logs.
    #[arg(long)]
    pub to: Option<String>,
    /// Only this account's flow logs (12 digits).
    #[arg(long)]
    pub account: Option<String>,
    /// Only resources with this `user_team` tag in the inventory.
    #[arg(long)]
    pub team: Option<String>,
    /// At most this many detail rows, largest first.
    #[arg(long)]
    pub limit: Option<usize>,
    #[command(flatten)]
    pub output: FormatArgs,
}

pub async fn run(global: &Global, args: NetworkArgs) -> anyhow::Result<()> {
    let (view, name) = match &args.view {
        NetworkView::CrossAz(v) => (v, "cross-az"),
        NetworkView::Nat(v) => (v, "nat"),
        NetworkView::TopTalkers(v) => (v, "top-talkers"),
        NetworkView::Egress(v) => (v, "egress"),
        NetworkView::Reconcile(v) => (v, "reconcile"),
        NetworkView::Findings(v) => (v, "findings"),
        NetworkView::Story(v) => (v, "story"),
    };
    let from = view.from.as_deref().map(parse_date).transpose()?;
    let to = view.to.as_deref().map(parse_date).transpose()?;
    let session = super::admin_session(global).await?;
    let (from, to) = match (from, to) {
        (Some(from), Some(to)) => (from, to),
        (from, to) => {
            let known = flow_log_window(&session).await?;
            match (known, from, to) {
                (Some((first, last)), from, to) => (from.unwrap_or(first), to.unwrap_or(last)),
                // No flow logs at all: an empty window that still validates.
                (None, Some(from), None) => (from, from + chrono::Days::new(1)),
                (None, None, Some(to)) => (to - chrono::Days::new(1), to),
                (None, _, _) => {
                    let today = chrono::Utc::now().date_naive();
                    (today, today + chrono::Days::new(1))
                }
            }
        }
    };
    let options = NetworkOptions {
        account: view.account.clone(),
        team: view.team.clone(),
        limit: view.limit,
        ..NetworkOptions::new(from, to)
    };
    let format = view.output.format;
    match name {
        "cross-az" => {
            let report = cross_az(&session, &options).await?;
            if format == Format::Json {
                return print_report(&report, format);
            }
            if format == Format::Table {
                heading(&format!(
                    "== cross-AZ traffic {} .. {} ({} days of flow logs; ${}/GB per billed side)",
                    report.window.from,
                    report.window.to,
                    report.window.days_with_flow_logs,
                    report.rate_per_gb_per_side
                ))?;
                print_records(&report.matrix, format)?;
                heading("== by resource pair")?;
            }
            print_records(&report.rows, format)
        }
        "nat" => {
            let report = nat(&session, &options).await?;
            if format == Format::Json {
                return print_report(&report, format);
            }
            if format == Format::Table {
                heading(&format!(
                    "== NAT gateways {} .. {} ({} days of flow logs)",
                    report.window.from, report.window.to, report.window.days_with_flow_logs
                ))?;
                print_records(&report.gateways, format)?;
                heading("== by source resource and destination")?;
            }
            print_records(&report.sources, format)
        }
        "top-talkers" => {
            let report = top_talkers(&session, &options).await?;
            if format == Format::Json {
                return print_report(&report, format);
            }
            print_records(&report.rows, format)
        }
        "egress" => {
            let report = egress(&session, &options).await?;
            if format == Format::Json {
                return print_report(&report, format);
            }
            let rows: Vec<EgressLine> = report.rows.iter().map(EgressLine::from).collect();
            print_records(&rows, format)
        }
        "reconcile" => {
            let report = reconcile(&session, &options).await?;
            if format == Format::Json {
                return print_report(&report, format);
            }
            print_records(&report.rows, format)
        }
        "story" => {
            let lines = nat_story(&session, &options).await?;
            if format == Format::Table {
                for line in &lines {
                    heading(line)?;
                }
                return Ok(());
            }
            let rows: Vec<StoryLine> = lines.iter().map(|text| StoryLine { text }).collect();
            if format == Format::Json {
                return print_report(&lines, format);
            }
            print_records(&rows, format)
        }
        _ => {
            let findings = nat_findings_with(&session, &options).await?;
            if format == Format::Json {
                return print_report(&findings, format);
            }
            let rows: Vec<FindingLine> = findings.iter().map(FindingLine::from).collect();
            print_records(&rows, format)
        }
    }
}

/// One line of the story, for CSV.
#[derive(Serialize)]
struct StoryLine<'a> {
    text: &'a str,
}

/// An egress row with the NAT gateway list flattened for tables and CSV.
#[derive(Serialize)]
struct EgressLine<'a> {
    account_id: &'a str,
    resource_id: &'a str,
    resource_type: &'a str,
    team: Option<&'a str>,
    az: &'a str,
    bytes_out: f64,
    gb_out: f64,
    bytes_in: f64,
    via_nat_bytes: f64,
    nat_gateways: String,
    transfer_cost: f64,
    nat_processing_cost: f64,
    estimated_cost: f64,
}

impl<'a> From<&'a network::EgressRow> for EgressLine<'a> {
    fn from(r: &'a network::EgressRow) -> Self {
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

/// A finding flattened for tables and CSV.
#[derive(Serialize)]
struct FindingLine<'a> {
    account_id: &'a str,
    nat_gateway_id: &'a str,
    nat_az: &'a str,
    source_az: &'a str,
    fix: String,
    monthly_saving: f64,
    monthly_gb: f64,
    bytes: f64,
    cross_az_bytes: f64,
    cause: &'a str,
}

impl<'a> From<&'a network::NatFinding> for FindingLine<'a> {
    fn from(f: &'a network::NatFinding) -> Self {
        FindingLine {
            account_id: &f.account_id,
            nat_gateway_id: &f.nat_gateway_id,
            nat_az: &f.nat_az,
            source_az: &f.source_az,
            fix: match &f.fix {
                network::NetworkFix::NatGatewayPerAz { az } => format!("nat-gateway-per-az {az}"),
                network::NetworkFix::GatewayEndpoint { service } => {
                    format!("gateway-endpoint {service}")
                }
            },
            monthly_saving: f.monthly_saving,
            monthly_gb: f.monthly_gb,
            bytes: f.bytes,
            cross_az_bytes: f.cross_az_bytes,
            cause: &f.cause,
        }
    }
}

/// Prints a heading line; a reader that stopped early (`| head`) is not an error.
fn heading(text: &str) -> anyhow::Result<()> {
    match writeln!(std::io::stdout().lock(), "{text}") {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
