//! Weekly team reports: one team's week in cost — trend and week-over-week change with
//! the services and usage types that moved, budget and forecast, unit cost, efficiency
//! score, top recommendations and open anomalies — as a serialisable [`WeeklyReport`]
//! (the JSON form, documented in `docs/reports.md`) rendered to self-contained HTML with
//! inline SVG charts ([`html::render`]) and to Markdown ([`markdown::render`]).
//!
//! Each section is gathered by one function of [`sources`]; sections fed by other
//! analyses (score, recommendations, anomalies) are optional or may be empty, and every
//! renderer says so rather than leaving the section out.

pub mod format;
pub mod html;
pub mod markdown;
pub mod sources;
mod svg;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use costscope_core::TeamExpr;
use costscope_query::Session;
use costscope_store::Store;
use serde::{Deserialize, Serialize};

use crate::allocation::Rules;
use crate::budgets::{Budget, BudgetState};
use crate::records::{literal, query};
use crate::{Error, Result};

/// Weeks of daily history the cost trend covers by default (the report week included).
pub const DEFAULT_HISTORY_WEEKS: u32 = 8;
/// Services and usage types listed as movers by default.
pub const DEFAULT_TOP_MOVERS: usize = 5;
/// Recommendations listed by default (largest saving first).
pub const DEFAULT_TOP_RECOMMENDATIONS: usize = 5;
/// The business metric unit costs use when none is configured.
pub const DEFAULT_UNIT_METRIC: &str = "invocations";

/// An ISO 8601 week: `2026-W43` runs from Monday 2026-10-19 to Sunday 2026-10-25.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoWeek {
    monday: NaiveDate,
}

impl IsoWeek {
    /// The ISO week containing `day`.
    pub fn containing(day: NaiveDate) -> IsoWeek {
        let back = day.weekday().num_days_from_monday();
        IsoWeek {
            monday: day - Days::new(u64::from(back)),
        }
    }

    /// First day (Monday).
    pub fn monday(self) -> NaiveDate {
        self.monday
    }

    /// Last day (Sunday), inclusive.
    pub fn sunday(self) -> NaiveDate {
        self.monday + Days::new(6)
    }

    /// The week `n` weeks before this one.
    pub fn minus(self, n: u32) -> IsoWeek {
        IsoWeek {
            monday: self.monday - Days::new(7 * u64::from(n)),
        }
    }
}

impl fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.monday.format("%G-W%V"))
    }
}

impl FromStr for IsoWeek {
    type Err = Error;

    /// `2026-W43` (also `2026W43`, `2026-w43`).
    fn from_str(text: &str) -> Result<IsoWeek> {
        let bad = || Error::InvalidArgument(format!("`{text}` is not an ISO week like 2026-W43"));
        let upper = text.trim().to_ascii_uppercase();
        let (year, week) = upper.split_once('W').ok_or_else(bad)?;
        let year: i32 = year.trim_end_matches('-').parse().map_err(|_| bad())?;
        let week: u32 = week.parse().map_err(|_| bad())?;
        let monday = NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).ok_or_else(|| {
            Error::InvalidArgument(format!("{year} has no ISO week {week} (`{text}`)"))
        })?;
        Ok(IsoWeek { monday })
    }
}

/// A unit cost to report: cost of the resources tagged `app` per unit of `metric`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitSpec {
    /// The `app` tag (CUR key `user_app`) and the `app` column of `business_metrics`.
    pub app: String,
    /// A business metric (`invocations`, `orders` …) or a bill metric.
    pub metric: String,
}

impl FromStr for UnitSpec {
    type Err = Error;

    /// `APP:METRIC`, e.g. `clickstream:invocations`.
    fn from_str(text: &str) -> Result<UnitSpec> {
        match text.split_once(':') {
            Some((app, metric)) if !app.trim().is_empty() && !metric.trim().is_empty() => {
                Ok(UnitSpec {
                    app: app.trim().to_string(),
                    metric: metric.trim().to_string(),
                })
            }
            _ => Err(Error::InvalidArgument(format!(
                "`{text}` is not APP:METRIC (e.g. clickstream:invocations)"
            ))),
        }
    }
}

/// What to report.
#[derive(Clone, Default)]
pub struct WeeklyOptions {
    pub team: String,
    /// The week; `None`: the last complete week with usage.
    pub week: Option<IsoWeek>,
    /// Allocation rules deciding each line's team (direct owner); `None`: the `user_team` tag.
    pub rules: Option<Rules>,
    /// Budgets (e.g. from a budgets file); those scoped to the team are reported.
    pub budgets: Vec<Budget>,
    /// Where the budgets came from, for the empty-section message.
    pub budgets_origin: Option<String>,
    /// Unit costs to report; empty: every app of the team in `business_metrics` per
    /// [`DEFAULT_UNIT_METRIC`].
    pub units: Vec<UnitSpec>,
    /// Weeks of history in the trend (the report week included); 0 means the default.
    pub history_weeks: u32,
    /// Movers listed; 0 means the default.
    pub top_movers: usize,
    /// The metadata store holding anomaly and recommendation state, when there is one.
    pub store: Option<Arc<Store>>,
}

/// The weekly report of one team. Its JSON form is documented in `docs/reports.md`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeeklyReport {
    pub header: Header,
    pub cost: CostTrend,
    /// The team's budgets for the period containing the week's last day.
    pub budgets: Vec<BudgetLine>,
    pub unit_costs: Vec<UnitCostLine>,
    /// The efficiency score; `None` when no score is available.
    pub score: Option<ScoreSection>,
    /// Largest monthly saving first.
    pub recommendations: Vec<RecommendationLine>,
    /// Anomalies still open in or before the week, largest impact first.
    pub anomalies: Vec<AnomalyLine>,
    /// Caveats a reader should know (incomplete week, budgets file without the team …).
    pub notes: Vec<String>,
}

/// Who, when, and how the figures were made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Header {
    pub team: String,
    /// `2026-W43`.
    pub week: String,
    /// Monday, `YYYY-MM-DD`.
    pub start: String,
    /// Sunday, `YYYY-MM-DD` (inclusive).
    pub end: String,
    /// RFC 3339, UTC.
    pub generated_at: String,
    /// The cost measure of every amount (`amortized`).
    pub measure: String,
    /// Billing currency of every amount (empty when the team has no cost).
    pub currency: String,
    /// How lines are given to the team: `tag user_team` or `rules FILE`.
    pub team_source: String,
    /// The last day with usage in the lake.
    pub data_through: String,
}

/// The team's cost over the last weeks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostTrend {
    /// One entry per day of the history (zero-filled), oldest first.
    pub daily: Vec<DailyCost>,
    /// One entry per ISO week of the history, oldest first; the last is the report week.
    pub weekly: Vec<WeeklyCost>,
    pub this_week: f64,
    pub previous_week: f64,
    /// `this_week − previous_week`.
    pub change: f64,
    /// Change in percent of the previous week; null when it had no cost.
    pub change_percent: Option<f64>,
    /// Services whose cost moved most (by absolute change).
    pub top_services: Vec<Mover>,
    /// Service and usage type pairs whose cost moved most.
    pub top_usage_types: Vec<Mover>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DailyCost {
    pub date: String,
    pub cost: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeeklyCost {
    /// `2026-W43`.
    pub week: String,
    /// Monday.
    pub start: String,
    pub cost: f64,
}

/// A service (or usage type) with its cost this week and the week before.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mover {
    /// `line_item_product_code`.
    pub service: String,
    /// `line_item_usage_type`; null in the service list.
    pub usage_type: Option<String>,
    pub this_week: f64,
    pub previous_week: f64,
    pub change: f64,
}

/// A budget of the team, as of the week's last day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetLine {
    pub name: String,
    /// `team=app-team`.
    pub scope: String,
    /// `monthly` or `quarterly`.
    pub period: String,
    pub period_start: String,
    pub period_end: String,
    /// The day actual and forecast are computed as of.
    pub as_of: String,
    pub budget: f64,
    pub actual: f64,
    pub percent_used: f64,
    pub forecast: f64,
    pub forecast_lower: f64,
    pub forecast_upper: f64,
    pub forecast_percent: f64,
    pub state: BudgetState,
    /// The budget spread evenly over the period's days (the line on the daily chart).
    pub daily_budget: f64,
}

/// Cost per unit of a metric for one app of the team.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitCostLine {
    pub app: String,
    pub metric: String,
    pub cost: f64,
    pub units: f64,
    /// This week's cost per unit; null without units.
    pub cost_per_unit: Option<f64>,
    /// The previous week's.
    pub previous_cost_per_unit: Option<f64>,
    /// Change in percent; null when either week has no units.
    pub change_percent: Option<f64>,
    /// Cost per unit per week of the history, oldest first.
    pub weekly: Vec<UnitCostPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitCostPoint {
    pub week: String,
    pub cost_per_unit: Option<f64>,
}

/// The team's efficiency score (0–100) for the week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreSection {
    pub value: f64,
    /// The lowest and highest score possible (300-850).
    pub scale: [f64; 2],
    /// The previous week's score.
    pub previous: Option<f64>,
    /// `value − previous`.
    pub change: Option<f64>,
    pub components: Vec<ScoreComponent>,
    /// Scores of earlier weeks, oldest first (the report week last).
    pub history: Vec<ScorePoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreComponent {
    /// `Graviton share`, `gp3 share` …
    pub name: String,
    /// 0–100.
    pub value: f64,
    /// Weight in the score, 0–1.
    pub weight: f64,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScorePoint {
    pub week: String,
    pub value: f64,
}

/// One recommendation with its estimated saving.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecommendationLine {
    pub title: String,
    /// compute, storage, database, networking, genai.
    pub category: String,
    /// The resource id or ARN acted on.
    pub resource: String,
    pub monthly_saving: f64,
    /// low, medium, high.
    pub effort: String,
}

/// One open anomaly.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnomalyLine {
    pub title: String,
    /// First day, `YYYY-MM-DD`.
    pub start: String,
    /// Cost above expectation so far.
    pub impact: f64,
    /// One line naming the cause (usage type, resource, flow).
    pub root_cause: String,
}

/// Who owns a line: the rules' owner, else the `user_team` tag.
fn team_expr(rules: Option<&Rules>) -> TeamExpr {
    rules.map(Rules::team).unwrap_or_default()
}

/// The teams a report can be made for: the declared teams of `rules`, else every value of
/// the `user_team` tag with cost, sorted.
pub async fn teams(session: &Session, rules: Option<&Rules>) -> Result<Vec<String>> {
    if let Some(rules) = rules {
        return Ok(rules.teams().to_vec());
    }
    #[derive(Deserialize)]
    struct Row {
        team: Option<String>,
    }
    let team = TeamExpr::default().sql();
    let rows: Vec<Row> = query(
        session,
        &format!(
            "SELECT DISTINCT {team} AS team FROM cur \
             WHERE {team} IS NOT NULL AND {team} <> '' ORDER BY 1"
        ),
    )
    .await?;
    Ok(rows.into_iter().filter_map(|r| r.team).collect())
}

/// The last day with usage in the lake.
pub async fn last_usage_day(session: &Session) -> Result<NaiveDate> {
    #[derive(Deserialize)]
    struct Row {
        day: Option<String>,
    }
    let rows: Vec<Row> = query(
        session,
        "SELECT CAST(max(line_item_usage_start_date) AS DATE) AS day FROM cur",
    )
    .await?;
    let day = rows.into_iter().next().and_then(|r| r.day).ok_or_else(|| {
        Error::InvalidArgument("the lake holds no cost data (ingest a CUR first)".into())
    })?;
    parse_iso_day(&day)
}

/// A `YYYY-MM-DD` day from a query result.
pub(crate) fn parse_iso_day(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|e| Error::Decode(serde::de::Error::custom(format!("day `{text}`: {e}"))))
}

/// The last complete ISO week up to `last_day` (its own week when it is a Sunday).
pub fn last_complete_week(last_day: NaiveDate) -> IsoWeek {
    let week = IsoWeek::containing(last_day);
    if last_day.weekday() == Weekday::Sun {
        week
    } else {
        week.minus(1)
    }
}

/// Everything a section source needs to know about the report being made.
#[derive(Debug, Clone)]
pub struct ReportContext {
    pub team: String,
    /// Who owns a line.
    pub team_expr: TeamExpr,
    pub week: IsoWeek,
    /// Weeks of history, the report week included.
    pub history_weeks: u32,
    pub data_through: NaiveDate,
}

impl ReportContext {
    /// The first week of the history.
    pub fn first_week(&self) -> IsoWeek {
        self.week.minus(self.history_weeks.saturating_sub(1))
    }

    /// A predicate over `cur_amortized` selecting the team's lines.
    pub fn team_predicate(&self) -> String {
        format!("({}) = {}", self.team_expr.sql(), literal(&self.team))
    }
}

/// Builds the weekly report of `options.team`.
pub async fn build_weekly(session: &Session, options: &WeeklyOptions) -> Result<WeeklyReport> {
    let known = teams(session, options.rules.as_ref()).await?;
    if !known.contains(&options.team) {
        return Err(unknown_team(&options.team, &known));
    }
    let data_through = last_usage_day(session).await?;
    let week = options
        .week
        .unwrap_or_else(|| last_complete_week(data_through));
    let team_expr = team_expr(options.rules.as_ref());
    let source = team_expr.to_string();
    let context = ReportContext {
        team: options.team.clone(),
        team_expr,
        week,
        history_weeks: match options.history_weeks {
            0 => DEFAULT_HISTORY_WEEKS,
            n => n,
        },
        data_through,
    };
    let top = match options.top_movers {
        0 => DEFAULT_TOP_MOVERS,
        n => n,
    };
    let store = options.store.as_deref();
    let mut notes = Vec::new();
    if data_through < week.monday() {
        return Err(Error::InvalidArgument(format!(
            "week {week} starts after the last day with usage ({data_through})"
        )));
    }
    if data_through < week.sunday() {
        notes.push(format!(
            "the week is incomplete: usage is billed through {data_through}"
        ));
    }
    if options.rules.is_some() {
        notes.push(
            "cost is the team's direct cost by the allocation rules; shared pools are not split in"
                .to_string()
                + " this report (costscope allocate shows them)",
        );
    }
    let (cost, currency) = sources::cost_trend(session, &context, top).await?;
    let budgets = sources::budgets(session, &context, &options.budgets).await?;
    if !options.budgets.is_empty() && budgets.is_empty() {
        notes.push(format!(
            "{} has no budget scoped to team={}",
            options.budgets_origin.as_deref().unwrap_or("the budgets"),
            options.team
        ));
    }
    let unit_costs = sources::unit_costs(session, &context, &options.units).await?;
    let score = sources::score(session, store, &context).await?;
    let mut recommendations = sources::recommendations(session, store, &context).await?;
    recommendations.sort_by(|a, b| b.monthly_saving.total_cmp(&a.monthly_saving));
    recommendations.truncate(DEFAULT_TOP_RECOMMENDATIONS);
    let mut anomalies = sources::anomalies(session, store, &context).await?;
    anomalies.sort_by(|a, b| b.impact.total_cmp(&a.impact));
    Ok(WeeklyReport {
        header: Header {
            team: options.team.clone(),
            week: week.to_string(),
            start: week.monday().to_string(),
            end: week.sunday().to_string(),
            generated_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            measure: crate::measure::CostMeasure::Amortized.name().to_string(),
            currency: currency.unwrap_or_default(),
            team_source: source,
            data_through: data_through.to_string(),
        },
        cost,
        budgets,
        unit_costs,
        score,
        recommendations,
        anomalies,
        notes,
    })
}

/// The error for a team that is not among `known`.
pub fn unknown_team(team: &str, known: &[String]) -> Error {
    let list = if known.is_empty() {
        "none (no line has a user_team tag)".to_string()
    } else {
        known.join(", ")
    };
    Error::InvalidArgument(format!("unknown team `{team}`; known teams: {list}"))
}

impl WeeklyReport {
    /// The file name stem: `<team>-<week>`, with characters unsafe in file names replaced.
    pub fn file_stem(&self) -> String {
        let team: String = self
            .header
            .team
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let team = team.trim_start_matches('.');
        format!(
            "{}-{}",
            if team.is_empty() { "team" } else { team },
            self.header.week
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_weeks_parse_print_and_step() {
        let week: IsoWeek = "2026-W43".parse().expect("week");
        assert_eq!(week.monday().to_string(), "2026-10-19");
        assert_eq!(week.sunday().to_string(), "2026-10-25");
        assert_eq!(week.to_string(), "2026-W43");
        assert_eq!(week.minus(1).to_string(), "2026-W42");
        assert_eq!(
            "2020w53".parse::<IsoWeek>().expect("w53").to_string(),
            "2020-W53"
        );
        assert!("2026-W54".parse::<IsoWeek>().is_err());
        assert!("2026-10".parse::<IsoWeek>().is_err());
        let saturday = NaiveDate::from_ymd_opt(2026, 10, 31).expect("day");
        assert_eq!(last_complete_week(saturday).to_string(), "2026-W43");
        let sunday = NaiveDate::from_ymd_opt(2026, 10, 25).expect("day");
        assert_eq!(last_complete_week(sunday).to_string(), "2026-W43");
    }

    #[test]
    fn unit_specs_need_an_app_and_a_metric() {
        let spec: UnitSpec = "clickstream:invocations".parse().expect("spec");
        assert_eq!(spec.app, "clickstream");
        assert!("clickstream".parse::<UnitSpec>().is_err());
        assert!(":orders".parse::<UnitSpec>().is_err());
    }
}
