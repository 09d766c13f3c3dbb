//! `costscope history`: the query history of the workgroups the principal may see.

use clap::Args;
use costscope_app::history::HistoryRequest;
use costscope_store::history::QueryRecord;
use serde::Serialize;

use crate::args::{Format, FormatArgs, Global};
use crate::commands::audit::shorten;
use crate::output;

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only this workgroup.
    #[arg(long)]
    pub workgroup: Option<String>,
    /// Queries started at or after this time: YYYY-MM-DD (UTC) or RFC 3339.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// The latest N queries.
    #[arg(long, default_value_t = 100)]
    pub limit: u64,
    #[command(flatten)]
    pub output: FormatArgs,
}

pub async fn run(global: &Global, args: HistoryArgs) -> anyhow::Result<()> {
    let request = HistoryRequest {
        workgroup: args.workgroup,
        since: args.since,
        limit: args.limit,
    };
    let queries = super::app(global)?
        .history(&super::principal(global)?, &request)
        .await?;
    match args.output.format {
        Format::Table => output::print_records(
            &queries.iter().map(Line::of).collect::<Vec<_>>(),
            Format::Table,
        ),
        format => output::print_records(&queries, format),
    }
}

/// A query as a table line: its text and error shortened.
#[derive(Serialize)]
struct Line<'a> {
    started_at: &'a str,
    principal: &'a str,
    workgroup: Option<&'a str>,
    status: &'a str,
    duration_ms: u64,
    scanned_bytes: Option<u64>,
    rows: Option<u64>,
    query: String,
    message: Option<String>,
}

impl<'a> Line<'a> {
    fn of(query: &'a QueryRecord) -> Line<'a> {
        Line {
            started_at: &query.started_at,
            principal: &query.principal,
            workgroup: query.workgroup.as_deref(),
            status: &query.status,
            duration_ms: query.duration_ms,
            scanned_bytes: query.scanned_bytes,
            rows: query.rows,
            query: shorten(query.query.trim(), 80),
            message: query.message.as_deref().map(|m| shorten(m, 80)),
        }
    }
}
