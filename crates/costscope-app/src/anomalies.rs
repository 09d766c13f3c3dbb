//! Cost anomalies with their root cause, feedback on them, and the detector's precision
//! and recall against labelled incidents (`docs/anomalies.md`).

use costscope_analytics::Error as AnalysisError;
use costscope_analytics::anomalies::monitors::parse_monitors;
use costscope_analytics::anomalies::quality::{self, Label, QualityReport};
use costscope_analytics::anomalies::{
    self, Anomaly, AnomalyOptions, AnomalyReport, HourlyAnomaly, ScanOptions,
};
use costscope_analytics::budgets::parse_day;
use costscope_store::anomalies::FeedbackState;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{App, Document, Principal, Result};

/// What to detect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ScanRequest {
    /// Detect as if this were today, `YYYY-MM-DD` (default: the last day with usage).
    pub as_of: Option<String>,
    /// Monitors and their thresholds (default: the built-in monitors).
    pub monitors: Option<Document>,
    /// Least impact in USD (overrides the monitors').
    pub min_impact: Option<f64>,
    /// Least impact in percent of the expected cost (overrides the monitors').
    pub min_percent: Option<f64>,
    /// Days back in which anomalies may start.
    pub lookback: u32,
    /// `unblended`, `amortized`, `net-unblended` or `net-amortized`.
    pub measure: String,
}

impl Default for ScanRequest {
    fn default() -> Self {
        ScanRequest {
            as_of: None,
            monitors: None,
            min_impact: None,
            min_percent: None,
            lookback: 30,
            measure: "amortized".into(),
        }
    }
}

/// Anomalies to list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct AnomaliesRequest {
    #[serde(flatten)]
    pub scan: ScanRequest,
    /// Also list anomalies marked expected or false-positive.
    pub all: bool,
    /// `daily` (stored, with root cause) or `hourly` (the hours of the last `days`).
    pub granularity: String,
    /// Days scanned hour by hour with the `hourly` granularity.
    pub days: u32,
}

impl Default for AnomaliesRequest {
    fn default() -> Self {
        AnomaliesRequest {
            scan: ScanRequest::default(),
            all: false,
            granularity: "daily".into(),
            days: 3,
        }
    }
}

/// The anomalies found: daily ones (stored, with root causes) or hourly ones.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum AnomaliesResponse {
    Daily(AnomalyReport),
    Hourly(Vec<HourlyAnomaly>),
}

/// Feedback on one stored anomaly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    pub id: String,
    /// `confirmed`, `expected` or `false-positive` (the last two stop re-alerting).
    pub state: String,
    /// Why.
    #[serde(default)]
    pub note: Option<String>,
}

/// The feedback as stored.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct FeedbackResponse {
    pub id: String,
    pub state: String,
    pub note: String,
}

/// Scores detection against labelled incidents, run as of every day of a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EvaluateRequest {
    /// The labels (a generated organisation's `labels.json`).
    pub labels: Document,
    /// First as-of day (default: 30 days before `to`).
    #[serde(default)]
    pub from: Option<String>,
    /// Last as-of day (default: the last day with usage).
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default, flatten)]
    pub scan: ScanRequest,
}

/// The evaluation's precision, recall and delays.
pub type EvaluateResponse = QualityReport;

fn invalid(message: String) -> AnalysisError {
    AnalysisError::InvalidArgument(message)
}

/// A day option, naming `flag` in the error.
fn day(flag: &str, text: Option<&str>) -> Result<Option<chrono::NaiveDate>> {
    Ok(text
        .map(|t| parse_day(t).map_err(|e| invalid(format!("{flag}: {e}"))))
        .transpose()?)
}

impl ScanRequest {
    /// The detector's options, every value checked.
    pub fn options(&self) -> Result<AnomalyOptions> {
        let mut options = AnomalyOptions {
            measure: self.measure.parse()?,
            lookback_days: self.lookback,
            min_impact: self.min_impact,
            min_percent: self.min_percent,
            ..AnomalyOptions::default()
        };
        if let Some(document) = &self.monitors {
            options.monitors = parse_monitors(&document.text, &document.origin)?;
        }
        options.as_of = day("--as-of", self.as_of.as_deref())?;
        for (value, flag) in [
            (self.min_impact, "--min-impact"),
            (self.min_percent, "--min-percent"),
        ] {
            if value.is_some_and(|v| !(v.is_finite() && v >= 0.0)) {
                return Err(invalid(format!("{flag} must be 0 or more")).into());
            }
        }
        if self.lookback == 0 {
            return Err(invalid("--lookback must be at least 1 day".into()).into());
        }
        Ok(options)
    }
}

impl FeedbackRequest {
    fn state(&self) -> Result<FeedbackState> {
        Ok(FeedbackState::parse(&self.state).ok_or_else(|| {
            invalid(format!(
                "unknown state `{}`: use confirmed, expected or false-positive",
                self.state
            ))
        })?)
    }
}

/// What an evaluation runs on: the labels, the detector's options and the period.
pub type Evaluation = (
    Vec<Label>,
    AnomalyOptions,
    Option<chrono::NaiveDate>,
    Option<chrono::NaiveDate>,
);

impl EvaluateRequest {
    /// The labels, the detector's options (without explanations) and the period.
    pub fn options(&self) -> Result<Evaluation> {
        let options = AnomalyOptions {
            explain: false,
            ..self.scan.options()?
        };
        let labels: Vec<Label> =
            serde_json::from_str(&self.labels.text).map_err(AnalysisError::from)?;
        Ok((
            labels,
            options,
            day("--from", self.from.as_deref())?,
            day("--to", self.to.as_deref())?,
        ))
    }
}

impl App {
    /// Detects anomalies in what `principal` may see. Daily anomalies are recorded in the
    /// store (history, feedback); those marked expected or false-positive are left out
    /// unless `all`.
    pub async fn anomalies(
        &self,
        principal: &Principal,
        request: &AnomaliesRequest,
    ) -> Result<AnomaliesResponse> {
        self.audit_read(principal, "analysis.anomalies", request, async {
            let options = request.scan.options()?;
            let session = self.session(principal).await?;
            match request.granularity.as_str() {
                "daily" => {}
                "hourly" => {
                    let found = anomalies::detect_hourly(&session, &options, request.days).await?;
                    return Ok(AnomaliesResponse::Hourly(found));
                }
                other => {
                    return Err(invalid(format!(
                        "unknown granularity `{other}`: use daily or hourly"
                    ))
                    .into());
                }
            }
            if !principal.is_admin() {
                return Ok(AnomaliesResponse::Daily(
                    self.visible_anomalies(principal, &options, request.all)
                        .await?,
                ));
            }
            let store = self.store()?;
            let scan = ScanOptions { all: request.all };
            let report = anomalies::scan(&session, store, &options, scan).await?;
            Ok(AnomaliesResponse::Daily(report))
        })
        .await
    }

    /// What a restricted principal's own detection finds, with the feedback the store holds
    /// for the same anomalies. Nothing is recorded: the store keeps the organisation-wide
    /// detections, whose figures and causes cover rows the principal may not see.
    async fn visible_anomalies(
        &self,
        principal: &Principal,
        options: &AnomalyOptions,
        all: bool,
    ) -> Result<AnomalyReport> {
        let session = self.session(principal).await?;
        let mut report = anomalies::detect(&session, options).await?;
        let store = self.existing_store()?;
        let mut kept = Vec::with_capacity(report.anomalies.len());
        for mut anomaly in report.anomalies.drain(..) {
            let stored = match &store {
                Some(store) => store.anomaly(&anomaly.id).ok(),
                None => None,
            };
            let feedback = stored.and_then(|s| s.feedback).map(|f| f.state);
            anomaly.feedback = feedback.map(|f| f.name().to_string());
            let silenced = matches!(
                feedback,
                Some(FeedbackState::Expected | FeedbackState::FalsePositive)
            );
            if silenced && !all {
                report.suppressed += 1;
            } else {
                kept.push(anomaly);
            }
        }
        report.anomalies = kept;
        Ok(report)
    }

    /// One stored anomaly with its root cause and evidence. A restricted principal gets
    /// the anomaly as its own detection sees it, and only if that detection finds it (an
    /// anomaly of rows it may not see does not exist for it).
    pub async fn anomaly(&self, principal: &Principal, id: &str) -> Result<Anomaly> {
        self.audit_read(
            principal,
            "analysis.anomaly",
            &serde_json::json!({ "id": id }),
            self.visible_anomaly(principal, id),
        )
        .await
    }

    async fn visible_anomaly(&self, principal: &Principal, id: &str) -> Result<Anomaly> {
        if principal.is_admin() {
            return Ok(anomalies::show(self.store()?, id)?);
        }
        let options = ScanRequest::default().options()?;
        self.visible_anomalies(principal, &options, true)
            .await?
            .anomalies
            .into_iter()
            .find(|a| a.id == id)
            .ok_or_else(|| {
                costscope_store::Error::NotFound {
                    kind: "anomaly",
                    id: id.to_string(),
                }
                .into()
            })
    }

    /// Records feedback on a stored anomaly (principals that may change state, on
    /// anomalies they can see).
    pub async fn anomaly_feedback(
        &self,
        principal: &Principal,
        request: &FeedbackRequest,
    ) -> Result<FeedbackResponse> {
        self.audit_change(principal, "anomaly.feedback", request, async {
            crate::access::require_change(principal, "give anomaly feedback")?;
            if !principal.is_admin() {
                self.visible_anomaly(principal, &request.id).await?;
            }
            let state = request.state()?;
            let stored =
                self.store()?
                    .set_anomaly_feedback(&request.id, state, request.note.as_deref())?;
            Ok(FeedbackResponse {
                id: stored.record.id,
                state: state.name().to_string(),
                note: request.note.clone().unwrap_or_default(),
            })
        })
        .await
    }

    /// Scores detection against labelled incidents over what `principal` may see.
    pub async fn evaluate_anomalies(
        &self,
        principal: &Principal,
        request: &EvaluateRequest,
    ) -> Result<EvaluateResponse> {
        self.audit_read(principal, "analysis.anomalies-evaluate", request, async {
            let (labels, options, from, to) = request.options()?;
            let session = self.session(principal).await?;
            Ok(quality::evaluate(&session, &labels, &options, from, to).await?)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scan_request_checks_its_numbers_days_and_measure() {
        for (request, needle) in [
            (
                ScanRequest {
                    lookback: 0,
                    ..ScanRequest::default()
                },
                "--lookback",
            ),
            (
                ScanRequest {
                    min_impact: Some(-1.0),
                    ..ScanRequest::default()
                },
                "--min-impact",
            ),
            (
                ScanRequest {
                    as_of: Some("yesterday".into()),
                    ..ScanRequest::default()
                },
                "yesterday",
            ),
            (
                ScanRequest {
                    measure: "blended".into(),
                    ..ScanRequest::default()
                },
                "blended",
            ),
        ] {
            let error = request.options().expect_err("refused");
            assert_eq!(error.kind(), crate::ErrorKind::User);
            assert!(error.to_string().contains(needle), "{error}");
        }
    }

    #[test]
    fn a_list_request_flattens_the_scan_fields() {
        let request: AnomaliesRequest =
            serde_json::from_str(r#"{"lookback": 7, "granularity": "hourly", "all": true}"#)
                .expect("body");
        assert_eq!(request.scan.lookback, 7);
        assert_eq!(request.granularity, "hourly");
        assert!(request.all);
        assert_eq!(request.scan.measure, "amortized");
    }

    #[test]
    fn monitors_text_errors_name_their_origin() {
        let request = ScanRequest {
            monitors: Some(Document::new("monitors.yaml", "monitors:\n  - name: ''\n")),
            ..ScanRequest::default()
        };
        let message = request.options().expect_err("refused").to_string();
        assert!(message.starts_with("monitors.yaml:"), "{message}");
    }

    #[test]
    fn an_unknown_feedback_state_is_refused() {
        let request = FeedbackRequest {
            id: "an-1".into(),
            state: "maybe".into(),
            note: None,
        };
        assert!(
            request
                .state()
                .expect_err("refused")
                .to_string()
                .contains("maybe")
        );
    }
}
