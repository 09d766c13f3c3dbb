//! Score tables: scores to whole points, changes and points to 0.1, money to the cent,
//! ratios as percentages to 0.1.

use costscope_analytics::efficiency::{KpiReport, ScoreReport, TeamScore};
use serde::Serialize;

use super::round;

fn percent(value: Option<f64>) -> Option<f64> {
    value.map(|v| round(v * 100.0, 1))
}

/// One team's line of the league table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeagueRow {
    pub rank: usize,
    pub team: String,
    pub score: f64,
    pub previous: Option<f64>,
    pub change: Option<f64>,
    pub eligible_spend: f64,
    pub top_action: String,
    pub points: Option<f64>,
    pub weekly_saving: Option<f64>,
}

/// A team's line of the league, with its top action.
pub fn league_row(team: &TeamScore) -> LeagueRow {
    let action = team.actions.first();
    LeagueRow {
        rank: team.rank,
        team: team.team.clone(),
        score: team.score.round(),
        previous: team.previous_score.map(f64::round),
        change: team.change.map(|c| round(c, 1)),
        eligible_spend: round(team.eligible_spend, 2),
        top_action: action.map(|a| a.action.clone()).unwrap_or_default(),
        points: action.map(|a| round(a.points, 1)),
        weekly_saving: action.map(|a| round(a.saving, 2)),
    }
}

/// Every team's line, in rank order.
pub fn league_rows(report: &ScoreReport) -> Vec<LeagueRow> {
    report.teams.iter().map(league_row).collect()
}

/// The organisation's line (rank 0), after the teams in the table.
pub fn organisation_row(report: &ScoreReport) -> LeagueRow {
    LeagueRow {
        rank: 0,
        ..league_row(&report.organisation)
    }
}

/// The heading over the league: the week, the scale, the configuration and the
/// organisation's score.
pub fn league_heading(report: &ScoreReport) -> String {
    let org = &report.organisation;
    format!(
        "== Efficiency score, week {} (scale {}-{}; weights and goals: {}): organisation {:.0}{}",
        report.week,
        report.scale[0],
        report.scale[1],
        report.config.origin,
        org.score,
        org.change
            .map(|c| format!(" ({c:+.1} on {})", report.previous_week))
            .unwrap_or_default()
    )
}

/// One component of a team's score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComponentRow {
    pub team: String,
    pub kpi: String,
    pub value_pct: Option<f64>,
    pub goal_pct: f64,
    pub organisation_pct: Option<f64>,
    pub eligible: f64,
    pub points: f64,
    pub max_points: f64,
    pub weekly_saving: f64,
    pub top_item: String,
}

/// Every component of every team in the report.
pub fn component_rows(report: &ScoreReport) -> Vec<ComponentRow> {
    report
        .teams
        .iter()
        .flat_map(|team| {
            team.components.iter().map(|c| ComponentRow {
                team: team.team.clone(),
                kpi: c.kpi.to_string(),
                value_pct: percent(c.value),
                goal_pct: round(c.goal * 100.0, 1),
                organisation_pct: percent(c.organisation_value),
                eligible: round(c.eligible, 2),
                points: round(c.points, 1),
                max_points: round(c.max_points, 1),
                weekly_saving: round(c.saving, 2),
                top_item: c.top_item.clone().unwrap_or_default(),
            })
        })
        .collect()
}

/// A team's heading: its score, rank, change and trend.
pub fn team_heading(report: &ScoreReport, team: &TeamScore) -> String {
    let trend: Vec<String> = team
        .history
        .iter()
        .map(|w| format!("{} {:.0}", w.week, w.score))
        .collect();
    format!(
        "== {} in {}: score {:.0} of {}-{} (rank {} of the league){}{}",
        team.team,
        report.week,
        team.score,
        report.scale[0],
        report.scale[1],
        team.rank,
        team.change
            .map(|c| format!(", {c:+.1} on {}", report.previous_week))
            .unwrap_or_default(),
        if trend.is_empty() {
            String::new()
        } else {
            format!("; earlier: {}", trend.join(", "))
        }
    )
}

/// A team's actions, most points first, as a heading and numbered lines.
pub fn action_lines(team: &TeamScore) -> Vec<String> {
    let mut lines = vec![
        String::new(),
        format!("== Actions that raise {}'s score most", team.team),
    ];
    for (n, action) in team.actions.iter().enumerate() {
        lines.push(format!(
            "{}. {} (+{:.1} points, saves ${:.2} a week){}",
            n + 1,
            action.action,
            action.points,
            action.saving,
            action
                .target
                .as_ref()
                .map(|t| format!(": largest is {t}"))
                .unwrap_or_default()
        ));
    }
    if team.actions.is_empty() {
        lines.push("Every component meets its goal.".into());
    }
    lines
}

/// One KPI of one account and team in one week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiLine {
    pub week: String,
    pub account_id: String,
    pub account_name: String,
    pub team: String,
    pub kpi: String,
    pub value_pct: Option<f64>,
    pub measured: f64,
    pub eligible: f64,
    pub goal_pct: f64,
    pub weekly_saving: f64,
    pub top_item: String,
}

/// Every KPI row of the report.
pub fn kpi_rows(report: &KpiReport) -> Vec<KpiLine> {
    report
        .rows
        .iter()
        .map(|r| KpiLine {
            week: r.week.clone(),
            account_id: r.account_id.clone(),
            account_name: r.account_name.clone(),
            team: r.team.clone(),
            kpi: r.kpi.to_string(),
            value_pct: percent(r.value),
            measured: round(r.measured, 2),
            eligible: round(r.eligible, 2),
            goal_pct: round(r.goal * 100.0, 1),
            weekly_saving: round(r.saving, 2),
            top_item: r.top_item.clone().unwrap_or_default(),
        })
        .collect()
}

/// The heading over the KPIs.
pub fn kpi_heading(report: &KpiReport) -> String {
    format!(
        "== Efficiency KPIs {} to {} per account and team (saving factors as of {})",
        report.from, report.to, report.prices_as_of
    )
}

/// The heading over the utilisation accounts.
pub fn utilisation_heading(report: &KpiReport) -> String {
    format!(
        "== CPU and memory utilisation: {} ({})",
        report.utilisation.status, report.utilisation.source
    )
}
