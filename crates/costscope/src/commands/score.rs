//! `costscope score`: the weekly efficiency score per team (a league table), one team's
//! explanation with `--team`, or the KPI table per account and team with `--kpis`.

use std::path::PathBuf;

use clap::Args;
use costscope_analytics::efficiency::{KpiReport, ScoreReport};
use costscope_app::present::score;
use costscope_app::score::{KpisRequest, ScoreRequest};

use crate::args::{Format, FormatArgs, Global};
use crate::output::{line, lines, print_records, print_report};

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
    let config = super::document(args.config.as_deref())?;
    let rules = args.rules.rules()?;
    let app = super::app(global)?;
    if args.kpis {
        let request = KpisRequest {
            from_week: args.from_week,
            week: args.week,
            config,
            rules,
        };
        let report = app.kpis(&super::principal(global)?, &request).await?;
        return print_kpis(&report, args.output.format);
    }
    let request = ScoreRequest {
        team: args.team.clone(),
        week: args.week,
        config,
        rules,
    };
    let report = app.score(&super::principal(global)?, &request).await?;
    match (&args.team, args.output.format) {
        (_, Format::Json) => print_report(&report, Format::Json),
        (Some(_), format) => print_team(&report, format),
        (None, format) => print_league(&report, format),
    }
}

fn print_league(report: &ScoreReport, format: Format) -> anyhow::Result<()> {
    let mut rows = score::league_rows(report);
    if format == Format::Csv {
        return print_records(&rows, Format::Csv);
    }
    line(&score::league_heading(report))?;
    rows.push(score::organisation_row(report));
    print_records(&rows, Format::Table)
}

fn print_team(report: &ScoreReport, format: Format) -> anyhow::Result<()> {
    let rows = score::component_rows(report);
    if format == Format::Csv {
        return print_records(&rows, Format::Csv);
    }
    lines(
        report
            .teams
            .iter()
            .map(|team| score::team_heading(report, team)),
    )?;
    print_records(&rows, Format::Table)?;
    lines(report.teams.iter().flat_map(score::action_lines))
}

fn print_kpis(report: &KpiReport, format: Format) -> anyhow::Result<()> {
    if format == Format::Json {
        return print_report(report, Format::Json);
    }
    let rows = score::kpi_rows(report);
    if format == Format::Csv {
        return print_records(&rows, Format::Csv);
    }
    line(&score::kpi_heading(report))?;
    print_records(&rows, Format::Table)?;
    line("")?;
    line("== Idle resources")?;
    print_records(&report.idle_resources, Format::Table)?;
    line("")?;
    line(&score::utilisation_heading(report))?;
    if !report.utilisation.accounts.is_empty() {
        print_records(&report.utilisation.accounts, Format::Table)?;
    }
    Ok(())
}
