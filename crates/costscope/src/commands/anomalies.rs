//! `costscope anomalies`: cost anomalies with their root cause; `show ID`, `feedback ID`,
//! and `evaluate` (precision and recall against labelled incidents).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use costscope_analytics::Error;
use costscope_analytics::anomalies::monitors::load_monitors;
use costscope_analytics::anomalies::quality::{self, QualityReport};
use costscope_analytics::anomalies::{self, Anomaly, AnomalyOptions, CauseNode, ScanOptions};
use costscope_analytics::budgets::parse_day;
use costscope_store::Store;
use costscope_store::anomalies::FeedbackState;
use serde::Serialize;

use crate::cli::{Format, FormatArgs, Global};
use crate::outln;
use crate::output::{print_records, print_report};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AnomaliesArgs {
    #[command(subcommand)]
    pub command: Option<AnomaliesCommand>,
    #[command(flatten)]
    pub scan: ScanArgs,
    #[command(flatten)]
    pub output: FormatArgs,
}

/// What to detect.
#[derive(Debug, Clone, Args)]
pub struct ScanArgs {
    /// Detect as if this were today, YYYY-MM-DD (default: the last day with usage).
    #[arg(long)]
    pub as_of: Option<String>,
    /// Monitors and their thresholds (YAML; see docs/anomalies.md).
    #[arg(long, value_name = "FILE")]
    pub monitors: Option<PathBuf>,
    /// Least impact in USD (overrides the monitors' thresholds).
    #[arg(long)]
    pub min_impact: Option<f64>,
    /// Least impact in percent of the expected cost (overrides the monitors').
    #[arg(long)]
    pub min_percent: Option<f64>,
    /// Days back in which anomalies may start.
    #[arg(long, default_value_t = 30)]
    pub lookback: u32,
    /// Cost measure: unblended, amortized, net-unblended, net-amortized.
    #[arg(long, default_value = "amortized")]
    pub measure: String,
    /// Also list anomalies marked expected or false-positive.
    #[arg(long)]
    pub all: bool,
    /// `daily` (stored, with root cause) or `hourly` (flags hours of the last --days).
    #[arg(long, default_value = "daily")]
    pub granularity: String,
    /// Days scanned hour by hour with --granularity hourly.
    #[arg(long, default_value_t = 3)]
    pub days: u32,
}

#[derive(Debug, Subcommand)]
pub enum AnomaliesCommand {
    /// One stored anomaly: its figures, root-cause tree and evidence.
    Show {
        id: String,
        #[command(flatten)]
        output: FormatArgs,
    },
    /// Records feedback; `expected` and `false-positive` stop re-alerting.
    Feedback {
        id: String,
        /// confirmed, expected or false-positive.
        #[arg(long)]
        state: String,
        /// Why.
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        output: FormatArgs,
    },
    /// Scores detection against labelled incidents (a generated organisation's labels.json),
    /// running it as of every day of the period.
    Evaluate {
        /// The labels file.
        #[arg(long)]
        labels: PathBuf,
        /// First as-of day (default: 30 days before --to).
        #[arg(long)]
        from: Option<String>,
        /// Last as-of day (default: the last day with usage).
        #[arg(long)]
        to: Option<String>,
        #[command(flatten)]
        scan: ScanArgs,
        #[command(flatten)]
        output: FormatArgs,
    },
}

pub async fn run(global: &Global, args: AnomaliesArgs) -> anyhow::Result<()> {
    match args.command {
        None => list(global, &args.scan, args.output.format).await,
        Some(AnomaliesCommand::Show { id, output }) => {
            let store = Store::for_lake(&global.lake)?;
            let anomaly = anomalies::show(&store, &id)?;
            print_anomaly(&anomaly, output.format)
        }
        Some(AnomaliesCommand::Feedback {
            id,
            state,
            note,
            output,
        }) => {
            let state = FeedbackState::parse(&state).ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "unknown state `{state}`: use confirmed, expected or false-positive"
                ))
            })?;
            let store = Store::for_lake(&global.lake)?;
            let stored = store.set_anomaly_feedback(&id, state, note.as_deref())?;
            let row = FeedbackRow {
                id: stored.record.id,
                state: state.name().to_string(),
                note: note.unwrap_or_default(),
            };
            print_records(&[row], output.format)
        }
        Some(AnomaliesCommand::Evaluate {
            labels,
            from,
            to,
            scan,
            output,
        }) => {
            let session = crate::commands::admin_session(global).await?;
            let options = options(&scan)?;
            let labels = quality::load_labels(&labels)?;
            let day = |text: Option<String>, flag: &str| {
                text.map(|t| {
                    parse_day(&t).map_err(|e| Error::InvalidArgument(format!("{flag}: {e}")))
                })
                .transpose()
            };
            let report = quality::evaluate(
                &session,
                &labels,
                &AnomalyOptions {
                    explain: false,
                    ..options
                },
                day(from, "--from")?,
                day(to, "--to")?,
            )
            .await?;
            print_quality(&report, output.format)
        }
    }
}

/// The library options from the flags.
pub fn options(scan: &ScanArgs) -> anyhow::Result<AnomalyOptions> {
    let mut options = AnomalyOptions {
        measure: scan.measure.parse()?,
        lookback_days: scan.lookback,
        min_impact: scan.min_impact,
        min_percent: scan.min_percent,
        ..AnomalyOptions::default()
    };
    if let Some(path) = &scan.monitors {
        options.monitors = load_monitors(path)?;
    }
    if let Some(text) = &scan.as_of {
        options.as_of =
            Some(parse_day(text).map_err(|e| Error::InvalidArgument(format!("--as-of: {e}")))?);
    }
    for (value, flag) in [
        (scan.min_impact, "--min-impact"),
        (scan.min_percent, "--min-percent"),
    ] {
        if value.is_some_and(|v| !(v.is_finite() && v >= 0.0)) {
            return Err(Error::InvalidArgument(format!("{flag} must be 0 or more")).into());
        }
    }
    if scan.lookback == 0 {
        return Err(Error::InvalidArgument("--lookback must be at least 1 day".into()).into());
    }
    Ok(options)
}

async fn list(global: &Global, scan: &ScanArgs, format: Format) -> anyhow::Result<()> {
    // Validate everything before touching the store.
    let options = options(scan)?;
    let session = crate::commands::admin_session(global).await?;
    match scan.granularity.as_str() {
        "daily" => {}
        "hourly" => {
            let found = anomalies::detect_hourly(&session, &options, scan.days).await?;
            return print_records(&found, format);
        }
        other => {
            return Err(Error::InvalidArgument(format!(
                "unknown granularity `{other}`: use daily or hourly"
            ))
            .into());
        }
    }
    let store = Store::for_lake(&global.lake)?;
    let report = anomalies::scan(&session, &store, &options, ScanOptions { all: scan.all }).await?;
    if format == Format::Json {
        return print_report(&report, format);
    }
    let rows: Vec<AnomalyRow> = report.anomalies.iter().map(AnomalyRow::from).collect();
    print_records(&rows, format)?;
    if format == Format::Table && report.suppressed > 0 {
        outln!(
            "({} anomalies with expected/false-positive feedback hidden; --all shows them)",
            report.suppressed
        )?;
    }
    Ok(())
}

/// One anomaly as a flat row.
#[derive(Serialize)]
struct AnomalyRow {
    id: String,
    severity: String,
    monitor: String,
    value: String,
    start: String,
    end: String,
    days: usize,
    expected: String,
    actual: String,
    impact: String,
    percent: String,
    feedback: String,
    explanation: String,
}

impl From<&Anomaly> for AnomalyRow {
    fn from(a: &Anomaly) -> Self {
        AnomalyRow {
            id: a.id.clone(),
            severity: a.severity.name().to_string(),
            monitor: a.monitor.clone(),
            value: a.value.clone(),
            start: a.start.to_string(),
            end: a
                .end
                .map(|d| d.to_string())
                .unwrap_or_else(|| "ongoing".into()),
            days: a.days,
            expected: format!("{:.2}", a.expected),
            actual: format!("{:.2}", a.actual),
            impact: format!("{:.2}", a.impact),
            percent: a
                .percent
                .map(|p| format!("{p:.1}"))
                .unwrap_or_else(|| "new".into()),
            feedback: a.feedback.clone().unwrap_or_default(),
            explanation: a.explanation.clone().unwrap_or_default(),
        }
    }
}

#[derive(Serialize)]
struct FeedbackRow {
    id: String,
    state: String,
    note: String,
}

fn print_anomaly(anomaly: &Anomaly, format: Format) -> anyhow::Result<()> {
    if format != Format::Table {
        return print_report(anomaly, format);
    }
    let row = AnomalyRow::from(anomaly);
    print_records(&[row], format)?;
    if let Some(tree) = &anomaly.root_cause {
        outln!("\nroot cause (delta = actual - baseline over the anomaly's days)")?;
        print_tree(tree, 0)?;
    }
    if let Some(cause) = &anomaly.network_cause {
        outln!("\nnetwork cause: {cause}")?;
    }
    if let Some(saving) = anomaly.monthly_saving {
        outln!("estimated monthly saving of the fix: ${saving:.2}")?;
    }
    for finding in &anomaly.evidence {
        outln!("evidence: {finding}")?;
    }
    Ok(())
}

fn print_tree(node: &CauseNode, depth: usize) -> anyhow::Result<()> {
    let value = if node.value.is_empty() {
        "(none)"
    } else {
        &node.value
    };
    outln!(
        "{:indent$}{} {}  {:+.2}  (actual {:.2}, baseline {:.2})",
        "",
        node.level,
        value,
        node.delta,
        node.actual,
        node.baseline,
        indent = depth * 2
    )?;
    for child in &node.children {
        print_tree(child, depth + 1)?;
    }
    Ok(())
}

fn print_quality(report: &QualityReport, format: Format) -> anyhow::Result<()> {
    if format == Format::Json {
        return print_report(report, format);
    }
    print_records(&report.shapes, format)?;
    if format == Format::Table {
        outln!(
            "\nprecision {:.3} ({} of {} anomalies match a label), recall {:.3}, {} daily runs {}..{}",
            report.precision,
            report.true_positives,
            report.detections,
            report.recall,
            report.runs,
            report.from,
            report.to
        )?;
        if let Some(nat) = &report.nat {
            outln!(
                "NAT incident: detected after {} days; top of root cause right: {}",
                nat.days_to_detect
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "-".into()),
                nat.top_is_right
            )?;
        }
    }
    Ok(())
}
