//! `costscope score`: the weekly efficiency score per team (a league table), one team's
//! explanation with `--team`, or the KPI table per account and team with `--kpis`.

use std::path::PathBuf;

use clap::Args;
use costscope_analytics::efficiency::{
    self, KpiOptions, KpiReport, ScoreConfig, ScoreOptions, ScoreReport, TeamScore, Week,
};
use serde::Serialize;

use crate::cli::{Format, FormatArgs, Global};
use crate::output::{print_records, print_report};

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Explain one team's score: its components, points and the actions that raise it.
    #[arg(long)]
    pub team: Option<String>,
    /// The week: YYYY-Www (2026-W43) or a day in it (default: the last complete week).
    #[arg(long)]
    pub week: Option<String>,
    /// Weights and goals (YAML, see docs/score.md); default: the documented defaults.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print the KPIs per week, account and team instead of the score.
    #[arg(long)]
    pub kpis: bool,
    /// With --kpis: the first week (default: --week).
    #[arg(long, requires = "kpis")]
    pub from_week: Option<String>,
    #[command(flatten)]
    pub rules: crate::commands::TeamArgs,
    #[command(flatten)]
    pub output: FormatArgs,
}

pub async fn run(global: &Global, args: ScoreArgs) -> anyhow::Result<()> {
    let config = match &args.config {
        Some(path) => ScoreConfig::load(path)?,
        None => ScoreConfig::default(),
    };
    let week = args.week.as_deref().map(str::parse::<Week>).transpose()?;
    let team_expr = args.rules.team()?;
    let session = crate::commands::admin_session(global).await?;
    if args.kpis {
        let options = KpiOptions {
            team: team_expr,
            from: args
                .from_week
                .as_deref()
                .map(str::parse::<Week>)
                .transpose()?,
            to: week,
            goals: config.components.iter().map(|c| (c.kpi, c.goal)).collect(),
        };
        let report = efficiency::kpis(&session, &options).await?;
        return print_kpis(&report, args.output.format);
    }
    let options = ScoreOptions {
        team_expr,
        week,
        team: args.team.clone(),
        config,
        history_weeks: 3,
    };
    let report = efficiency::score(&session, &options).await?;
    match (&args.team, args.output.format) {
        (_, Format::Json) => print_report(&report, Format::Json),
        (Some(_), format) => print_team(&report, format),
        (None, format) => print_league(&report, format),
    }
}

fn line(text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    match writeln!(std::io::stdout().lock(), "{text}") {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn round(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}

fn percent(value: Option<f64>) -> Option<f64> {
    value.map(|v| round(v * 100.0, 1))
}

#[derive(Serialize)]
struct LeagueRow {
    rank: usize,
    team: String,
    score: f64,
    previous: Option<f64>,
    change: Option<f64>,
    eligible_spend: f64,
    top_action: String,
    points: Option<f64>,
    weekly_saving: Option<f64>,
}

fn league_row(team: &TeamScore) -> LeagueRow {
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

fn print_league(report: &ScoreReport, format: Format) -> anyhow::Result<()> {
    let mut rows: Vec<LeagueRow> = report.teams.iter().map(league_row).collect();
    if format == Format::Csv {
        return print_records(&rows, Format::Csv);
    }
    let org = &report.organisation;
    line(&format!(
        "== Efficiency score, week {} (scale {}-{}; weights and goals: {}): organisation {:.0}{}",
        report.week,
        report.scale[0],
        report.scale[1],
        report.config.origin,
        org.score,
        org.change
            .map(|c| format!(" ({c:+.1} on {})", report.previous_week))
            .unwrap_or_default()
    ))?;
    let mut organisation = league_row(org);
    organisation.rank = 0;
    rows.push(organisation);
    print_records(&rows, Format::Table)
}

#[derive(Serialize)]
struct ComponentRow {
    team: String,
    kpi: String,
    value_pct: Option<f64>,
    goal_pct: f64,
    organisation_pct: Option<f64>,
    eligible: f64,
    points: f64,
    max_points: f64,
    weekly_saving: f64,
    top_item: String,
}

fn print_team(report: &ScoreReport, format: Format) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    for team in &report.teams {
        for c in &team.components {
            rows.push(ComponentRow {
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
            });
        }
    }
    if format == Format::Csv {
        return print_records(&rows, Format::Csv);
    }
    for team in &report.teams {
        let trend: Vec<String> = team
            .history
            .iter()
            .map(|w| format!("{} {:.0}", w.week, w.score))
            .collect();
        line(&format!(
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
        ))?;
    }
    print_records(&rows, Format::Table)?;
    for team in &report.teams {
        line("")?;
        line(&format!("== Actions that raise {}'s score most", team.team))?;
        for (n, action) in team.actions.iter().enumerate() {
            line(&format!(
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
            ))?;
        }
        if team.actions.is_empty() {
            line("Every component meets its goal.")?;
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct KpiLine {
    week: String,
    account_id: String,
    account_name: String,
    team: String,
    kpi: String,
    value_pct: Option<f64>,
    measured: f64,
    eligible: f64,
    goal_pct: f64,
    weekly_saving: f64,
    top_item: String,
}

fn print_kpis(report: &KpiReport, format: Format) -> anyhow::Result<()> {
    if format == Format::Json {
        return print_report(report, Format::Json);
    }
    let rows: Vec<KpiLine> = report
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
        .collect();
    if format == Format::Csv {
        return print_records(&rows, Format::Csv);
    }
    line(&format!(
        "== Efficiency KPIs {} to {} per account and team (saving factors as of {})",
        report.from, report.to, report.prices_as_of
    ))?;
    print_records(&rows, Format::Table)?;
    line("")?;
    line("== Idle resources")?;
    print_records(&report.idle_resources, Format::Table)?;
    line("")?;
    line(&format!(
        "== CPU and memory utilisation: {} ({})",
        report.utilisation.status, report.utilisation.source
    ))?;
    if !report.utilisation.accounts.is_empty() {
        print_records(&report.utilisation.accounts, Format::Table)?;
    }
    Ok(())
}
