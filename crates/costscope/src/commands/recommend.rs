//! `costscope recommend`: recommendations with estimated savings, grouped by category and
//! team; `accept`, `dismiss`, `reopen`, `implement` and `show` manage one by id.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use costscope_app::present::recommend;
use costscope_app::recommend::{ChangeRequest, RecommendRequest};

use crate::args::{Format, FormatArgs, Global};
use crate::output::{lines, print_records, print_report};

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

pub async fn run(global: &Global, args: RecommendArgs) -> anyhow::Result<()> {
    let request = RecommendRequest {
        category: args.category,
        team: args.team,
        status: args.status,
        prices: super::document(args.prices.as_deref())?,
        as_of: args.as_of,
        rules: args.team_rules.rules()?,
    };
    let app = super::app(global)?;
    let principal = super::principal(global)?;
    let format = args.output.format;
    let change = match args.action {
        None => {
            let report = app.recommend(&principal, &request).await?;
            if format == Format::Json {
                return print_report(&report, format);
            }
            print_records(&recommend::rows(&report), format)?;
            if format == Format::Table {
                lines(recommend::total_lines(&report))?;
            }
            return Ok(());
        }
        Some(Action::Show { id }) => {
            let shown = app.recommendation(&principal, &request, &id).await?;
            return print_report(&shown, format);
        }
        Some(Action::Accept { id }) => ChangeRequest::Accept { id },
        Some(Action::Dismiss { id, reason }) => ChangeRequest::Dismiss { id, reason },
        Some(Action::Reopen { id }) => ChangeRequest::Reopen { id },
        Some(Action::Implement { id, on }) => ChangeRequest::Implement { id, on },
    };
    let changed = app
        .change_recommendation(&principal, &request, &change)
        .await?;
    print_report(&changed, format)
}
