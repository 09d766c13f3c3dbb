//! `costscope allocate`: every dollar of each billing period to a team, by the rules in
//! a YAML file. JSON prints the whole report; table and CSV print amounts to the cent,
//! rounded so that each period's rows add up to its rounded bill.

use std::path::PathBuf;

use clap::Args;
use costscope_analytics::allocation::Measure;
use costscope_app::Document;
use costscope_app::allocate::AllocateRequest;
use costscope_app::present::allocate;

use crate::args::{Format, FormatArgs, Global};
use crate::output::{line, print_records, print_report};

#[derive(Debug, Args)]
pub struct AllocateArgs {
    /// The allocation rules (YAML; see docs/allocation.md).
    #[arg(long, value_name = "FILE")]
    pub rules: PathBuf,
    /// Cost measure: unblended, amortized, net-unblended or net-amortized.
    #[arg(long, default_value = "amortized")]
    pub measure: Measure,
    /// First billing period, YYYY-MM (default: the oldest).
    #[arg(long, value_name = "YYYY-MM")]
    pub from: Option<String>,
    /// Last billing period, YYYY-MM (default: the newest).
    #[arg(long, value_name = "YYYY-MM")]
    pub to: Option<String>,
    #[command(flatten)]
    pub output: FormatArgs,
}

pub async fn run(global: &Global, args: AllocateArgs) -> anyhow::Result<()> {
    let request = AllocateRequest {
        rules: Document::read(&args.rules)?,
        measure: args.measure,
        from: args.from,
        to: args.to,
    };
    let report = super::app(global)?
        .allocate(&super::principal(global)?, &request)
        .await?;
    match args.output.format {
        Format::Json => print_report(&report, Format::Json),
        Format::Csv => print_records(&allocate::team_rows(&report), Format::Csv),
        Format::Table => {
            line(&allocate::heading(&report))?;
            print_records(&allocate::team_rows(&report), Format::Table)?;
            if !report.pools.is_empty() {
                line("\n== Shared pools")?;
                print_records(&allocate::pool_rows(&report), Format::Table)?;
            }
            line("\n== Reconciliation with the bill")?;
            print_records(&allocate::reconciliation_rows(&report), Format::Table)
        }
    }
}
