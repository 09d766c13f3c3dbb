//! `costscope anomalies`: cost anomalies with their root cause; `show ID`, `feedback ID`,
//! and `evaluate` (precision and recall against labelled incidents).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use costscope_analytics::anomalies::Anomaly;
use costscope_analytics::anomalies::quality::QualityReport;
use costscope_app::Document;
use costscope_app::anomalies::{
    AnomaliesRequest, AnomaliesResponse, EvaluateRequest, FeedbackRequest, ScanRequest,
};
use costscope_app::present::anomalies;

use crate::args::{Format, FormatArgs, Global};
use crate::output::{line, lines, print_records, print_report};

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

impl ScanArgs {
    /// The detection request these arguments make.
    fn request(&self) -> anyhow::Result<ScanRequest> {
        Ok(ScanRequest {
            as_of: self.as_of.clone(),
            monitors: super::document(self.monitors.as_deref())?,
            min_impact: self.min_impact,
            min_percent: self.min_percent,
            lookback: self.lookback,
            measure: self.measure.clone(),
        })
    }
}

pub async fn run(global: &Global, args: AnomaliesArgs) -> anyhow::Result<()> {
    let app = super::app(global)?;
    let principal = super::principal(global)?;
    match args.command {
        None => {
            let request = AnomaliesRequest {
                scan: args.scan.request()?,
                all: args.scan.all,
                granularity: args.scan.granularity.clone(),
                days: args.scan.days,
            };
            let found = app.anomalies(&principal, &request).await?;
            print_list(&found, args.output.format)
        }
        Some(AnomaliesCommand::Show { id, output }) => {
            let anomaly = app.anomaly(&principal, &id).await?;
            print_anomaly(&anomaly, output.format)
        }
        Some(AnomaliesCommand::Feedback {
            id,
            state,
            note,
            output,
        }) => {
            let request = FeedbackRequest { id, state, note };
            let stored = app.anomaly_feedback(&principal, &request).await?;
            print_records(&[stored], output.format)
        }
        Some(AnomaliesCommand::Evaluate {
            labels,
            from,
            to,
            scan,
            output,
        }) => {
            let request = EvaluateRequest {
                labels: Document::read(&labels)?,
                from,
                to,
                scan: scan.request()?,
            };
            let report = app.evaluate_anomalies(&principal, &request).await?;
            print_quality(&report, output.format)
        }
    }
}

fn print_list(found: &AnomaliesResponse, format: Format) -> anyhow::Result<()> {
    let report = match found {
        AnomaliesResponse::Hourly(found) => return print_records(found, format),
        AnomaliesResponse::Daily(report) => report,
    };
    if format == Format::Json {
        return print_report(report, format);
    }
    print_records(&anomalies::rows(report), format)?;
    if format == Format::Table
        && let Some(text) = anomalies::suppressed_line(report)
    {
        line(&text)?;
    }
    Ok(())
}

fn print_anomaly(anomaly: &Anomaly, format: Format) -> anyhow::Result<()> {
    if format != Format::Table {
        return print_report(anomaly, format);
    }
    print_records(&[anomalies::AnomalyRow::from(anomaly)], format)?;
    lines(anomalies::detail_lines(anomaly))
}

fn print_quality(report: &QualityReport, format: Format) -> anyhow::Result<()> {
    if format == Format::Json {
        return print_report(report, format);
    }
    print_records(&report.shapes, format)?;
    if format == Format::Table {
        lines(anomalies::quality_lines(report))?;
    }
    Ok(())
}
