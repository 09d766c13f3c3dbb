//! The weekly efficiency score per team and the KPIs behind it (`docs/score.md`).

use costscope_analytics::efficiency::{
    self, KpiOptions, KpiReport, ScoreConfig, ScoreOptions, ScoreReport, Week,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{App, Document, Principal, Result, document};

/// Weeks of history before the scored week in the trend.
const HISTORY_WEEKS: u32 = 3;

/// The score of one week.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ScoreRequest {
    /// Explain this team's score (the league table still ranks every team).
    pub team: Option<String>,
    /// `YYYY-Www` or a day in the week (default: the last complete week).
    pub week: Option<String>,
    /// Weights and goals (default: the documented defaults).
    pub config: Option<Document>,
    /// Allocation rules deciding each line's team (default: the `team` tag).
    pub rules: Option<Document>,
}

/// The KPIs per week, account and team.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct KpisRequest {
    /// The first week (default: `week`).
    pub from_week: Option<String>,
    /// The last week (default: the last complete week).
    pub week: Option<String>,
    /// Goals (for the saving of reaching them).
    pub config: Option<Document>,
    /// Allocation rules deciding each line's team.
    pub rules: Option<Document>,
}

/// The league table and explanations.
pub type ScoreResponse = ScoreReport;
/// The KPI table.
pub type KpisResponse = KpiReport;

fn config(document: Option<&Document>) -> Result<ScoreConfig> {
    Ok(match document {
        Some(document) => ScoreConfig::parse(&document.text, &document.origin)?,
        None => ScoreConfig::default(),
    })
}

fn week(text: Option<&str>) -> Result<Option<Week>> {
    Ok(text.map(str::parse::<Week>).transpose()?)
}

impl ScoreRequest {
    /// The score's options, every value checked.
    pub fn options(&self) -> Result<ScoreOptions> {
        let config = config(self.config.as_ref())?;
        let week = week(self.week.as_deref())?;
        Ok(ScoreOptions {
            team_expr: document::team(self.rules.as_ref())?,
            week,
            team: self.team.clone(),
            config,
            history_weeks: HISTORY_WEEKS,
        })
    }
}

impl KpisRequest {
    /// The KPI options, every value checked.
    pub fn options(&self) -> Result<KpiOptions> {
        let config = config(self.config.as_ref())?;
        let to = week(self.week.as_deref())?;
        Ok(KpiOptions {
            team: document::team(self.rules.as_ref())?,
            from: week(self.from_week.as_deref())?,
            to,
            goals: config.components.iter().map(|c| (c.kpi, c.goal)).collect(),
        })
    }
}

impl App {
    /// Every team's score in the week, over what `principal` may see.
    pub async fn score(
        &self,
        principal: &Principal,
        request: &ScoreRequest,
    ) -> Result<ScoreResponse> {
        self.audit_read(principal, "analysis.score", request, async {
            let options = request.options()?;
            self.cached("score", principal, request, async || {
                let session = self.session(principal).await?;
                Ok(efficiency::score(&session, &options).await?)
            })
            .await
        })
        .await
    }

    /// The KPIs per week, account and team, over what `principal` may see.
    pub async fn kpis(&self, principal: &Principal, request: &KpisRequest) -> Result<KpisResponse> {
        self.audit_read(principal, "analysis.kpis", request, async {
            let options = request.options()?;
            self.cached("kpis", principal, request, async || {
                let session = self.session(principal).await?;
                Ok(efficiency::kpis(&session, &options).await?)
            })
            .await
        })
        .await
    }
}
