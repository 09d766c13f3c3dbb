//! `costscope allocate`: every dollar of each billing period to a team, by the rules in
//! a YAML file. JSON prints the whole report; table and CSV print amounts to the cent,
//! rounded so that each period's rows add up to its rounded bill.

use std::path::PathBuf;

use clap::Args;
use costscope_analytics::allocation::{
    AllocateOptions, AllocationReport, Measure, Rules, TeamCents, allocate,
};
use serde::Serialize;

use crate::cli::{Format, FormatArgs, Global};
use crate::output::{print_records, print_report};

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
    // Read the rules before opening the lake: a bad file fails fast, naming the line.
    let rules = Rules::load(&args.rules)?;
    let session = super::admin_session(global).await?;
    let options = AllocateOptions {
        measure: args.measure,
        from: args.from,
        to: args.to,
    };
    let report = allocate(&session, &rules, &options).await?;
    match args.output.format {
        Format::Json => print_report(&report, Format::Json),
        Format::Csv => print_records(&team_rows(&report), Format::Csv),
        Format::Table => {
            crate::outln!("== Allocation by team ({} cost)", report.measure)?;
            print_records(&team_rows(&report), Format::Table)?;
            if !report.pools.is_empty() {
                crate::outln!("\n== Shared pools")?;
                print_records(&pool_rows(&report), Format::Table)?;
            }
            crate::outln!("\n== Reconciliation with the bill")?;
            print_records(&reconciliation_rows(&report), Format::Table)
        }
    }
}

/// One team row, amounts as decimal strings to the cent.
#[derive(Serialize)]
struct TeamRow {
    period: String,
    currency: String,
    team: String,
    direct: String,
    shared: String,
    total: String,
}

fn team_rows(report: &AllocationReport) -> Vec<TeamRow> {
    report
        .rows_in_cents()
        .into_iter()
        .map(|row: TeamCents| TeamRow {
            direct: cents(row.direct),
            shared: cents(row.shared),
            total: cents(row.total),
            period: row.period,
            currency: row.currency,
            team: row.team,
        })
        .collect()
}

#[derive(Serialize)]
struct PoolRow {
    period: String,
    pool: String,
    split: String,
    pool_cost: String,
    team: String,
    percent: String,
    amount: String,
}

fn pool_rows(report: &AllocationReport) -> Vec<PoolRow> {
    report
        .pools
        .iter()
        .flat_map(|pool| {
            let split = if pool.applied == pool.method {
                pool.method.clone()
            } else {
                format!("{} (as {})", pool.method, pool.applied)
            };
            pool.shares.iter().map(move |share| PoolRow {
                period: pool.period.clone(),
                pool: pool.pool.clone(),
                split: split.clone(),
                pool_cost: money(pool.cost),
                team: share.team.clone(),
                percent: format!("{:.2}", share.fraction * 100.0),
                amount: money(share.amount),
            })
        })
        .collect()
}

#[derive(Serialize)]
struct ReconciliationRow {
    period: String,
    currency: String,
    bill: String,
    direct: String,
    shared: String,
    unallocated: String,
    allocated: String,
}

fn reconciliation_rows(report: &AllocationReport) -> Vec<ReconciliationRow> {
    report
        .periods
        .iter()
        .map(|p| ReconciliationRow {
            period: p.period.clone(),
            currency: p.currency.clone(),
            bill: money(p.bill),
            direct: money(p.direct),
            shared: money(p.shared),
            unallocated: money(p.unallocated),
            allocated: money(p.allocated),
        })
        .collect()
}

/// An amount rounded to the nearest cent, as `1234.56`.
fn money(amount: f64) -> String {
    cents((amount * 100.0).round() as i64)
}

/// Whole cents as `-12.05`.
fn cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cents_print_with_two_decimals_and_a_sign() {
        assert_eq!(cents(123456), "1234.56");
        assert_eq!(cents(-5), "-0.05");
        assert_eq!(cents(0), "0.00");
        assert_eq!(money(-0.004), "0.00");
        assert_eq!(money(2.5), "2.50");
    }
}
