//! Allocation: who owns every dollar. Rules (YAML, see `docs/allocation.md`) give each
//! CUR line to a team, to a shared pool, or to nobody (`unallocated`); shared pools are
//! then split among teams evenly, in proportion to their direct cost, or by fixed
//! percentages. Allocated totals add up to the bill.
//!
//! The classification runs in the engine as one aggregate over a `CASE` expression
//! ([`Rules::team`]), so only a few rows per period come back; the splitting runs
//! here over those rows ([`split`]).

mod file;
mod rules;
pub mod split;

use std::collections::BTreeMap;

use costscope_query::Session;
use serde::{Deserialize, Serialize};

pub use costscope_core::team::Pattern;
pub use rules::{Condition, Field, Owner, Pool, Rule, Rules, SHARED_PREFIX, Split, UNALLOCATED};
pub use split::{OwnerCost, PoolSplit, Share, TeamCost};

use crate::records::{literal, query};
use crate::source::{Reads, Source};
use crate::{Error, Result};

pub use costscope_core::CostMeasure as Measure;

/// What to allocate: a measure over a range of billing periods.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllocateOptions {
    pub measure: Measure,
    /// First billing period (`YYYY-MM`, inclusive); all periods when `None`.
    pub from: Option<String>,
    /// Last billing period (`YYYY-MM`, inclusive); all periods when `None`.
    pub to: Option<String>,
}

/// The allocation of every period's bill to teams. Its JSON form is documented in
/// `docs/allocation.md` and stable.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AllocationReport {
    /// Where the rules came from.
    pub rules: String,
    pub measure: Measure,
    pub from: Option<String>,
    pub to: Option<String>,
    /// The declared teams, in file order.
    pub teams: Vec<String>,
    /// Period × team (every declared team, then `unallocated`).
    pub rows: Vec<TeamCost>,
    /// Period × shared pool: how each was split.
    pub pools: Vec<PoolSplit>,
    /// Team over all periods.
    pub team_totals: Vec<TeamTotal>,
    /// Each period's bill and how it was allocated.
    pub periods: Vec<PeriodTotal>,
    /// Per currency over all periods.
    pub totals: Vec<CurrencyTotal>,
}

/// One team's cost (in one period, or over all periods of the report): what its rules
/// claim directly, its part of the shared pools, and their sum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamTotal {
    pub currency: String,
    pub team: String,
    pub direct: f64,
    pub shared: f64,
    pub total: f64,
}

impl TeamTotal {
    /// `direct + shared` of `team`, in `currency`.
    pub fn new(currency: &str, team: &str, direct: f64, shared: f64) -> TeamTotal {
        TeamTotal {
            currency: currency.to_string(),
            team: team.to_string(),
            direct,
            shared,
            total: direct + shared,
        }
    }
}

/// One period's bill beside what was allocated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodTotal {
    pub period: String,
    pub currency: String,
    /// The bill: the measure summed over every line of the period.
    pub bill: f64,
    /// Claimed by team rules.
    pub direct: f64,
    /// Claimed by shared pools (and split among teams).
    pub shared: f64,
    /// Claimed by no rule.
    pub unallocated: f64,
    /// The sum of the period's team totals, `unallocated` included (equals `bill`).
    pub allocated: f64,
}

/// One currency's bill and allocation over all periods.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CurrencyTotal {
    pub currency: String,
    pub bill: f64,
    pub allocated: f64,
    pub unallocated: f64,
}

/// The bill of one period and currency.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodBill {
    pub period: String,
    pub currency: String,
    pub bill: f64,
}

/// Allocates the measure over the chosen periods by `rules`, in `session` (so only the
/// lines the session's principal may see).
pub async fn allocate(
    session: &Session,
    rules: &Rules,
    options: &AllocateOptions,
) -> Result<AllocationReport> {
    options
        .measure
        .supported_by("allocation", &Measure::BILLED)?;
    let reads = rules.fields().iter().fold(
        Reads::at(costscope_core::Granularity::Monthly).columns(["line_item_currency_code"]),
        |reads, field| reads.field(field),
    );
    let sql = allocation_sql(rules, options, Source::choose(session, &reads))?;
    tracing::debug!(rules = rules.origin(), "allocating");

    #[derive(Deserialize)]
    struct Row {
        period: String,
        currency: String,
        owner: Option<String>,
        cost: Option<f64>,
    }
    let rows: Vec<Row> = query(session, &sql).await?;
    let mut costs = Vec::new();
    let mut bills = Vec::new();
    for row in rows {
        let cost = row.cost.unwrap_or(0.0);
        match row.owner {
            Some(label) => costs.push(OwnerCost {
                period: row.period,
                currency: row.currency,
                owner: Owner::from_label(&label),
                cost,
            }),
            // The grouping set without the owner: the whole period's bill.
            None => bills.push(PeriodBill {
                period: row.period,
                currency: row.currency,
                bill: cost,
            }),
        }
    }
    Ok(report(rules, options, &costs, &bills))
}

/// The aggregate behind [`allocate`]: per period, currency and owner, plus the bill of
/// each period and currency (the rows whose owner is NULL), in one scan.
///
/// The lines are first grouped by the fields the rules test (few distinct combinations),
/// and the owner `CASE` runs over those groups: each map lookup (`resource_tags[…]`)
/// then happens once per line instead of once per rule that tests it.
pub fn allocation_sql(rules: &Rules, options: &AllocateOptions, source: Source) -> Result<String> {
    let mut filters = Vec::new();
    if let Some(from) = &options.from {
        check_period(from, "--from")?;
        filters.push(format!("billing_period >= {}", literal(from)));
    }
    if let Some(to) = &options.to {
        check_period(to, "--to")?;
        filters.push(format!("billing_period <= {}", literal(to)));
    }
    if let (Some(from), Some(to)) = (&options.from, &options.to)
        && from > to
    {
        return Err(Error::InvalidArgument(format!(
            "empty range: --from {from} is after --to {to}"
        )));
    }
    let filter = if filters.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", filters.join(" AND "))
    };
    let fields = rules.fields();
    let alias = |field: &Field| {
        let index = fields.iter().position(|f| f == field).unwrap_or(0);
        format!("field_{index}")
    };
    let mut columns = String::new();
    let mut keys = String::new();
    for field in &fields {
        columns.push_str(&format!(", {} AS {}", field.column_sql(), alias(field)));
        keys.push_str(&format!(", {}", alias(field)));
    }
    Ok(format!(
        "SELECT period, currency, owner, sum(cost) AS cost FROM (\
           SELECT period, currency, {owner} AS owner, cost FROM (\
             SELECT billing_period AS period, coalesce(line_item_currency_code, '') AS currency\
                    {columns}, sum({measure}) AS cost \
             FROM {table}{filter} \
             GROUP BY billing_period, coalesce(line_item_currency_code, ''){keys}) AS line_groups\
         ) AS owned \
         GROUP BY GROUPING SETS ((period, currency, owner), (period, currency)) \
         ORDER BY period, currency, owner",
        owner = rules.owner_rules().sql_over(alias),
        measure = options.measure.column(),
        table = source.table(),
    ))
}

fn check_period(period: &str, flag: &str) -> Result<()> {
    let valid = period.len() == 7
        && chrono::NaiveDate::parse_from_str(&format!("{period}-01"), "%Y-%m-%d").is_ok();
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "{flag} {period:?} is not a billing period (YYYY-MM)"
        )))
    }
}

/// Builds the report from the aggregate's rows: splits the pools and adds the totals.
/// Pure, so tests can drive it with any data.
pub fn report(
    rules: &Rules,
    options: &AllocateOptions,
    costs: &[OwnerCost],
    bills: &[PeriodBill],
) -> AllocationReport {
    let (rows, pools) = split::split_pools(rules, costs);

    let mut team_totals: BTreeMap<(&str, usize), TeamTotal> = BTreeMap::new();
    let team_order = |team: &str| {
        rules
            .teams()
            .iter()
            .position(|t| t == team)
            .unwrap_or(rules.teams().len())
    };
    let mut periods: BTreeMap<(&str, &str), PeriodTotal> = BTreeMap::new();
    for bill in bills {
        periods.insert(
            (&bill.period, &bill.currency),
            period_total(&bill.period, &bill.currency, bill.bill),
        );
    }
    for TeamCost {
        period: row_period,
        cost: row,
    } in &rows
    {
        let total = team_totals
            .entry((&row.currency, team_order(&row.team)))
            .or_insert_with(|| TeamTotal::new(&row.currency, &row.team, 0.0, 0.0));
        total.direct += row.direct;
        total.shared += row.shared;
        total.total += row.total;

        let period = periods
            .entry((row_period, &row.currency))
            .or_insert_with(|| period_total(row_period, &row.currency, 0.0));
        if row.team == UNALLOCATED {
            period.unallocated += row.direct;
        } else {
            period.direct += row.direct;
        }
        period.allocated += row.total;
    }
    for pool in &pools {
        if let Some(period) = periods.get_mut(&(pool.period.as_str(), pool.currency.as_str())) {
            period.shared += pool.cost;
        }
    }

    let mut totals: BTreeMap<String, CurrencyTotal> = BTreeMap::new();
    for period in periods.values() {
        let total = totals
            .entry(period.currency.clone())
            .or_insert_with(|| CurrencyTotal {
                currency: period.currency.clone(),
                bill: 0.0,
                allocated: 0.0,
                unallocated: 0.0,
            });
        total.bill += period.bill;
        total.allocated += period.allocated;
        total.unallocated += period.unallocated;
    }

    AllocationReport {
        rules: rules.origin().to_string(),
        measure: options.measure,
        from: options.from.clone(),
        to: options.to.clone(),
        teams: rules.teams().to_vec(),
        periods: periods.into_values().collect(),
        totals: totals.into_values().collect(),
        team_totals: team_totals.into_values().collect(),
        rows,
        pools,
    }
}

fn period_total(period: &str, currency: &str, bill: f64) -> PeriodTotal {
    PeriodTotal {
        period: period.to_string(),
        currency: currency.to_string(),
        bill,
        direct: 0.0,
        shared: 0.0,
        unallocated: 0.0,
        allocated: 0.0,
    }
}

/// A [`TeamCost`] in whole cents, for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamCents {
    pub period: String,
    pub currency: String,
    pub team: String,
    pub direct: i64,
    pub shared: i64,
    pub total: i64,
}

impl AllocationReport {
    /// The rows rounded to the cent so that every figure shown adds up: each period's
    /// team totals sum to its bill rounded to the cent (largest remainder), `direct` is
    /// rounded to the nearest cent and `shared` is `total − direct`.
    pub fn rows_in_cents(&self) -> Vec<TeamCents> {
        let mut out = Vec::with_capacity(self.rows.len());
        for period in &self.periods {
            let rows: Vec<&TeamCost> = self
                .rows
                .iter()
                .filter(|r| r.period == period.period && r.cost.currency == period.currency)
                .collect();
            let totals: Vec<f64> = rows.iter().map(|r| r.cost.total).collect();
            let cents = split::round_to_cents(&totals, period.bill);
            for (TeamCost { period, cost: row }, total) in rows.into_iter().zip(cents) {
                // What no rule claims is never shared: all of it is direct.
                let direct = if row.team == UNALLOCATED {
                    total
                } else {
                    (row.direct * 100.0).round() as i64
                };
                out.push(TeamCents {
                    period: period.clone(),
                    currency: row.currency.clone(),
                    team: row.team.clone(),
                    direct,
                    shared: total - direct,
                    total,
                });
            }
        }
        out
    }
}
