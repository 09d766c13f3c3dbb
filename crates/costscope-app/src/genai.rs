//! GenAI (Bedrock) cost and tokens by model, provider, pricing model, profile or team
//! (`docs/genai.md`).

use chrono::NaiveDate;
use costscope_analytics::Error as AnalysisError;
use costscope_analytics::genai::{self, GenaiOptions, GenaiReport, GroupBy};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{App, Document, Principal, Result, document};

/// How to break GenAI cost down.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct GenaiRequest {
    /// `model`, `provider`, `pricing-model`, `profile`, `team`, `app`, `department`,
    /// `account` or `tag:KEY`, combined.
    pub group_by: Vec<String>,
    /// First day, `YYYY-MM-DD` (inclusive).
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD` (inclusive).
    pub to: Option<String>,
    /// Allocation rules deciding each line's team (default: the `team` tag).
    pub rules: Option<Document>,
}

impl Default for GenaiRequest {
    fn default() -> Self {
        GenaiRequest {
            group_by: vec!["model".into()],
            from: None,
            to: None,
            rules: None,
        }
    }
}

/// The GenAI report.
pub type GenaiResponse = GenaiReport;

fn day(text: &str) -> Result<NaiveDate> {
    Ok(NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        AnalysisError::InvalidArgument(format!("invalid day `{text}`: use YYYY-MM-DD"))
    })?)
}

impl GenaiRequest {
    /// The options, every value checked.
    pub fn options(&self) -> Result<GenaiOptions> {
        let group_by = self
            .group_by
            .iter()
            .map(|g| g.parse::<GroupBy>())
            .collect::<Result<Vec<_>, _>>()?;
        Ok(GenaiOptions {
            group_by,
            from: self.from.as_deref().map(day).transpose()?,
            to: self.to.as_deref().map(day).transpose()?,
            team: document::team(self.rules.as_ref())?,
        })
    }
}

impl App {
    /// GenAI cost and tokens over what `principal` may see.
    pub async fn genai(
        &self,
        principal: &Principal,
        request: &GenaiRequest,
    ) -> Result<GenaiResponse> {
        self.audit_read(principal, "analysis.genai", request, async {
            let options = request.options()?;
            self.cached("genai", principal, request, async || {
                let session = self.session(principal).await?;
                Ok(genai::genai(&session, &options).await?)
            })
            .await
        })
        .await
    }
}
