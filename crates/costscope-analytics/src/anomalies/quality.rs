//! Measuring detection against labelled incidents (the generator's `labels.json`): the
//! detector is run as of every day of an evaluation period, as daily runs would, and each
//! distinct anomaly is matched to a label by monitored value and dates. Reports precision,
//! recall and days to detect per shape, and whether the NAT incident's root cause puts
//! `NatGateway-Bytes` / `DataTransfer-Regional-Bytes` on the right resources at the top.
//! Also the detector's speed on synthetic series.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use chrono::NaiveDate;
use costscope_query::Session;
use serde::{Deserialize, Serialize};

use super::{AnomalyOptions, DetectorConfig, detect_in, monitors, usage_span};
use crate::{Error, Result};

/// A monitored value in a label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelMonitor {
    pub kind: String,
    pub value: String,
}

/// A labelled incident (the fields of the generator's `labels.json` used here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Label {
    pub id: String,
    pub shape: String,
    pub monitor: LabelMonitor,
    #[serde(default)]
    pub also: Vec<LabelMonitor>,
    pub onset: String,
    pub end: Option<String>,
    pub expected_impact: f64,
    #[serde(default)]
    pub resources: Vec<String>,
    #[serde(default)]
    pub usage_types: Vec<String>,
}

impl Label {
    fn onset(&self) -> Option<NaiveDate> {
        monitors::iso_day(&self.onset)
    }

    fn touches(&self, kind: &str, value: &str) -> bool {
        std::iter::once(&self.monitor)
            .chain(&self.also)
            .any(|m| m.kind == kind && m.value == value)
    }
}

/// Reads labels from a `labels.json`.
pub fn load_labels(path: &Path) -> Result<Vec<Label>> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    Ok(serde_json::from_str(&text)?)
}

/// One label's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct LabelOutcome {
    pub id: String,
    pub shape: String,
    pub onset: String,
    pub detected: bool,
    /// As-of day of the first run that reported it.
    pub first_detected: Option<String>,
    pub days_to_detect: Option<i64>,
    /// `kind=value` of every monitor that reported it.
    pub monitors: Vec<String>,
}

/// Recall and delay of one shape.
#[derive(Debug, Clone, Serialize)]
pub struct ShapeOutcome {
    pub shape: String,
    pub labels: usize,
    pub detected: usize,
    pub recall: f64,
    pub mean_days_to_detect: Option<f64>,
}

/// An anomaly that matched no label.
#[derive(Debug, Clone, Serialize)]
pub struct Unmatched {
    pub monitor: String,
    pub value: String,
    pub start: String,
    pub first_detected: String,
    pub impact: f64,
}

/// The NAT incident's detection and root cause.
#[derive(Debug, Clone, Serialize)]
pub struct NatCheck {
    pub label: String,
    pub days_to_detect: Option<i64>,
    /// One entry per monitor that reported it on its first day.
    pub root_causes: Vec<NatRootCause>,
    /// Some monitor's top usage type and top resource are the right ones.
    pub top_is_right: bool,
}

/// A root cause of the NAT anomaly.
#[derive(Debug, Clone, Serialize)]
pub struct NatRootCause {
    pub monitor: String,
    pub value: String,
    pub top_usage_type: Option<String>,
    pub top_resource: Option<String>,
    pub explanation: Option<String>,
    pub usage_type_right: bool,
    pub resource_right: bool,
}

/// The evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct QualityReport {
    pub from: String,
    pub to: String,
    pub runs: usize,
    /// Distinct anomalies reported over all runs.
    pub detections: usize,
    pub true_positives: usize,
    pub false_positives: usize,
    pub precision: f64,
    pub recall: f64,
    pub shapes: Vec<ShapeOutcome>,
    pub labels: Vec<LabelOutcome>,
    pub unmatched: Vec<Unmatched>,
    pub nat: Option<NatCheck>,
}

/// Days before a label's onset an anomaly may start and still match it (the detector dates
/// a drift from its first day above the baseline).
const ONSET_SLACK_DAYS: i64 = 3;

/// Runs detection as of every day in `[from, to]` (default: the last 31 days with usage)
/// and scores it against `labels` whose onset falls in that period.
pub async fn evaluate(
    session: &Session,
    labels: &[Label],
    options: &AnomalyOptions,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<QualityReport> {
    let (first, last) = usage_span(session).await?;
    let to = to.unwrap_or(last);
    let from = from.unwrap_or(to - chrono::Days::new(30)).max(first);
    let mut sets = Vec::new();
    for monitor in &options.monitors {
        sets.push(
            monitors::daily_series(session, &monitor.kind, options.measure, first, to).await?,
        );
    }
    // id → (first as-of day, anomaly, label kind)
    let mut seen: BTreeMap<String, (NaiveDate, super::Anomaly, String)> = BTreeMap::new();
    let mut runs = 0;
    let mut day = from;
    while day <= to {
        runs += 1;
        let keep = (day - first).num_days() as usize + 1;
        for (monitor, set) in options.monitors.iter().zip(&sets) {
            let truncated = monitors::SeriesSet {
                first: set.first,
                series: set
                    .series
                    .iter()
                    .filter(|(_, v)| v[..keep].iter().any(|x| *x != 0.0))
                    .map(|(k, v)| (k.clone(), v[..keep].to_vec()))
                    .collect(),
            };
            for anomaly in detect_in(monitor, &truncated, options) {
                seen.entry(anomaly.id.clone())
                    .or_insert_with(|| (day, anomaly, monitor.label_kind()));
            }
        }
        day = day + chrono::Days::new(1);
    }

    let scored: Vec<&Label> = labels
        .iter()
        .filter(|l| l.onset().is_some_and(|o| o >= from && o <= to))
        .collect();
    let matches = |label: &Label, detected: &NaiveDate, anomaly: &super::Anomaly, kind: &str| {
        let (Some(onset), true) = (label.onset(), label.touches(kind, &anomaly.value)) else {
            return false;
        };
        let end = label
            .end
            .as_deref()
            .and_then(monitors::iso_day)
            .unwrap_or(to);
        // Only a drift may be dated before its onset (from its first day above the
        // baseline); nothing is detected before it happens.
        let slack = if label.shape == "slow-drift" {
            ONSET_SLACK_DAYS
        } else {
            0
        };
        anomaly.start >= onset - chrono::Days::new(slack as u64)
            && anomaly.start <= end + chrono::Days::new(1)
            && *detected >= onset
    };
    let mut true_positives = 0;
    let mut unmatched = Vec::new();
    for (detected, anomaly, kind) in seen.values() {
        if labels.iter().any(|l| matches(l, detected, anomaly, kind)) {
            true_positives += 1;
        } else {
            unmatched.push(Unmatched {
                monitor: anomaly.monitor.clone(),
                value: anomaly.value.clone(),
                start: anomaly.start.to_string(),
                first_detected: detected.to_string(),
                impact: anomaly.impact,
            });
        }
    }
    let mut outcomes = Vec::new();
    for label in &scored {
        let hits: Vec<&(NaiveDate, super::Anomaly, String)> = seen
            .values()
            .filter(|(detected, a, kind)| matches(label, detected, a, kind))
            .collect();
        let first_hit = hits.iter().map(|h| h.0).min();
        let onset = label.onset().unwrap_or(from);
        outcomes.push(LabelOutcome {
            id: label.id.clone(),
            shape: label.shape.clone(),
            onset: label.onset.clone(),
            detected: first_hit.is_some(),
            first_detected: first_hit.map(|d| d.to_string()),
            days_to_detect: first_hit.map(|d| (d - onset).num_days()),
            monitors: hits
                .iter()
                .map(|(_, a, kind)| format!("{kind}={}", a.value))
                .collect(),
        });
    }
    let mut shapes: BTreeMap<&str, Vec<&LabelOutcome>> = BTreeMap::new();
    for outcome in &outcomes {
        shapes
            .entry(outcome.shape.as_str())
            .or_default()
            .push(outcome);
    }
    let shapes = shapes
        .into_iter()
        .map(|(shape, list)| {
            let detected: Vec<i64> = list.iter().filter_map(|o| o.days_to_detect).collect();
            ShapeOutcome {
                shape: shape.to_string(),
                labels: list.len(),
                detected: detected.len(),
                recall: detected.len() as f64 / list.len().max(1) as f64,
                mean_days_to_detect: (!detected.is_empty())
                    .then(|| detected.iter().sum::<i64>() as f64 / detected.len() as f64),
            }
        })
        .collect();

    let nat = match scored
        .iter()
        .find(|l| l.usage_types.iter().any(|u| u.contains("NatGateway-Bytes")))
    {
        Some(label) => Some(nat_check(session, options, first, label, &seen, &outcomes).await?),
        None => None,
    };
    let detections = seen.len();
    let detected_labels = outcomes.iter().filter(|o| o.detected).count();
    Ok(QualityReport {
        from: from.to_string(),
        to: to.to_string(),
        runs,
        detections,
        true_positives,
        false_positives: detections - true_positives,
        precision: true_positives as f64 / detections.max(1) as f64,
        recall: detected_labels as f64 / outcomes.len().max(1) as f64,
        shapes,
        labels: outcomes,
        unmatched,
        nat,
    })
}

async fn nat_check(
    session: &Session,
    options: &AnomalyOptions,
    first: NaiveDate,
    label: &Label,
    seen: &BTreeMap<String, (NaiveDate, super::Anomaly, String)>,
    outcomes: &[LabelOutcome],
) -> Result<NatCheck> {
    let outcome = outcomes.iter().find(|o| o.id == label.id);
    let days_to_detect = outcome.and_then(|o| o.days_to_detect);
    let first_day = outcome
        .and_then(|o| o.first_detected.as_deref())
        .and_then(monitors::iso_day);
    let mut root_causes = Vec::new();
    if let Some(first_day) = first_day {
        for (detected, anomaly, kind) in seen.values() {
            if *detected != first_day || !label.touches(kind, &anomaly.value) {
                continue;
            }
            let Some(tree) = super::cause_tree(session, options, anomaly, first, *detected).await?
            else {
                continue;
            };
            let usage = tree.top_at("usage_type");
            let resource = usage.and_then(|u| {
                u.top_path()
                    .into_iter()
                    .find(|n| n.level == "resource_id")
                    .map(|n| n.value.clone())
            });
            let top_usage_type = usage.map(|u| u.value.clone());
            root_causes.push(NatRootCause {
                monitor: anomaly.monitor.clone(),
                value: anomaly.value.clone(),
                usage_type_right: top_usage_type
                    .as_deref()
                    .is_some_and(super::is_network_usage),
                resource_right: resource
                    .as_deref()
                    .is_some_and(|r| label.resources.iter().any(|x| r.contains(x.as_str()))),
                top_usage_type,
                top_resource: resource,
                explanation: tree.explanation(),
            });
        }
    }
    Ok(NatCheck {
        label: label.id.clone(),
        days_to_detect,
        top_is_right: root_causes
            .iter()
            .any(|r| r.usage_type_right && r.resource_right),
        root_causes,
    })
}

/// The detector's speed.
#[derive(Debug, Clone, Serialize)]
pub struct SpeedReport {
    pub series: usize,
    pub days: usize,
    /// Scanning the last `lookback_days` of every series (a daily run).
    pub lookback_days: usize,
    pub scan_seconds: f64,
    /// Scanning every day of every series (a backfill).
    pub full_history_seconds: f64,
    /// Runs found by the daily scan (no impact thresholds applied).
    pub anomalies_found: usize,
    /// Series with a planted level shift in the scanned days, and how many were found.
    pub planted: usize,
    pub planted_found: usize,
    /// Runs on series with nothing planted in the scanned days (raw false alarms).
    pub unplanted_runs: usize,
}

/// Times [`super::detector::detect`] over `series` synthetic series of `days` days (weekly
/// season, trend, noise, a few level shifts and spikes).
pub fn speed(series: usize, days: usize, lookback_days: usize) -> SpeedReport {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let data: Vec<Vec<f64>> = (0..series)
        .map(|s| {
            let base = 10.0 + (s % 97) as f64 * 3.0;
            let shift_at = if s % 10 == 0 { days - 1 - s % 30 } else { days };
            (0..days)
                .map(|d| {
                    let weekly = if d % 7 >= 5 { 0.7 } else { 1.0 };
                    let trend = 1.0 + 0.001 * d as f64;
                    let shift = if d >= shift_at { 1.8 } else { 1.0 };
                    (base * weekly * trend * shift * (1.0 + 0.1 * noise())).max(0.0)
                })
                .collect()
        })
        .collect();
    let config = DetectorConfig::default();
    let from = days - lookback_days.min(days);
    let started = Instant::now();
    let found: Vec<Vec<super::detector::Run>> = data
        .iter()
        .map(|values| super::detector::detect(values, from, &config))
        .collect();
    let scan_seconds = started.elapsed().as_secs_f64();
    let planted_in = |s: usize| s.is_multiple_of(10) && days - 1 - s % 30 >= from;
    let planted = (0..series).filter(|s| planted_in(*s)).count();
    let planted_found = (0..series)
        .filter(|s| planted_in(*s) && !found[*s].is_empty())
        .count();
    let unplanted_runs = (0..series)
        .filter(|s| !planted_in(*s))
        .map(|s| found[s].len())
        .sum();
    let started = Instant::now();
    for values in &data {
        std::hint::black_box(super::detector::detect(values, 0, &config));
    }
    SpeedReport {
        series,
        days,
        lookback_days,
        scan_seconds,
        full_history_seconds: started.elapsed().as_secs_f64(),
        anomalies_found: found.iter().map(Vec::len).sum(),
        planted,
        planted_found,
        unplanted_runs,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn speed_series_have_their_planted_shifts_found_and_few_false_runs() {
        let report = super::speed(300, 120, 30);
        assert_eq!(report.planted, 30);
        assert_eq!(report.planted_found, 30, "{report:?}");
        // Raw runs (no impact threshold) on clean series: under 0.2% of series-days.
        let clean_days = (report.series - report.planted) * report.lookback_days;
        assert!(
            (report.unplanted_runs as f64) < 0.002 * clean_days as f64,
            "{report:?}"
        );
    }
}
