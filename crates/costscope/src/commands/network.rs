//! `costscope network`: network cost attribution from VPC Flow Logs.

use clap::{Args, Subcommand};
use costscope_app::network::NetworkRequest;
use costscope_app::present::network::{self, EgressLine, FindingLine};

use crate::args::{Format, FormatArgs, Global};
use crate::output::{line, lines, print_records, print_report};

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
    let view = match &args.view {
        NetworkView::CrossAz(v)
        | NetworkView::Nat(v)
        | NetworkView::TopTalkers(v)
        | NetworkView::Egress(v)
        | NetworkView::Reconcile(v)
        | NetworkView::Findings(v)
        | NetworkView::Story(v) => v,
    };
    let request = NetworkRequest {
        from: view.from.clone(),
        to: view.to.clone(),
        account: view.account.clone(),
        team: view.team.clone(),
        limit: view.limit,
    };
    let app = super::app(global)?;
    let principal = super::principal(global)?;
    let format = view.output.format;
    match &args.view {
        NetworkView::CrossAz(_) => {
            let report = app.cross_az(&principal, &request).await?;
            if format == Format::Json {
                return print_report(&report, format);
            }
            if format == Format::Table {
                line(&network::cross_az_heading(&report))?;
                print_records(&report.matrix, format)?;
                line(network::CROSS_AZ_PAIRS_HEADING)?;
            }
            print_records(&report.rows, format)
        }
        NetworkView::Nat(_) => {
            let report = app.nat(&principal, &request).await?;
            if format == Format::Json {
                return print_report(&report, format);
            }
            if format == Format::Table {
                line(&network::nat_heading(&report))?;
                print_records(&report.gateways, format)?;
                line(network::NAT_SOURCES_HEADING)?;
            }
            print_records(&report.sources, format)
        }
        NetworkView::TopTalkers(_) => {
            let report = app.top_talkers(&principal, &request).await?;
            if format == Format::Json {
                return print_report(&report, format);
            }
            print_records(&report.rows, format)
        }
        NetworkView::Egress(_) => {
            let report = app.egress(&principal, &request).await?;
            if format == Format::Json {
                return print_report(&report, format);
            }
            let rows: Vec<EgressLine> = report.rows.iter().map(EgressLine::from).collect();
            print_records(&rows, format)
        }
        NetworkView::Reconcile(_) => {
            let report = app.reconcile(&principal, &request).await?;
            if format == Format::Json {
                return print_report(&report, format);
            }
            print_records(&report.rows, format)
        }
        NetworkView::Story(_) => {
            let story = app.nat_story(&principal, &request).await?;
            match format {
                Format::Table => lines(&story),
                Format::Json => print_report(&story, format),
                Format::Csv => print_records(&network::story_rows(&story), format),
            }
        }
        NetworkView::Findings(_) => {
            let findings = app.nat_findings(&principal, &request).await?;
            if format == Format::Json {
                return print_report(&findings, format);
            }
            let rows: Vec<FindingLine> = findings.iter().map(FindingLine::from).collect();
            print_records(&rows, format)
        }
    }
}
