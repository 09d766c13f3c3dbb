//! `costscope whois`: which resource held an IP address at a time.

use std::path::PathBuf;

use clap::Args;
use costscope_app::whois::WhoisRequest;

use crate::args::{Format, FormatArgs, Global};
use crate::output;

#[derive(Debug, Args)]
pub struct WhoisArgs {
    /// The IPv4 or IPv6 address.
    pub ip: String,
    /// Date or time asked about (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ); default: the latest
    /// inventory snapshot.
    #[arg(long)]
    pub at: Option<String>,
    /// An `ip-ranges.json` file to use instead of the built-in AWS ranges.
    #[arg(long, value_name = "FILE")]
    pub ip_ranges: Option<PathBuf>,
    /// Also list every earlier and later holder of the address (table and CSV).
    #[arg(long)]
    pub history: bool,
    #[command(flatten)]
    pub output: FormatArgs,
}

pub async fn run(global: &Global, args: WhoisArgs) -> anyhow::Result<()> {
    let request = WhoisRequest {
        ip: args.ip,
        at: args.at,
        ip_ranges: super::document(args.ip_ranges.as_deref())?,
    };
    let report = super::app(global)?
        .whois(&super::principal(global)?, &request)
        .await?;
    match args.output.format {
        Format::Json => output::print_report(&report, Format::Json),
        format => {
            let rows = if args.history {
                &report.history
            } else {
                &report.owners
            };
            if rows.is_empty() {
                return output::line(&report.answer);
            }
            output::print_records(rows, format)
        }
    }
}
