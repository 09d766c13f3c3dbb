//! Where each section of the weekly report comes from: one function per section, each
//! over the principal's session (so access control holds) and, for state kept between
//! runs, the metadata store.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use costscope_query::Session;
use costscope_store::Store;
use serde::Deserialize;

use super::{
    AnomalyLine, BudgetLine, CostTrend, DEFAULT_UNIT_METRIC, DailyCost, IsoWeek, Mover,
    RecommendationLine, ReportContext, ScoreSection, UnitCostLine, UnitCostPoint, UnitSpec,
    WeeklyCost,
};
use crate::budgets::{self, Budget, BudgetOptions, Scope as BudgetScope};
use crate::records::{literal, query};
use crate::unit_cost::{self, Granularity, Scope as UnitScope, UnitCostOptions};
use crate::{Error, Result};

fn timestamp(day: NaiveDate) -> String {
    format!("TIMESTAMP '{day} 00:00:00'")
}

/// The team's amortized cost by day over the history, by week, and the services and
/// usage types that moved most between the report week and the one before; with the
/// billing currency (`None` when the team has no cost in the history).
pub async fn cost_trend(
    session: &Session,
    context: &ReportContext,
    top: usize,
) -> Result<(CostTrend, Option<String>)> {
    let first = context.first_week().monday();
    let end = context.week.sunday() + Days::new(1);
    let team = context.team_predicate();

    #[derive(Deserialize)]
    struct DayRow {
        day: String,
        currency: Option<String>,
        cost: Option<f64>,
    }
    let rows: Vec<DayRow> = query(
        session,
        &format!(
            "SELECT CAST(line_item_usage_start_date AS DATE) AS day, \
               line_item_currency_code AS currency, sum(amortized_cost) AS cost \
             FROM cur_amortized \
             WHERE {team} AND line_item_usage_start_date >= {} \
               AND line_item_usage_start_date < {} \
             GROUP BY 1, 2 ORDER BY 1, 2",
            timestamp(first),
            timestamp(end)
        ),
    )
    .await?;
    let mut currencies: Vec<String> = rows.iter().filter_map(|r| r.currency.clone()).collect();
    currencies.sort();
    currencies.dedup();
    if currencies.len() > 1 {
        return Err(Error::InvalidArgument(format!(
            "team {} has cost in several currencies ({}); a weekly report sums one",
            context.team,
            currencies.join(", ")
        )));
    }
    let mut by_day: BTreeMap<NaiveDate, f64> = BTreeMap::new();
    for row in &rows {
        *by_day.entry(super::parse_iso_day(&row.day)?).or_default() += row.cost.unwrap_or(0.0);
    }
    let mut daily = Vec::new();
    let mut weekly: Vec<WeeklyCost> = Vec::new();
    let mut day = first;
    while day < end {
        let cost = by_day.get(&day).copied().unwrap_or(0.0);
        daily.push(DailyCost {
            date: day.to_string(),
            cost,
        });
        let week = IsoWeek::containing(day);
        match weekly.last_mut() {
            Some(last) if last.start == week.monday().to_string() => last.cost += cost,
            _ => weekly.push(WeeklyCost {
                week: week.to_string(),
                start: week.monday().to_string(),
                cost,
            }),
        }
        day = day + Days::new(1);
    }
    let this_week = weekly.last().map(|w| w.cost).unwrap_or(0.0);
    let previous_week = weekly
        .len()
        .checked_sub(2)
        .map(|i| weekly[i].cost)
        .unwrap_or(0.0);
    let (top_services, top_usage_types) = movers(session, context, top).await?;
    let change = this_week - previous_week;
    Ok((
        CostTrend {
            daily,
            weekly,
            this_week,
            previous_week,
            change,
            change_percent: (previous_week != 0.0).then(|| change / previous_week * 100.0),
            top_services,
            top_usage_types,
        },
        currencies.pop(),
    ))
}

/// Services and (service, usage type) pairs by absolute change between the report week
/// and the previous one.
async fn movers(
    session: &Session,
    context: &ReportContext,
    top: usize,
) -> Result<(Vec<Mover>, Vec<Mover>)> {
    let previous = context.week.minus(1).monday();
    let this = context.week.monday();
    let end = context.week.sunday() + Days::new(1);
    #[derive(Deserialize)]
    struct Row {
        service: Option<String>,
        usage_type: Option<String>,
        this_week: Option<f64>,
        previous_week: Option<f64>,
    }
    let rows: Vec<Row> = query(
        session,
        &format!(
            "SELECT line_item_product_code AS service, line_item_usage_type AS usage_type, \
               sum(CASE WHEN line_item_usage_start_date >= {this} THEN amortized_cost ELSE 0 END) AS this_week, \
               sum(CASE WHEN line_item_usage_start_date < {this} THEN amortized_cost ELSE 0 END) AS previous_week \
             FROM cur_amortized \
             WHERE {team} AND line_item_usage_start_date >= {previous} \
               AND line_item_usage_start_date < {end} \
             GROUP BY 1, 2",
            this = timestamp(this),
            previous = timestamp(previous),
            end = timestamp(end),
            team = context.team_predicate(),
        ),
    )
    .await?;
    let mut services: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    let mut usage_types = Vec::with_capacity(rows.len());
    for row in rows {
        let service = row.service.unwrap_or_default();
        let (this_week, previous_week) = (
            row.this_week.unwrap_or(0.0),
            row.previous_week.unwrap_or(0.0),
        );
        let entry = services.entry(service.clone()).or_default();
        entry.0 += this_week;
        entry.1 += previous_week;
        usage_types.push(Mover {
            service,
            usage_type: Some(row.usage_type.unwrap_or_default()),
            this_week,
            previous_week,
            change: this_week - previous_week,
        });
    }
    let services = services
        .into_iter()
        .map(|(service, (this_week, previous_week))| Mover {
            service,
            usage_type: None,
            this_week,
            previous_week,
            change: this_week - previous_week,
        })
        .collect();
    Ok((
        largest_moves(services, top),
        largest_moves(usage_types, top),
    ))
}

/// The `top` movers by absolute change (ties by name), dropping those that did not move
/// by at least a cent.
fn largest_moves(mut movers: Vec<Mover>, top: usize) -> Vec<Mover> {
    movers.retain(|m| m.change.abs() >= 0.005);
    movers.sort_by(|a, b| {
        b.change
            .abs()
            .total_cmp(&a.change.abs())
            .then_with(|| a.service.cmp(&b.service))
            .then_with(|| a.usage_type.cmp(&b.usage_type))
    });
    movers.truncate(top);
    movers
}

/// True when `budget` covers exactly the team's cost.
fn is_team_budget(budget: &Budget, team: &str) -> bool {
    match &budget.scope {
        BudgetScope::Team(t) => t == team,
        BudgetScope::Tag { key, value } => key == "user_team" && value == team,
        _ => false,
    }
}

/// The team's budgets (scope `team=T`, or `tag:user_team=T`) as of the week's last day
/// (or the last day with usage, when earlier).
pub async fn budgets(
    session: &Session,
    context: &ReportContext,
    all: &[Budget],
) -> Result<Vec<BudgetLine>> {
    let mine: Vec<Budget> = all
        .iter()
        .filter(|b| is_team_budget(b, &context.team))
        .cloned()
        .collect();
    if mine.is_empty() {
        return Ok(Vec::new());
    }
    let as_of = context.week.sunday().min(context.data_through);
    let report = budgets::report(
        session,
        &BudgetOptions {
            budgets: mine,
            as_of: Some(as_of),
            team_sql: Some(context.team_sql.clone()),
            ..BudgetOptions::default()
        },
    )
    .await?;
    Ok(report
        .budgets
        .into_iter()
        .map(|b| {
            let days = (b.period_end - b.period_start).num_days() + 1;
            BudgetLine {
                name: b.name,
                scope: b.scope.to_string(),
                period: b.period.name().to_string(),
                period_start: b.period_start.to_string(),
                period_end: b.period_end.to_string(),
                as_of: as_of.to_string(),
                budget: b.budget,
                actual: b.actual,
                percent_used: b.percent_used,
                forecast: b.forecast.mean,
                forecast_lower: b.forecast.lower,
                forecast_upper: b.forecast.upper,
                forecast_percent: b.forecast_percent,
                state: b.state,
                daily_budget: b.budget / days.max(1) as f64,
            }
        })
        .collect())
}

/// Weekly cost per unit for each spec; without specs, for every app of the team in
/// `business_metrics` that records [`DEFAULT_UNIT_METRIC`].
pub async fn unit_costs(
    session: &Session,
    context: &ReportContext,
    specs: &[UnitSpec],
) -> Result<Vec<UnitCostLine>> {
    let specs = if specs.is_empty() {
        default_units(session, &context.team).await?
    } else {
        specs.to_vec()
    };
    let mut lines = Vec::with_capacity(specs.len());
    for spec in specs {
        let report = unit_cost::unit_cost(
            session,
            &UnitCostOptions {
                scope: vec![UnitScope::Tag {
                    key: "user_app".into(),
                    value: spec.app.clone(),
                }],
                granularity: Granularity::Weekly,
                start: Some(context.first_week().monday()),
                end: Some(context.week.sunday() + Days::new(1)),
                ..UnitCostOptions::new(spec.metric.clone())
            },
        )
        .await?;
        let this_week = context.week.to_string();
        let previous_week = context.week.minus(1).to_string();
        let find = |week: &str| report.periods.iter().find(|p| p.period == week);
        let current = find(&this_week);
        let previous = find(&previous_week);
        let cost_per_unit = current.and_then(|p| p.cost_per_unit);
        let previous_cost_per_unit = previous.and_then(|p| p.cost_per_unit);
        lines.push(UnitCostLine {
            app: spec.app,
            metric: spec.metric,
            cost: current.map(|p| p.cost).unwrap_or(0.0),
            units: current.map(|p| p.units).unwrap_or(0.0),
            cost_per_unit,
            previous_cost_per_unit,
            change_percent: match (cost_per_unit, previous_cost_per_unit) {
                (Some(now), Some(before)) if before != 0.0 => Some((now / before - 1.0) * 100.0),
                _ => None,
            },
            weekly: report
                .periods
                .iter()
                .map(|p| UnitCostPoint {
                    week: p.period.clone(),
                    cost_per_unit: p.cost_per_unit,
                })
                .collect(),
        });
    }
    Ok(lines)
}

/// Every app of `team` that records the default unit metric.
async fn default_units(session: &Session, team: &str) -> Result<Vec<UnitSpec>> {
    #[derive(Deserialize)]
    struct Row {
        app: Option<String>,
    }
    let rows: Vec<Row> = query(
        session,
        &format!(
            "SELECT DISTINCT app FROM business_metrics WHERE team = {} AND metric = {} ORDER BY 1",
            literal(team),
            literal(DEFAULT_UNIT_METRIC)
        ),
    )
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| r.app)
        .filter(|app| !app.is_empty())
        .map(|app| UnitSpec {
            app,
            metric: DEFAULT_UNIT_METRIC.to_string(),
        })
        .collect())
}

/// The team's efficiency score for the week and its components.
pub async fn score(
    _session: &Session,
    _store: Option<&Store>,
    _context: &ReportContext,
) -> Result<Option<ScoreSection>> {
    // Fed by `crate::efficiency` (the weekly team score) once it exists.
    Ok(None)
}

/// Open recommendations for the team's resources with their monthly saving.
pub async fn recommendations(
    _session: &Session,
    _store: Option<&Store>,
    _context: &ReportContext,
) -> Result<Vec<RecommendationLine>> {
    // Fed by `crate::recommend` (with lifecycle state from `costscope_store::recommendations`).
    Ok(Vec::new())
}

/// Anomalies in the team's cost that are open as of the week's last day.
pub async fn anomalies(
    _session: &Session,
    _store: Option<&Store>,
    _context: &ReportContext,
) -> Result<Vec<AnomalyLine>> {
    // Fed by `crate::anomalies` (with feedback state from `costscope_store::anomalies`).
    Ok(Vec::new())
}
