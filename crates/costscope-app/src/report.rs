//! Weekly team reports: cost trend and budget, unit cost, score, recommendations,
//! anomalies (`docs/reports.md`).

use costscope_analytics::Error as AnalysisError;
use costscope_analytics::budgets;
use costscope_analytics::report::{
    self, DEFAULT_HISTORY_WEEKS, IsoWeek, UnitSpec, WeeklyOptions, WeeklyReport,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{App, Document, Principal, Result, document};

/// Which teams' week to report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct WeeklyRequest {
    /// The team (default: every team — the rules' teams, else every `team` tag value).
    pub team: Option<String>,
    /// ISO week, e.g. `2026-W43` (default: the last complete week with usage).
    pub week: Option<String>,
    /// Allocation rules deciding each line's team (default: the `team` tag).
    pub rules: Option<Document>,
    /// Budgets; those scoped to `team=NAME` are reported.
    pub budgets: Option<Document>,
    /// Unit costs as `APP:METRIC` (default: every app of the team with an `invocations`
    /// business metric).
    pub units: Vec<String>,
    /// Weeks of history in the trend, the report week included (at least 2).
    pub history_weeks: u32,
}

impl Default for WeeklyRequest {
    fn default() -> Self {
        WeeklyRequest {
            team: None,
            week: None,
            rules: None,
            budgets: None,
            units: Vec::new(),
            history_weeks: DEFAULT_HISTORY_WEEKS,
        }
    }
}

/// One report per team.
pub type WeeklyResponse = Vec<WeeklyReport>;

impl WeeklyRequest {
    /// The options shared by every team's report (the team and the store left default),
    /// every value checked.
    pub fn options(&self) -> Result<WeeklyOptions> {
        if self.history_weeks < 2 {
            return Err(AnalysisError::InvalidArgument(format!(
                "--history-weeks must be at least 2, not {}",
                self.history_weeks
            ))
            .into());
        }
        let rules = self.rules.as_ref().map(document::parse_rules).transpose()?;
        let week = self
            .week
            .as_deref()
            .map(str::parse::<IsoWeek>)
            .transpose()?;
        let budgets = match &self.budgets {
            Some(file) => budgets::parse_budgets(&file.text, &file.origin)?,
            None => Vec::new(),
        };
        let units = self
            .units
            .iter()
            .map(|u| u.parse::<UnitSpec>())
            .collect::<Result<Vec<_>, _>>()?;
        Ok(WeeklyOptions {
            week,
            rules,
            budgets,
            budgets_origin: self.budgets.as_ref().map(|b| b.origin.clone()),
            units,
            history_weeks: self.history_weeks,
            ..WeeklyOptions::default()
        })
    }
}

impl App {
    /// The week of the request's team, or of every team, over what `principal` may see.
    pub async fn weekly_reports(
        &self,
        principal: &Principal,
        request: &WeeklyRequest,
    ) -> Result<WeeklyResponse> {
        self.audit_read(principal, "report.weekly", request, async {
            let options = request.options()?;
            let session = self.session(principal).await?;
            let teams = match &request.team {
                Some(team) => vec![team.clone()],
                None => report::teams(&session, options.rules.as_ref()).await?,
            };
            if teams.is_empty() {
                return Err(AnalysisError::InvalidArgument(
                    "no teams to report on: no line has a user_team tag (give --rules)".into(),
                )
                .into());
            }
            let options = WeeklyOptions {
                store: self.existing_store()?,
                ..options
            };
            let mut reports = Vec::with_capacity(teams.len());
            for team in teams {
                let options = WeeklyOptions {
                    team,
                    ..options.clone()
                };
                reports.push(report::build_weekly(&session, &options).await?);
            }
            Ok(reports)
        })
        .await
    }
}
