//! `costscope recommend`: recommendations with estimated savings, grouped by category and
//! team; `accept`, `dismiss`, `reopen`, `implement` and `show` manage one by id.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Subcommand};
use costscope_analytics::Error;
use costscope_analytics::recommend::{
    self, Category, Change, RecommendOptions, Recommendation, Status,
};
use costscope_lake::Lake;
use costscope_store::Store;
use serde::Serialize;

use crate::cli::{Format, FormatArgs, Global};
use crate::output::{print_records, print_report};

#[derive(Debug, Args)]
pub struct RecommendArgs {
    #[command(subcommand)]
    pub action: Option<Action>,
    /// Only this category: compute, storage, database, networking, genai.
    #[arg(long, global = true)]
    pub category: Option<String>,
    /// Only this team's recommendations.
    #[arg(long, global = true)]
    pub team: Option<String>,
    /// Only recommendations in this state: open, accepted, dismissed, implemented.
    #[arg(long, global = true)]
    pub status: Option<String>,
    /// Price overrides (YAML, see docs/recommendations.md).
    #[arg(long, value_name = "FILE", global = true)]
    pub prices: Option<PathBuf>,
    /// Estimate from the 30 days ending on this day, YYYY-MM-DD (default: the last day
    /// with usage).
    #[arg(long, global = true)]
    pub as_of: Option<String>,
    #[command(flatten)]
    pub team_rules: crate::commands::TeamArgs,
    #[command(flatten)]
    pub output: FormatArgs,
}

#[derive(Debug, Subcommand)]
pub enum Action {
    /// Accept a recommendation.
    Accept { id: String },
    /// Dismiss a recommendation, with the reason.
    Dismiss {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Return a dismissed or accepted recommendation to open.
    Reopen { id: String },
    /// Mark an accepted recommendation implemented (default: today).
    Implement {
        id: String,
        #[arg(long, value_name = "DATE")]
        on: Option<String>,
    },
    /// One recommendation with its explanation, history and realized saving.
    Show { id: String },
}

/// One row of the listing.
#[derive(Serialize)]
struct Row<'a> {
    category: &'static str,
    team: &'a str,
    id: &'a str,
    effort: &'static str,
    current: &'a str,
    recommended: &'a str,
    monthly_cost: f64,
    monthly_saving: f64,
    realized_monthly_saving: Option<f64>,
    status: &'static str,
    source: String,
}

fn date(text: &str) -> Result<NaiveDate, Error> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| Error::InvalidArgument(format!("`{text}` is not a date (YYYY-MM-DD)")))
}

pub async fn run(global: &Global, args: RecommendArgs) -> anyhow::Result<()> {
    let session = crate::commands::admin_session(global).await?;
    let lake = Lake::open(&global.lake)?;
    let store = Store::for_lake(lake.root())?;
    let options = RecommendOptions {
        category: args
            .category
            .as_deref()
            .map(str::parse::<Category>)
            .transpose()?,
        team: args.team.clone(),
        status: args
            .status
            .as_deref()
            .map(str::parse::<Status>)
            .transpose()?,
        team_expr: args.team_rules.team()?,
        as_of: args.as_of.as_deref().map(date).transpose()?,
        prices: args
            .prices
            .as_deref()
            .map(recommend::prices::load)
            .transpose()?,
    };
    let format = args.output.format;
    let change = match args.action {
        None => {
            let report = recommend::recommend(&session, Some(&store), &options).await?;
            if format == Format::Json {
                return print_report(&report, format);
            }
            let rows: Vec<Row<'_>> = report.recommendations.iter().map(row).collect();
            print_records(&rows, format)?;
            if format == Format::Table {
                for c in &report.categories {
                    crate::outln!(
                        "{}: {} recommendations, ${:.2}/month",
                        c.category,
                        c.count,
                        c.monthly_saving
                    )?;
                }
                crate::outln!(
                    "total: ${:.2}/month (usage {} to {}; prices as of {})",
                    report.total_monthly_saving,
                    report
                        .window_from
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                    report.window_to.map(|d| d.to_string()).unwrap_or_default(),
                    report.prices.as_of
                )?;
            }
            return Ok(());
        }
        Some(Action::Show { id }) => {
            let mut all = options.clone();
            all.status = None;
            let r = recommend::show(&session, &store, &id, &all).await?;
            let history = store.history(&id).unwrap_or_default();
            return print_report(&Shown::new(r, history), format);
        }
        Some(Action::Accept { id }) => (id, Change::Accept),
        Some(Action::Dismiss { id, reason }) => (id, Change::Dismiss(reason)),
        Some(Action::Reopen { id }) => (id, Change::Reopen),
        Some(Action::Implement { id, on }) => {
            let on = match on {
                Some(text) => date(&text)?,
                None => chrono::Utc::now().date_naive(),
            };
            (id, Change::Implement(on))
        }
    };
    let (id, change) = change;
    let mut all = options.clone();
    all.status = None;
    let r = recommend::transition(&session, &store, &id, change, &all).await?;
    let history = store.history(&id).unwrap_or_default();
    print_report(&Shown::new(r, history), format)
}

fn row(r: &Recommendation) -> Row<'_> {
    Row {
        category: r.category.name(),
        team: &r.team,
        id: &r.id,
        effort: r.effort.name(),
        current: &r.current,
        recommended: &r.recommended,
        monthly_cost: r.monthly_cost,
        monthly_saving: r.monthly_saving,
        realized_monthly_saving: r.realized_monthly_saving,
        status: r.status.name(),
        source: serde_json::to_value(r.source)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
    }
}

/// `show` and the lifecycle commands print the recommendation with its history.
#[derive(Serialize)]
struct Shown {
    #[serde(flatten)]
    recommendation: Recommendation,
    history: Vec<Event>,
}

#[derive(Serialize)]
struct Event {
    from: &'static str,
    to: &'static str,
    reason: Option<String>,
    at: String,
}

impl Shown {
    fn new(
        recommendation: Recommendation,
        history: Vec<costscope_store::recommendations::Event>,
    ) -> Self {
        Shown {
            recommendation,
            history: history
                .into_iter()
                .map(|e| Event {
                    from: e.from.name(),
                    to: e.to.name(),
                    reason: e.reason,
                    at: e.at,
                })
                .collect(),
        }
    }
}
