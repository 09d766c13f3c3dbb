//! Allocation tables: amounts to the cent, each period's team rows rounded so they add up
//! to its rounded bill.

use costscope_analytics::allocation::{AllocationReport, TeamCents};
use serde::Serialize;

use super::{decimal_cents, money};

/// The heading over the team rows.
pub fn heading(report: &AllocationReport) -> String {
    format!("== Allocation by team ({} cost)", report.measure)
}

/// One team row, amounts as decimal text to the cent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamRow {
    pub period: String,
    pub currency: String,
    pub team: String,
    pub direct: String,
    pub shared: String,
    pub total: String,
}

/// Period × team, in cents that add up to each period's rounded bill.
pub fn team_rows(report: &AllocationReport) -> Vec<TeamRow> {
    report
        .rows_in_cents()
        .into_iter()
        .map(|row: TeamCents| TeamRow {
            direct: decimal_cents(row.direct),
            shared: decimal_cents(row.shared),
            total: decimal_cents(row.total),
            period: row.period,
            currency: row.currency,
            team: row.team,
        })
        .collect()
}

/// One team's share of a shared pool.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoolRow {
    pub period: String,
    pub pool: String,
    /// The split method, and the one applied when it fell back (`fixed (as even)`).
    pub split: String,
    pub pool_cost: String,
    pub team: String,
    pub percent: String,
    pub amount: String,
}

/// Every pool's split, team by team.
pub fn pool_rows(report: &AllocationReport) -> Vec<PoolRow> {
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

/// One period's bill and how it was allocated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReconciliationRow {
    pub period: String,
    pub currency: String,
    pub bill: String,
    pub direct: String,
    pub shared: String,
    pub unallocated: String,
    pub allocated: String,
}

/// Each period's reconciliation with the bill.
pub fn reconciliation_rows(report: &AllocationReport) -> Vec<ReconciliationRow> {
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
