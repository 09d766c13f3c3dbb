//! Cost anomaly detection with root cause.
//!
//! Monitors cut daily cost (recurring charges excluded, see [`monitors`]) into series by
//! service, account, team tag, usage type and cost category; the [`detector`] finds runs of
//! days above a robust seasonal-trend baseline; each run that passes its monitor's
//! thresholds becomes an [`Anomaly`] with a ranked [`root_cause`] tree and, for NAT and
//! regional data-transfer usage, the flow-log findings of [`crate::network`] as evidence.
//! [`scan`] also records anomalies in the metadata store, keeps their history across runs
//! and leaves out those marked `expected` or `false-positive`. See docs/anomalies.md.

pub mod detector;
pub mod monitors;
pub mod quality;
pub mod root_cause;

use chrono::NaiveDate;
use costscope_query::Session;
use costscope_store::Store;
use costscope_store::anomalies::{AnomalyRecord, FeedbackState};
use serde::{Deserialize, Serialize};

use crate::forecast::iso_date;
use crate::network;
use crate::records::query;
use crate::source::{Reads, Source};
use crate::{Error, Result};
use costscope_core::CostMeasure;
pub use detector::{DetectorConfig, Run};
pub use monitors::{Monitor, MonitorKind, RecurringCharge};
pub use root_cause::CauseNode;

/// What to scan.
#[derive(Debug, Clone)]
pub struct AnomalyOptions {
    pub monitors: Vec<Monitor>,
    pub measure: CostMeasure,
    /// Detect as if this were the last day with data (default: the last day with usage).
    pub as_of: Option<NaiveDate>,
    /// Days before `as_of` in which anomalies may start.
    pub lookback_days: u32,
    /// Overrides every monitor's least impact, USD.
    pub min_impact: Option<f64>,
    /// Overrides every monitor's least percentage.
    pub min_percent: Option<f64>,
    /// Detector settings (the monitor's sensitivity replaces `z_open`).
    pub detector: DetectorConfig,
    /// Build root-cause trees and evidence (off for bulk evaluation).
    pub explain: bool,
}

impl Default for AnomalyOptions {
    fn default() -> Self {
        AnomalyOptions {
            monitors: Monitor::defaults(),
            measure: CostMeasure::Amortized,
            as_of: None,
            lookback_days: 30,
            min_impact: None,
            min_percent: None,
            detector: DetectorConfig::default(),
            explain: true,
        }
    }
}

/// How serious an anomaly is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    /// From the impact relative to the monitor's threshold and the largest residual.
    pub fn of(impact: f64, min_impact: f64, max_z: f64) -> Severity {
        let unit = min_impact.max(1.0);
        if impact >= 20.0 * unit || (impact >= 5.0 * unit && max_z >= 10.0) {
            Severity::High
        } else if impact >= 4.0 * unit || max_z >= 8.0 {
            Severity::Medium
        } else {
            Severity::Low
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

/// One cost anomaly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Anomaly {
    /// Stable id: the same monitor, value and start date always give the same id.
    pub id: String,
    pub monitor: String,
    /// `service`, `account`, `tag`, `cost_category` or `usage_type`.
    pub kind: String,
    /// The dimension value (product code, account id, tag value …).
    pub value: String,
    #[serde(serialize_with = "iso_date")]
    pub start: NaiveDate,
    /// Last anomalous day when it is over; absent while it goes on.
    #[serde(default, serialize_with = "iso_opt")]
    pub end: Option<NaiveDate>,
    pub days: usize,
    /// Baseline cost over the anomaly's days.
    pub expected: f64,
    pub actual: f64,
    /// `actual − expected`, USD.
    pub impact: f64,
    /// Impact as a percentage of expected (absent when nothing was expected).
    pub percent: Option<f64>,
    /// Largest daily residual in scales of the baseline.
    pub max_z: f64,
    pub severity: Severity,
    /// `day` (one day far off) or `window` (a week consistently above).
    pub trigger: String,
    /// One sentence from the root cause's top path.
    pub explanation: Option<String>,
    pub root_cause: Option<CauseNode>,
    /// Flow-log findings behind NAT or regional data-transfer cost
    /// ([`crate::network::NatFinding`] as JSON, so that stored anomalies read back).
    #[serde(default)]
    pub evidence: Vec<serde_json::Value>,
    /// The cause the evidence names, and the monthly saving of its fix.
    pub network_cause: Option<String>,
    pub monthly_saving: Option<f64>,
    /// Stored history: feedback state, first and last as-of day detected, runs seen.
    #[serde(default)]
    pub feedback: Option<String>,
    pub first_detected: Option<String>,
    pub runs: Option<u32>,
}

fn iso_opt<S: serde::Serializer>(date: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
    match date {
        Some(d) => s.collect_str(&d.format("%Y-%m-%d")),
        None => s.serialize_none(),
    }
}

/// Series scanned per monitor.
#[derive(Debug, Clone, Serialize)]
pub struct MonitorSummary {
    pub name: String,
    pub kind: String,
    pub series: usize,
    pub anomalies: usize,
}

/// The result of one scan.
#[derive(Debug, Clone, Serialize)]
pub struct AnomalyReport {
    #[serde(serialize_with = "iso_date")]
    pub as_of: NaiveDate,
    pub measure: CostMeasure,
    pub lookback_days: u32,
    pub monitors: Vec<MonitorSummary>,
    /// Largest impact first.
    pub anomalies: Vec<Anomaly>,
    /// Anomalies left out because of `expected` / `false-positive` feedback.
    pub suppressed: usize,
    /// Monthly recurring charges (tax, fees, support, credits), monitored apart.
    pub recurring: Vec<RecurringCharge>,
}

/// The stable id of an anomaly.
pub fn anomaly_id(monitor: &str, value: &str, start: NaiveDate) -> String {
    // FNV-1a, 64 bits: stable across versions and platforms.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in format!("{monitor}\u{1f}{value}\u{1f}{start}").bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("an-{hash:016x}")
}

#[derive(Deserialize)]
struct Span {
    first: Option<String>,
    last: Option<String>,
}

/// First and last day with usage in the lake.
pub async fn usage_span(session: &Session) -> Result<(NaiveDate, NaiveDate)> {
    let reads = Reads::at(costscope_core::Granularity::Daily).columns(["line_item_line_item_type"]);
    let rows: Vec<Span> = query(
        session,
        &format!(
            "SELECT MIN(line_item_usage_start_date) AS first, MAX(line_item_usage_start_date) AS last \
             FROM {} WHERE line_item_line_item_type = 'Usage'",
            Source::choose(session, &reads).table()
        ),
    )
    .await?;
    let span = rows.into_iter().next();
    let day = |t: Option<String>| t.as_deref().and_then(monitors::iso_day);
    match span {
        Some(Span { first, last }) => match (day(first), day(last)) {
            (Some(first), Some(last)) => Ok((first, last)),
            _ => Err(Error::InvalidArgument("the lake holds no usage".into())),
        },
        None => Err(Error::InvalidArgument("the lake holds no usage".into())),
    }
}

/// Detects anomalies without the store (no history, no feedback).
pub async fn detect(session: &Session, options: &AnomalyOptions) -> Result<AnomalyReport> {
    let (first, last) = usage_span(session).await?;
    let as_of = options.as_of.unwrap_or(last);
    if as_of < first {
        return Err(Error::InvalidArgument(format!(
            "--as-of {as_of} is before the first day with usage ({first})"
        )));
    }
    let mut anomalies = Vec::new();
    let mut summaries = Vec::new();
    for monitor in &options.monitors {
        let set =
            monitors::daily_series(session, &monitor.kind, options.measure, first, as_of).await?;
        let found = detect_in(monitor, &set, options);
        summaries.push(MonitorSummary {
            name: monitor.name.clone(),
            kind: monitor.kind.name().to_string(),
            series: set.series.len(),
            anomalies: found.len(),
        });
        anomalies.extend(found);
    }
    if options.explain {
        for anomaly in &mut anomalies {
            explain(session, options, first, anomaly).await?;
        }
    }
    anomalies.sort_by(|a, b| b.impact.total_cmp(&a.impact).then(a.id.cmp(&b.id)));
    let (min_impact, min_percent) = (
        options.min_impact.unwrap_or(monitors::DEFAULT_MIN_IMPACT),
        options.min_percent.unwrap_or(monitors::DEFAULT_MIN_PERCENT),
    );
    let recurring =
        monitors::recurring_charges(session, options.measure, as_of, min_impact, min_percent)
            .await?;
    Ok(AnomalyReport {
        as_of,
        measure: options.measure,
        lookback_days: options.lookback_days,
        monitors: summaries,
        anomalies,
        suppressed: 0,
        recurring,
    })
}

/// The anomalies of one monitor's series (the last day of every series is "today").
pub fn detect_in(
    monitor: &Monitor,
    set: &monitors::SeriesSet,
    options: &AnomalyOptions,
) -> Vec<Anomaly> {
    let config = DetectorConfig {
        z_open: monitor.sensitivity,
        ..options.detector
    };
    let min_impact = options.min_impact.unwrap_or(monitor.min_impact);
    let min_percent = options.min_percent.unwrap_or(monitor.min_percent);
    let mut found = Vec::new();
    for (value, values) in &set.series {
        let n = values.len();
        let from = n.saturating_sub(options.lookback_days as usize);
        for run in detector::detect(values, from, &config) {
            let impact = run.impact();
            let percent = (run.expected > 1e-9).then(|| 100.0 * impact / run.expected);
            if impact < min_impact || percent.is_some_and(|p| p < min_percent) {
                continue;
            }
            let day = |i: usize| set.first + chrono::Days::new(i as u64);
            let start = day(run.start);
            found.push(Anomaly {
                id: anomaly_id(&monitor.name, value, start),
                monitor: monitor.name.clone(),
                kind: monitor.kind.name().to_string(),
                value: value.clone(),
                start,
                end: (!run.open).then(|| day(run.end)),
                days: run.days(),
                expected: run.expected,
                actual: run.actual,
                impact,
                percent,
                max_z: run.max_z,
                severity: Severity::of(impact, min_impact, run.max_z),
                trigger: run.trigger.name().to_string(),
                explanation: None,
                root_cause: None,
                evidence: Vec::new(),
                network_cause: None,
                monthly_saving: None,
                feedback: None,
                first_detected: None,
                runs: None,
            });
        }
    }
    found
}

/// True for usage types whose cost flow logs can explain.
pub fn is_network_usage(usage_type: &str) -> bool {
    usage_type.contains("NatGateway-") || usage_type.contains("DataTransfer-Regional-Bytes")
}

/// The root-cause tree of `anomaly` over its days up to `end`, against the days before it
/// back to `first` (at most the detector's training window); `None` when its monitor is
/// no longer configured.
pub(crate) async fn cause_tree(
    session: &Session,
    options: &AnomalyOptions,
    anomaly: &Anomaly,
    first: NaiveDate,
    end: NaiveDate,
) -> Result<Option<CauseNode>> {
    let Some(monitor) = options.monitors.iter().find(|m| m.name == anomaly.monitor) else {
        return Ok(None);
    };
    let baseline_days = (anomaly.start - first)
        .num_days()
        .clamp(1, options.detector.training_days.max(1) as i64) as u32;
    let tag_key = match &monitor.kind {
        MonitorKind::Tag(key) => key.as_str(),
        _ => costscope_core::team::DEFAULT_TEAM_TAG,
    };
    let query = root_cause::CauseQuery {
        kind: &monitor.kind,
        value: &anomaly.value,
        measure: options.measure,
        start: anomaly.start,
        end,
        baseline_days,
        tag_key,
    };
    Ok(Some(root_cause::root_cause(session, &query).await?))
}

/// Adds the root cause, its explanation and, for network usage, the flow-log evidence.
async fn explain(
    session: &Session,
    options: &AnomalyOptions,
    first: NaiveDate,
    anomaly: &mut Anomaly,
) -> Result<()> {
    let end = anomaly.start + chrono::Days::new(anomaly.days as u64 - 1);
    let Some(tree) = cause_tree(session, options, anomaly, first, end).await? else {
        return Ok(());
    };
    anomaly.explanation = tree.explanation();
    let mut usage = Vec::new();
    tree.nodes_at("usage_type", &mut usage);
    let network = usage
        .iter()
        .filter(|n| n.delta > 0.0)
        .any(|n| is_network_usage(&n.value))
        && tree
            .top_at("usage_type")
            .is_some_and(|n| is_network_usage(&n.value));
    if network || is_network_usage(&anomaly.value) {
        let to = end.succ_opt().unwrap_or(end);
        let findings = network::nat_findings(session, anomaly.start, to).await?;
        if let Some(finding) = findings.first() {
            anomaly.network_cause = Some(finding.cause.clone());
        }
        if !findings.is_empty() {
            anomaly.monthly_saving = Some(findings.iter().map(|f| f.monthly_saving).sum());
        }
        anomaly.evidence = findings
            .iter()
            .map(serde_json::to_value)
            .collect::<Result<_, _>>()?;
    }
    anomaly.root_cause = Some(tree);
    Ok(())
}

/// An anomaly of an hourly series (`--granularity hourly`): hours, not days.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HourlyAnomaly {
    pub monitor: String,
    pub kind: String,
    pub value: String,
    /// First and last anomalous hour, `YYYY-MM-DDTHH:00:00Z`.
    pub start: String,
    pub end: String,
    /// Still going in the last hour with data.
    pub open: bool,
    pub hours: usize,
    pub expected: f64,
    pub actual: f64,
    pub impact: f64,
    pub percent: Option<f64>,
    pub max_z: f64,
    pub severity: Severity,
}

/// Hourly detection over the last `days` days up to `options.as_of` (each hour against the
/// same hour of the two weeks before). Thresholds as for daily anomalies.
pub async fn detect_hourly(
    session: &Session,
    options: &AnomalyOptions,
    days: u32,
) -> Result<Vec<HourlyAnomaly>> {
    if days == 0 {
        return Err(Error::InvalidArgument("--days must be at least 1".into()));
    }
    let (first_day, last) = usage_span(session).await?;
    let as_of = options.as_of.unwrap_or(last);
    let history = detector::HOURLY_HISTORY_DAYS as u64 + u64::from(days);
    let first = (as_of - chrono::Days::new(history)).max(first_day);
    let origin = first.and_hms_opt(0, 0, 0).unwrap_or_default();
    let mut found = Vec::new();
    for monitor in &options.monitors {
        let config = DetectorConfig {
            z_open: monitor.sensitivity,
            ..options.detector
        };
        let min_impact = options.min_impact.unwrap_or(monitor.min_impact);
        let min_percent = options.min_percent.unwrap_or(monitor.min_percent);
        let series =
            monitors::hourly_series(session, &monitor.kind, options.measure, first, as_of).await?;
        for (value, values) in &series {
            let from = values.len().saturating_sub(days as usize * 24);
            for run in detector::detect_hourly(values, from, &config) {
                let impact = run.impact();
                let percent = (run.expected > 1e-9).then(|| 100.0 * impact / run.expected);
                if impact < min_impact || percent.is_some_and(|p| p < min_percent) {
                    continue;
                }
                let hour = |i: usize| {
                    (origin + chrono::Duration::hours(i as i64))
                        .format("%Y-%m-%dT%H:00:00Z")
                        .to_string()
                };
                found.push(HourlyAnomaly {
                    monitor: monitor.name.clone(),
                    kind: monitor.kind.name().to_string(),
                    value: value.clone(),
                    start: hour(run.start),
                    end: hour(run.end),
                    open: run.open,
                    hours: run.days(),
                    expected: run.expected,
                    actual: run.actual,
                    impact,
                    percent,
                    max_z: run.max_z,
                    severity: Severity::of(impact, min_impact, run.max_z),
                });
            }
        }
    }
    found.sort_by(|a, b| b.impact.total_cmp(&a.impact));
    Ok(found)
}

/// What [`scan`] stores and shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScanOptions {
    /// Include anomalies marked `expected` or `false-positive`.
    pub all: bool,
}

/// Detects, records the anomalies in `store` (history: first and last as-of day, runs) and
/// returns them, without those whose feedback is `expected` or `false-positive` unless
/// `scan.all`.
pub async fn scan(
    session: &Session,
    store: &Store,
    options: &AnomalyOptions,
    scan: ScanOptions,
) -> Result<AnomalyReport> {
    let mut report = detect(session, options).await?;
    let records = report
        .anomalies
        .iter()
        .map(|a| {
            Ok(AnomalyRecord {
                id: a.id.clone(),
                monitor: a.monitor.clone(),
                kind: a.kind.clone(),
                value: a.value.clone(),
                start: a.start.to_string(),
                end: a.end.map(|d| d.to_string()),
                impact: a.impact,
                severity: a.severity.name().to_string(),
                detail: serde_json::to_string(a)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let stored = store.record_anomalies(&records, &report.as_of.to_string())?;
    let mut kept = Vec::with_capacity(report.anomalies.len());
    for (mut anomaly, history) in report.anomalies.drain(..).zip(stored) {
        anomaly.first_detected = Some(history.first_detected.clone());
        anomaly.runs = Some(history.runs);
        anomaly.feedback = history
            .feedback
            .as_ref()
            .map(|f| f.state.name().to_string());
        let silenced = history.feedback.is_some_and(|f| {
            matches!(
                f.state,
                FeedbackState::Expected | FeedbackState::FalsePositive
            )
        });
        if silenced && !scan.all {
            report.suppressed += 1;
        } else {
            kept.push(anomaly);
        }
    }
    report.anomalies = kept;
    Ok(report)
}

/// A stored anomaly with its feedback, as last detected.
pub fn show(store: &Store, id: &str) -> Result<Anomaly> {
    let stored = store.anomaly(id)?;
    let mut anomaly: Anomaly = serde_json::from_str(&stored.record.detail)?;
    anomaly.first_detected = Some(stored.first_detected);
    anomaly.runs = Some(stored.runs);
    anomaly.feedback = stored.feedback.map(|f| f.state.name().to_string());
    Ok(anomaly)
}
