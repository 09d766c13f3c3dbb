//! Recommendations with estimated savings, and their lifecycle
//! (`docs/recommendations.md`).

use chrono::NaiveDate;
use costscope_analytics::Error as AnalysisError;
use costscope_analytics::recommend::{
    self, Category, Change, RecommendOptions, RecommendReport, Recommendation, Status,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{App, Document, Principal, Result, document};

/// Which recommendations, estimated how.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RecommendRequest {
    /// `compute`, `storage`, `database`, `networking` or `genai`.
    pub category: Option<String>,
    /// Only this team's recommendations.
    pub team: Option<String>,
    /// `open`, `accepted`, `dismissed` or `implemented`.
    pub status: Option<String>,
    /// Price overrides.
    pub prices: Option<Document>,
    /// Estimate from the 30 days ending on this day, `YYYY-MM-DD` (default: the last day
    /// with usage).
    pub as_of: Option<String>,
    /// Allocation rules deciding each line's team (default: the `team` tag).
    pub rules: Option<Document>,
}

/// A lifecycle change of one recommendation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "action", rename_all = "lowercase", deny_unknown_fields)]
pub enum ChangeRequest {
    Accept {
        id: String,
    },
    /// Dismiss, with the reason.
    Dismiss {
        id: String,
        reason: String,
    },
    /// Back to open from dismissed or accepted.
    Reopen {
        id: String,
    },
    /// Implemented on a day, `YYYY-MM-DD` (default: today).
    Implement {
        id: String,
        #[serde(default)]
        on: Option<String>,
    },
}

/// The recommendations with totals by category and team.
pub type RecommendResponse = RecommendReport;

/// One recommendation with its lifecycle history.
#[derive(Debug, Clone, Serialize)]
pub struct RecommendationDetail {
    #[serde(flatten)]
    pub recommendation: Recommendation,
    pub history: Vec<Event>,
}

/// One lifecycle change as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub from: &'static str,
    pub to: &'static str,
    pub reason: Option<String>,
    pub at: String,
}

fn date(text: &str) -> Result<NaiveDate> {
    Ok(NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        AnalysisError::InvalidArgument(format!("`{text}` is not a date (YYYY-MM-DD)"))
    })?)
}

impl RecommendRequest {
    /// The options, every value checked.
    pub fn options(&self) -> Result<RecommendOptions> {
        Ok(RecommendOptions {
            category: self
                .category
                .as_deref()
                .map(str::parse::<Category>)
                .transpose()?,
            team: self.team.clone(),
            status: self
                .status
                .as_deref()
                .map(str::parse::<Status>)
                .transpose()?,
            team_expr: document::team(self.rules.as_ref())?,
            as_of: self.as_of.as_deref().map(date).transpose()?,
            prices: self
                .prices
                .as_ref()
                .map(|p| recommend::prices::parse(&p.text, &p.origin))
                .transpose()?,
        })
    }

    /// The options for finding one recommendation by id: every status.
    fn any_status(&self) -> Result<RecommendOptions> {
        Ok(RecommendOptions {
            status: None,
            ..self.options()?
        })
    }
}

impl ChangeRequest {
    /// The recommendation's id.
    pub fn id(&self) -> &str {
        match self {
            ChangeRequest::Accept { id }
            | ChangeRequest::Dismiss { id, .. }
            | ChangeRequest::Reopen { id }
            | ChangeRequest::Implement { id, .. } => id,
        }
    }

    /// The audit log's name for the change: `recommendation.accept`, `.dismiss`, `.reopen`
    /// or `.implement`.
    pub fn action(&self) -> &'static str {
        match self {
            ChangeRequest::Accept { .. } => "recommendation.accept",
            ChangeRequest::Dismiss { .. } => "recommendation.dismiss",
            ChangeRequest::Reopen { .. } => "recommendation.reopen",
            ChangeRequest::Implement { .. } => "recommendation.implement",
        }
    }

    /// The change, its day checked (`today` when none is given).
    pub fn change(&self, today: NaiveDate) -> Result<Change> {
        Ok(match self {
            ChangeRequest::Accept { .. } => Change::Accept,
            ChangeRequest::Dismiss { reason, .. } => Change::Dismiss(reason.clone()),
            ChangeRequest::Reopen { .. } => Change::Reopen,
            ChangeRequest::Implement { on, .. } => {
                Change::Implement(on.as_deref().map(date).transpose()?.unwrap_or(today))
            }
        })
    }
}

impl App {
    /// Recommendations over what `principal` may see, with their stored states.
    pub async fn recommend(
        &self,
        principal: &Principal,
        request: &RecommendRequest,
    ) -> Result<RecommendResponse> {
        self.audit_read(principal, "analysis.recommend", request, async {
            let options = request.options()?;
            let session = self.session(principal).await?;
            let store = self.store()?;
            Ok(recommend::recommend(&session, Some(store), &options).await?)
        })
        .await
    }

    /// One recommendation (in any state) with its history.
    pub async fn recommendation(
        &self,
        principal: &Principal,
        request: &RecommendRequest,
        id: &str,
    ) -> Result<RecommendationDetail> {
        self.audit_read(
            principal,
            "analysis.recommendation",
            &serde_json::json!({ "id": id, "request": request }),
            async {
                let options = request.any_status()?;
                let session = self.session(principal).await?;
                let store = self.store()?;
                let recommendation = recommend::show(&session, store, id, &options).await?;
                Ok(self.detail(recommendation))
            },
        )
        .await
    }

    /// Applies a lifecycle change and returns the recommendation with its history.
    pub async fn change_recommendation(
        &self,
        principal: &Principal,
        request: &RecommendRequest,
        change: &ChangeRequest,
    ) -> Result<RecommendationDetail> {
        self.audit_change(
            principal,
            change.action(),
            &serde_json::json!({ "change": change, "request": request }),
            async {
                crate::access::require_change(principal, "change a recommendation's status")?;
                let options = request.any_status()?;
                let id = change.id();
                let change = change.change(chrono::Utc::now().date_naive())?;
                let session = self.session(principal).await?;
                let store = self.store()?;
                let recommendation =
                    recommend::transition(&session, store, id, change, &options).await?;
                Ok(self.detail(recommendation))
            },
        )
        .await
    }

    fn detail(&self, recommendation: Recommendation) -> RecommendationDetail {
        let history = self
            .store
            .get()
            .and_then(|store| store.history(&recommendation.id).ok())
            .unwrap_or_default();
        RecommendationDetail {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_deserialise_by_action_and_implement_defaults_to_today() {
        let today = NaiveDate::from_ymd_opt(2026, 10, 20).expect("day");
        let change: ChangeRequest =
            serde_json::from_str(r#"{"action": "implement", "id": "r-1"}"#).expect("body");
        assert_eq!(change.id(), "r-1");
        assert_eq!(
            change.change(today).expect("valid"),
            Change::Implement(today)
        );
        let change: ChangeRequest =
            serde_json::from_str(r#"{"action": "dismiss", "id": "r-2", "reason": "later"}"#)
                .expect("body");
        assert_eq!(
            change.change(today).expect("valid"),
            Change::Dismiss("later".into())
        );
        let bad = ChangeRequest::Implement {
            id: "r-1".into(),
            on: Some("soon".into()),
        };
        assert!(
            bad.change(today)
                .expect_err("refused")
                .to_string()
                .contains("soon")
        );
    }

    #[test]
    fn category_status_and_day_are_checked() {
        for request in [
            RecommendRequest {
                category: Some("hardware".into()),
                ..RecommendRequest::default()
            },
            RecommendRequest {
                status: Some("maybe".into()),
                ..RecommendRequest::default()
            },
            RecommendRequest {
                as_of: Some("2026-13-01".into()),
                ..RecommendRequest::default()
            },
        ] {
            assert_eq!(
                request.options().expect_err("refused").kind(),
                crate::ErrorKind::User
            );
        }
    }
}
