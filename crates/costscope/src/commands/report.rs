//! `costscope report weekly`: weekly team reports (HTML, Markdown, JSON) written to a
//! directory, one set of files per team.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Subcommand, ValueEnum};
use costscope_analytics::Error;
use costscope_analytics::allocation::Rules;
use costscope_analytics::budgets;
use costscope_analytics::report::{
    self, IsoWeek, UnitSpec, WeeklyOptions, WeeklyReport, format::money,
};
use serde::Serialize;

use crate::cli::{Format, FormatArgs, Global};
use crate::output::{print_records, print_report};

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub kind: ReportKind,
}

#[derive(Debug, Subcommand)]
pub enum ReportKind {
    /// One team's week: cost trend and budget, unit cost, score, recommendations, anomalies.
    Weekly(WeeklyArgs),
}

/// A file kind the weekly report is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FileKind {
    Html,
    Md,
    Json,
}

impl FileKind {
    fn extension(self) -> &'static str {
        match self {
            FileKind::Html => "html",
            FileKind::Md => "md",
            FileKind::Json => "json",
        }
    }
}

#[derive(Debug, Args)]
pub struct WeeklyArgs {
    /// The team to report on.
    #[arg(
        long,
        required_unless_present = "all_teams",
        conflicts_with = "all_teams"
    )]
    pub team: Option<String>,
    /// Report on every team (the rules' teams, else every `user_team` tag value).
    #[arg(long)]
    pub all_teams: bool,
    /// Directory the reports are written to (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// ISO week, e.g. 2026-W43 (default: the last complete week with usage).
    #[arg(long)]
    pub week: Option<String>,
    #[command(flatten)]
    pub team_rules: crate::commands::TeamArgs,
    /// Budgets file (YAML, see docs/budgets.md); budgets scoped to team=NAME are reported.
    #[arg(long, value_name = "FILE")]
    pub budgets: Option<PathBuf>,
    /// A unit cost to report as APP:METRIC, e.g. clickstream:invocations (repeatable;
    /// default: every app of the team with an `invocations` business metric).
    #[arg(long = "unit", value_name = "APP:METRIC")]
    pub units: Vec<String>,
    /// Weeks of history in the trend, the report week included.
    #[arg(long, default_value_t = report::DEFAULT_HISTORY_WEEKS)]
    pub history_weeks: u32,
    /// Which files to write.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "html,md,json"
    )]
    pub files: Vec<FileKind>,
    #[command(flatten)]
    pub output: FormatArgs,
}

pub async fn run(global: &Global, args: ReportArgs) -> anyhow::Result<()> {
    match args.kind {
        ReportKind::Weekly(args) => weekly(global, args).await,
    }
}

/// One team's report as written.
#[derive(Debug, Serialize)]
struct Written {
    team: String,
    week: String,
    currency: String,
    this_week: String,
    change_percent: String,
    budget_state: String,
    files: String,
}

async fn weekly(global: &Global, args: WeeklyArgs) -> anyhow::Result<()> {
    let session = crate::commands::admin_session(global).await?;
    if args.history_weeks < 2 {
        return Err(Error::InvalidArgument(format!(
            "--history-weeks must be at least 2, not {}",
            args.history_weeks
        ))
        .into());
    }
    let rules = args
        .team_rules
        .rules
        .as_deref()
        .map(Rules::load)
        .transpose()?;
    let week = args
        .week
        .as_deref()
        .map(str::parse::<IsoWeek>)
        .transpose()?;
    let budget_list = match &args.budgets {
        Some(path) => budgets::load_budgets(path)?,
        None => Vec::new(),
    };
    let units = args
        .units
        .iter()
        .map(|u| u.parse::<UnitSpec>())
        .collect::<Result<Vec<_>, _>>()?;
    let teams = match &args.team {
        Some(team) => vec![team.clone()],
        None => report::teams(&session, rules.as_ref()).await?,
    };
    if teams.is_empty() {
        return Err(Error::InvalidArgument(
            "no teams to report on: no line has a user_team tag (give --rules)".into(),
        )
        .into());
    }
    let store = open_store(&global.lake)?;
    std::fs::create_dir_all(&args.out).map_err(|source| Error::Io {
        path: args.out.display().to_string(),
        source,
    })?;
    let mut written = Vec::with_capacity(teams.len());
    for team in teams {
        let options = WeeklyOptions {
            team,
            week,
            rules: rules.clone(),
            budgets: budget_list.clone(),
            budgets_origin: args.budgets.as_ref().map(|p| p.display().to_string()),
            units: units.clone(),
            history_weeks: args.history_weeks,
            store: store.clone(),
            ..WeeklyOptions::default()
        };
        let report = report::build_weekly(&session, &options).await?;
        let files = write_files(&report, &args.out, &args.files)?;
        written.push(summary(&report, &files));
    }
    if args.output.format == Format::Json {
        return print_report(&written, args.output.format);
    }
    print_records(&written, args.output.format)
}

/// The lake's metadata store, if one exists (a report never creates it).
fn open_store(lake: &Path) -> anyhow::Result<Option<Arc<costscope_store::Store>>> {
    if lake.join(costscope_store::STORE_PATH).exists() {
        Ok(Some(Arc::new(costscope_store::Store::for_lake(lake)?)))
    } else {
        Ok(None)
    }
}

fn write_files(
    report: &WeeklyReport,
    dir: &Path,
    kinds: &[FileKind],
) -> anyhow::Result<Vec<PathBuf>> {
    let stem = report.file_stem();
    let mut paths = Vec::with_capacity(kinds.len());
    for kind in kinds {
        let path = dir.join(format!("{stem}.{}", kind.extension()));
        let text = match kind {
            FileKind::Html => report::html::render(report),
            FileKind::Md => report::markdown::render(report),
            FileKind::Json => serde_json::to_string_pretty(report)? + "\n",
        };
        std::fs::write(&path, text).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        paths.push(path);
    }
    Ok(paths)
}

fn summary(report: &WeeklyReport, files: &[PathBuf]) -> Written {
    let currency = &report.header.currency;
    Written {
        team: report.header.team.clone(),
        week: report.header.week.clone(),
        currency: currency.clone(),
        this_week: money(report.cost.this_week, currency),
        change_percent: report::format::percent_change(report.cost.change_percent),
        budget_state: report
            .budgets
            .first()
            .map(|b| b.state.name().to_string())
            .unwrap_or_default(),
        files: files
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" "),
    }
}
