//! Anomaly tables: money to the cent, percentages to 0.1; the root-cause tree as
//! indented lines; the evaluation's summary.

use costscope_analytics::anomalies::quality::QualityReport;
use costscope_analytics::anomalies::{Anomaly, AnomalyReport, CauseNode};
use serde::Serialize;

/// One anomaly as a flat row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnomalyRow {
    pub id: String,
    pub severity: String,
    pub monitor: String,
    pub value: String,
    pub start: String,
    /// `ongoing` while open.
    pub end: String,
    pub days: usize,
    pub expected: String,
    pub actual: String,
    pub impact: String,
    /// `new` when nothing was expected.
    pub percent: String,
    pub feedback: String,
    pub explanation: String,
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

/// Every anomaly of a scan.
pub fn rows(report: &AnomalyReport) -> Vec<AnomalyRow> {
    report.anomalies.iter().map(AnomalyRow::from).collect()
}

/// The note on anomalies hidden by feedback, if any.
pub fn suppressed_line(report: &AnomalyReport) -> Option<String> {
    (report.suppressed > 0).then(|| {
        format!(
            "({} anomalies with expected/false-positive feedback hidden; --all shows them)",
            report.suppressed
        )
    })
}

/// What follows one anomaly's row: its root-cause tree, network cause, saving and
/// evidence, as lines.
pub fn detail_lines(anomaly: &Anomaly) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(tree) = &anomaly.root_cause {
        lines.push("\nroot cause (delta = actual - baseline over the anomaly's days)".into());
        tree_lines(tree, 0, &mut lines);
    }
    if let Some(cause) = &anomaly.network_cause {
        lines.push(format!("\nnetwork cause: {cause}"));
    }
    if let Some(saving) = anomaly.monthly_saving {
        lines.push(format!("estimated monthly saving of the fix: ${saving:.2}"));
    }
    for finding in &anomaly.evidence {
        lines.push(format!("evidence: {finding}"));
    }
    lines
}

fn tree_lines(node: &CauseNode, depth: usize, lines: &mut Vec<String>) {
    let value = if node.value.is_empty() {
        "(none)"
    } else {
        &node.value
    };
    lines.push(format!(
        "{:indent$}{} {}  {:+.2}  (actual {:.2}, baseline {:.2})",
        "",
        node.level,
        value,
        node.delta,
        node.actual,
        node.baseline,
        indent = depth * 2
    ));
    for child in &node.children {
        tree_lines(child, depth + 1, lines);
    }
}

/// The evaluation's precision, recall and the NAT incident's detection, as lines.
pub fn quality_lines(report: &QualityReport) -> Vec<String> {
    let mut lines = vec![format!(
        "\nprecision {:.3} ({} of {} anomalies match a label), recall {:.3}, {} daily runs {}..{}",
        report.precision,
        report.true_positives,
        report.detections,
        report.recall,
        report.runs,
        report.from,
        report.to
    )];
    if let Some(nat) = &report.nat {
        lines.push(format!(
            "NAT incident: detected after {} days; top of root cause right: {}",
            nat.days_to_detect
                .map(|d| d.to_string())
                .unwrap_or_else(|| "-".into()),
            nat.top_is_right
        ));
    }
    lines
}
