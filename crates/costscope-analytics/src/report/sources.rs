//! Where each section of the weekly report comes from: one function per section, each
//! over the principal's session (so access control holds) and, for state kept between
//! runs, the metadata store.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use costscope_query::Session;
use costscope_store::Store;
use costscope_store::anomalies::FeedbackState;
use serde::Deserialize;

use super::{
    AnomalyLine, BudgetLine, CostTrend, DEFAULT_UNIT_METRIC, DailyCost, IsoWeek, Mover,
    RecommendationLine, ReportContext, ScoreComponent, ScorePoint, ScoreSection, UnitCostLine,
    UnitCostPoint, UnitSpec, WeeklyCost,
};
use crate::anomalies::{self, AnomalyOptions};
use crate::budgets::{self, Budget, BudgetOptions, Scope as BudgetScope};
use crate::efficiency::{self, ScoreOptions, Week};
use crate::recommend::{self, RecommendOptions, Status};
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
            team: context.team_expr.clone(),
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

/// The team's efficiency score in the report week, its components and its trend.
pub async fn score(
    session: &Session,
    _store: Option<&Store>,
    context: &ReportContext,
) -> Result<Option<ScoreSection>> {
    let report = efficiency::score(
        session,
        &ScoreOptions {
            team_expr: context.team_expr.clone(),
            week: Some(Week(context.week.monday())),
            team: Some(context.team.clone()),
            history_weeks: context.history_weeks.saturating_sub(1),
            ..ScoreOptions::default()
        },
    )
    .await?;
    let Some(team) = report.teams.into_iter().find(|t| t.team == context.team) else {
        return Ok(None);
    };
    let max_points: f64 = team.components.iter().map(|c| c.max_points).sum();
    let components = team
        .components
        .iter()
        .map(|c| ScoreComponent {
            name: c.kpi.to_string(),
            value: c.scored_attainment * 100.0,
            weight: if max_points > 0.0 {
                c.max_points / max_points
            } else {
                0.0
            },
            detail: Some(match c.value {
                Some(value) => format!(
                    "{:.0}% (goal {:.0}%), {:.0} of {:.0} points, ${:.2} eligible",
                    value * 100.0,
                    c.goal * 100.0,
                    c.points,
                    c.max_points,
                    c.eligible
                ),
                None => format!(
                    "no eligible spend; {:.0} of {:.0} points from the organisation's value",
                    c.points, c.max_points
                ),
            }),
        })
        .collect();
    let mut history: Vec<ScorePoint> = team
        .history
        .iter()
        .map(|w| ScorePoint {
            week: w.week.clone(),
            value: w.score,
        })
        .collect();
    if history.last().is_none_or(|p| p.week != report.week) {
        history.push(ScorePoint {
            week: report.week.clone(),
            value: team.score,
        });
    }
    Ok(Some(ScoreSection {
        value: team.score,
        scale: report.scale,
        previous: team.previous_score,
        change: team.change,
        components,
        history,
    }))
}

/// Open recommendations for the team's resources with their monthly saving, as of the
/// report week's last day.
pub async fn recommendations(
    session: &Session,
    store: Option<&Store>,
    context: &ReportContext,
) -> Result<Vec<RecommendationLine>> {
    let report = recommend::recommend(
        session,
        store,
        &RecommendOptions {
            team: Some(context.team.clone()),
            team_expr: context.team_expr.clone(),
            status: Some(Status::Open),
            as_of: Some(context.week.sunday().min(context.data_through)),
            ..RecommendOptions::default()
        },
    )
    .await?;
    Ok(report
        .recommendations
        .into_iter()
        .map(|r| RecommendationLine {
            title: format!("{}: {} → {}", r.rule, r.current, r.recommended),
            category: r.category.to_string(),
            resource: r.resource_id,
            monthly_saving: r.monthly_saving,
            effort: r.effort.name().to_string(),
        })
        .collect())
}

/// Anomalies in the team's cost that are open in the report week: detected as of its last
/// day, on the team's own series or with the team at the top of the root cause; one line
/// per cause, without those marked `expected` or `false-positive` in the store.
pub async fn anomalies(
    session: &Session,
    store: Option<&Store>,
    context: &ReportContext,
) -> Result<Vec<AnomalyLine>> {
    let as_of = context.week.sunday().min(context.data_through);
    let report = anomalies::detect(
        session,
        &AnomalyOptions {
            as_of: Some(as_of),
            ..AnomalyOptions::default()
        },
    )
    .await?;
    let monday = context.week.monday();
    let mut lines: Vec<AnomalyLine> = Vec::new();
    for anomaly in report.anomalies {
        let team_top = anomaly
            .root_cause
            .as_ref()
            .and_then(|tree| tree.top_at("tag"))
            .is_some_and(|node| node.value == context.team);
        let own = anomaly.kind == "tag" && anomaly.value == context.team;
        let open = anomaly.end.is_none_or(|end| end >= monday);
        if !(own || team_top) || !open || silenced(store, &anomaly.id)? {
            continue;
        }
        let root_cause = anomaly
            .network_cause
            .clone()
            .or(anomaly.explanation.clone())
            .unwrap_or_default();
        if lines.iter().any(|l| l.root_cause == root_cause) {
            continue;
        }
        lines.push(AnomalyLine {
            title: format!(
                "{} {}: +${:.2}{}",
                anomaly.monitor,
                if anomaly.value.is_empty() {
                    "(untagged)"
                } else {
                    &anomaly.value
                },
                anomaly.impact,
                anomaly
                    .percent
                    .map(|p| format!(" (+{p:.0}%)"))
                    .unwrap_or_default()
            ),
            start: anomaly.start.to_string(),
            impact: anomaly.impact,
            root_cause,
        });
    }
    Ok(lines)
}

/// True when the store holds `expected` or `false-positive` feedback on the anomaly.
fn silenced(store: Option<&Store>, id: &str) -> Result<bool> {
    let Some(store) = store else {
        return Ok(false);
    };
    match store.anomaly(id) {
        Ok(stored) => Ok(stored.feedback.is_some_and(|f| {
            matches!(
                f.state,
                FeedbackState::Expected | FeedbackState::FalsePositive
            )
        })),
        Err(costscope_store::Error::NotFound { .. }) => Ok(false),
        Err(error) => Err(error.into()),
    }
}
