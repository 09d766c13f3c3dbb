//! `costscope report weekly`: weekly team reports (HTML, Markdown, JSON) written to a
//! directory, one set of files per team.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use costscope_analytics::Error;
use costscope_analytics::report::{self, WeeklyReport};
use costscope_app::present;
use costscope_app::report::WeeklyRequest;

use crate::args::{Format, FormatArgs, Global};
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

async fn weekly(global: &Global, args: WeeklyArgs) -> anyhow::Result<()> {
    let request = WeeklyRequest {
        team: args.team,
        week: args.week,
        rules: args.team_rules.rules()?,
        budgets: super::document(args.budgets.as_deref())?,
        units: args.units,
        history_weeks: args.history_weeks,
    };
    let reports = super::app(global)?
        .weekly_reports(&super::principal(global)?, &request)
        .await?;
    std::fs::create_dir_all(&args.out).map_err(|source| Error::Io {
        path: args.out.display().to_string(),
        source,
    })?;
    let mut written = Vec::with_capacity(reports.len());
    for report in &reports {
        let files = write_files(report, &args.out, &args.files)?;
        written.push(present::report::written(report, &files));
    }
    if args.output.format == Format::Json {
        return print_report(&written, args.output.format);
    }
    print_records(&written, args.output.format)
}

/// Writes the report's files into `dir`, returning their paths.
fn write_files(
    report: &WeeklyReport,
    dir: &Path,
    kinds: &[FileKind],
) -> anyhow::Result<Vec<String>> {
    let stem = present::report::file_stem(report);
    let mut paths = Vec::with_capacity(kinds.len());
    for kind in kinds {
        let path = dir.join(format!("{stem}.{}", kind.extension()));
        let text = match kind {
            FileKind::Html => present::report::html(report),
            FileKind::Md => present::report::markdown(report),
            FileKind::Json => present::report::json(report)?,
        };
        std::fs::write(&path, text).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        paths.push(path.display().to_string());
    }
    Ok(paths)
}
