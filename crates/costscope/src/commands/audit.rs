//! `costscope audit verify|log|head|reanchor`: the hash-chained audit log
//! (`docs/audit.md`).

use clap::{Args, Subcommand, ValueEnum};
use costscope_app::audit::AuditLogRequest;
use costscope_store::audit::Entry;
use costscope_store::audit::verify::Verification;
use serde::Serialize;

use crate::args::{Format, FormatArgs, Global};
use crate::output;

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check every entry's hash, link and sequence number, and the head anchor; exit 1
    /// naming the first bad entry.
    Verify(VerifyArgs),
    /// List entries, oldest first.
    Log(LogArgs),
    /// Print the last entry's hash, to keep elsewhere and check with `audit verify --head`.
    Head(HeadArgs),
    /// Anchor the log at its last entry again, once `audit verify` has shown why the log
    /// and its anchor differ (recorded in the log, with the old anchor).
    Reanchor,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A hash printed by `costscope audit head` earlier and kept outside this machine: the
    /// log must still hold that entry.
    #[arg(long, value_name = "HASH")]
    pub head: Option<String>,
    #[command(flatten)]
    pub output: FormatArgs,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// Entries at or after this time: YYYY-MM-DD (UTC) or RFC 3339.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only this principal's entries.
    #[arg(long)]
    pub principal: Option<String>,
    /// Only this action (`sql`, `analysis.cost`, `recommendation.accept` …), or a prefix
    /// ending in `*` (`recommendation.*`).
    #[arg(long)]
    pub action: Option<String>,
    /// Only the last N matching entries.
    #[arg(long)]
    pub limit: Option<u64>,
    #[command(flatten)]
    pub output: FormatArgs,
}

/// How the head is printed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum HeadFormat {
    /// The hash alone.
    #[default]
    Text,
    /// `{"seq", "at", "hash"}`.
    Json,
}

#[derive(Debug, Args)]
pub struct HeadArgs {
    #[arg(long, value_enum, default_value_t = HeadFormat::Text)]
    pub format: HeadFormat,
}

pub async fn run(global: &Global, args: AuditArgs) -> anyhow::Result<()> {
    let app = super::app(global)?;
    let principal = super::principal(global)?;
    match args.command {
        AuditCommand::Verify(args) => {
            let verification = app.audit_verify(&principal, args.head.as_deref())?;
            print_verification(&verification, args.output.format)?;
            match verification.problem {
                None => Ok(()),
                Some(problem) => Err(costscope_store::Error::AuditTampered {
                    seq: problem.seq,
                    detail: problem.detail,
                }
                .into()),
            }
        }
        AuditCommand::Log(args) => {
            let request = AuditLogRequest {
                since: args.since,
                principal: args.principal,
                action: args.action,
                limit: args.limit,
            };
            let entries = app.audit_log(&principal, &request).await?;
            match args.output.format {
                Format::Table => output::print_records(
                    &entries.iter().map(Line::of).collect::<Vec<_>>(),
                    Format::Table,
                ),
                format => output::print_records(&entries, format),
            }
        }
        AuditCommand::Head(args) => match app.audit_head(&principal)? {
            None => {
                if !global.quiet {
                    eprintln!("the audit log is empty");
                }
                Ok(())
            }
            Some(entry) => match args.format {
                HeadFormat::Text => output::line(&entry.hash),
                HeadFormat::Json => output::print_report(
                    &serde_json::json!({"seq": entry.seq, "at": entry.at, "hash": entry.hash}),
                    Format::Json,
                ),
            },
        },
        AuditCommand::Reanchor => {
            let entry = app.audit_reanchor(&principal)?;
            output::line(&format!(
                "re-anchored at entry {} ({}); previous anchor and log end: {}",
                entry.seq, entry.hash, entry.parameters
            ))
        }
    }
}

fn print_verification(verification: &Verification, format: Format) -> anyhow::Result<()> {
    if format != Format::Table {
        return output::print_report(verification, format);
    }
    let head = |head: &Option<costscope_store::audit::Head>| {
        head.as_ref().map_or("none".to_string(), |h| {
            format!("entry {} {}", h.seq, h.hash)
        })
    };
    let status = match &verification.problem {
        None => "intact".to_string(),
        Some(problem) => format!(
            "NOT INTACT at entry {} ({}): {}",
            problem.seq,
            serde_json::to_value(problem.fault)?
                .as_str()
                .unwrap_or_default(),
            problem.detail
        ),
    };
    output::lines([
        format!("entries  {}", verification.entries),
        format!("head     {}", head(&verification.head)),
        format!("anchor   {}", head(&verification.anchor)),
        format!("status   {status}"),
    ])
}

/// An entry as a table line: hashes left out, the message or the parameters shortened.
#[derive(Serialize)]
struct Line<'a> {
    seq: u64,
    at: &'a str,
    principal: &'a str,
    workgroup: Option<&'a str>,
    action: &'a str,
    status: &'a str,
    rows: Option<u64>,
    detail: String,
}

impl<'a> Line<'a> {
    fn of(entry: &'a Entry) -> Line<'a> {
        let detail = match (&entry.error_kind, &entry.message) {
            (Some(kind), Some(message)) => format!("{kind}: {message}"),
            _ => entry.parameters.clone(),
        };
        Line {
            seq: entry.seq,
            at: &entry.at,
            principal: &entry.principal,
            workgroup: entry.workgroup.as_deref(),
            action: &entry.action,
            status: &entry.status,
            rows: entry.rows,
            detail: shorten(&detail, 100),
        }
    }
}

/// The first line of `text`, cut to `width` characters.
pub fn shorten(text: &str, width: usize) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() <= width && line.len() == text.trim_end().len() {
        return line.to_string();
    }
    let cut: String = line.chars().take(width.saturating_sub(1)).collect();
    format!("{cut}…")
}
