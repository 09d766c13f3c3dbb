//! Backtesting month-end forecasts: for every as-of day in a held-out month, project the
//! month's total from the data up to that day (recurring charges of the month treated as
//! not billed yet), and compare with the month's actual total. Reports the mean absolute
//! percentage error (MAPE) and how often the prediction interval held the actual.

use chrono::{Datelike, Days, Months, NaiveDate};
use costscope_query::Session;
use serde::Serialize;

use costscope_core::TeamExpr;

use super::definition::{Measure, Scope, month_start, parse_month};
use super::projection::{ProjectionSettings, project};
use super::series::{ScopeSeries, last_usage_day, load_series};
use super::{DEFAULT_HISTORY_DAYS, check_settings};
use crate::forecast::{DEFAULT_CONFIDENCE, iso_date};
use crate::records::query;
use crate::{Error, Result};

/// The coverages every backtest reports beside the requested one.
pub const NOMINAL_LEVELS: [f64; 3] = [0.5, 0.8, 0.95];

/// How the intervals are made, as the backtest's header states it.
pub const INTERVAL_METHOD: &str = "conformal: quantiles of the forecaster's own errors on \
    month-end sums from rolling origins over each scope's history (state-space variance \
    where the history is too short)";

/// What to backtest.
#[derive(Debug, Clone)]
pub struct BacktestOptions {
    /// Scopes besides the whole organisation (`overall`, always included first).
    /// Empty: every linked account.
    pub scopes: Vec<Scope>,
    pub measure: Measure,
    /// The held-out month, `YYYY-MM`; `None`: the last complete month in the lake.
    pub month: Option<String>,
    /// The first as-of day of the month; every later day but the last is one too.
    pub first_as_of_day: u32,
    pub team: TeamExpr,
    pub confidence: f64,
    pub history_days: usize,
}

impl Default for BacktestOptions {
    fn default() -> Self {
        BacktestOptions {
            scopes: Vec::new(),
            measure: Measure::default(),
            month: None,
            first_as_of_day: 7,
            team: TeamExpr::default(),
            confidence: DEFAULT_CONFIDENCE,
            history_days: DEFAULT_HISTORY_DAYS,
        }
    }
}

/// Forecast errors over a held-out month.
#[derive(Debug, Clone, Serialize)]
pub struct BacktestReport {
    /// The held-out month, `YYYY-MM`.
    pub month: String,
    pub measure: Measure,
    pub confidence: f64,
    /// The as-of days forecasts were made on.
    #[serde(serialize_with = "iso_dates")]
    pub as_of_dates: Vec<NaiveDate>,
    /// MAPE (percent) of the whole organisation's month-end forecasts.
    pub mape: f64,
    /// Share of the organisation's forecasts whose interval held the actual total.
    pub coverage: f64,
    /// How the intervals are made.
    pub interval_method: &'static str,
    /// The organisation's coverage at each of [`NOMINAL_LEVELS`].
    pub coverage_by_level: Vec<LevelCoverage>,
    /// Per scope, the organisation first.
    pub scopes: Vec<ScopeBacktest>,
}

/// One scope's errors.
#[derive(Debug, Clone, Serialize)]
pub struct ScopeBacktest {
    pub scope: Scope,
    /// The month's actual total.
    pub actual: f64,
    /// Mean absolute percentage error over the as-of days, percent.
    pub mape: f64,
    /// The largest absolute percentage error, percent.
    pub max_ape: f64,
    /// Share of as-of days whose interval held the actual.
    pub coverage: f64,
    /// Coverage at each of [`NOMINAL_LEVELS`].
    pub coverage_by_level: Vec<LevelCoverage>,
    pub points: Vec<BacktestPoint>,
}

/// The share of as-of days whose interval at `confidence` held the actual.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct LevelCoverage {
    pub confidence: f64,
    pub coverage: f64,
}

/// A forecast's interval at one coverage.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct LevelInterval {
    pub confidence: f64,
    pub lower: f64,
    pub upper: f64,
}

/// One month-end forecast.
#[derive(Debug, Clone, Serialize)]
pub struct BacktestPoint {
    #[serde(serialize_with = "iso_date")]
    pub as_of: NaiveDate,
    pub mean: f64,
    pub lower: f64,
    pub upper: f64,
    /// Absolute percentage error of the mean, percent.
    pub ape: f64,
    /// The interval at each of [`NOMINAL_LEVELS`].
    pub intervals: Vec<LevelInterval>,
}

/// Backtests month-end forecasts over the held-out month of `options`.
pub async fn backtest(session: &Session, options: &BacktestOptions) -> Result<BacktestReport> {
    check_settings(options.confidence, options.history_days)?;
    let month_first = match &options.month {
        Some(text) => parse_month(text).map_err(Error::InvalidArgument)?,
        None => last_complete_month(session).await?,
    };
    let month_last = month_first
        .checked_add_months(Months::new(1))
        .and_then(|d| d.pred_opt())
        .ok_or_else(|| Error::InvalidArgument(format!("{month_first} is out of range")))?;
    if options.first_as_of_day < 1 || options.first_as_of_day >= month_last.day() {
        return Err(Error::InvalidArgument(format!(
            "the first as-of day must be between 1 and {}, not {}",
            month_last.day() - 1,
            options.first_as_of_day
        )));
    }
    let as_of_dates: Vec<NaiveDate> = (options.first_as_of_day..month_last.day())
        .filter_map(|d| month_first.with_day(d))
        .collect();

    let mut scopes = vec![Scope::Overall];
    if options.scopes.is_empty() {
        scopes.extend(accounts(session).await?.into_iter().map(Scope::Account));
    } else {
        scopes.extend(
            options
                .scopes
                .iter()
                .filter(|s| **s != Scope::Overall)
                .cloned(),
        );
    }
    let keys: Vec<(Scope, Measure)> = scopes
        .iter()
        .map(|s| (s.clone(), options.measure))
        .collect();
    let history_start = month_first
        .checked_sub_days(Days::new(options.history_days as u64))
        .unwrap_or(month_first);
    let series = load_series(session, &keys, &options.team, history_start, month_last).await?;
    let settings = ProjectionSettings {
        history_days: options.history_days,
        confidence: options.confidence,
        hide_current_recurring: true,
    };
    let results: Vec<ScopeBacktest> = scopes
        .into_iter()
        .zip(&series)
        .map(|(scope, series)| {
            scope_backtest(
                scope,
                series,
                (month_first, month_last),
                &as_of_dates,
                settings,
            )
        })
        .collect();
    let organisation = &results[0];
    Ok(BacktestReport {
        month: month_first.format("%Y-%m").to_string(),
        measure: options.measure,
        confidence: options.confidence,
        as_of_dates,
        mape: organisation.mape,
        coverage: organisation.coverage,
        interval_method: INTERVAL_METHOD,
        coverage_by_level: organisation.coverage_by_level.clone(),
        scopes: results,
    })
}

fn scope_backtest(
    scope: Scope,
    series: &ScopeSeries,
    month: (NaiveDate, NaiveDate),
    as_of_dates: &[NaiveDate],
    settings: ProjectionSettings,
) -> ScopeBacktest {
    let actual =
        series.daily_between(month.0, month.1) + series.recurring_between(month.0, month.1);
    let points: Vec<BacktestPoint> = as_of_dates
        .iter()
        .map(|as_of| {
            let projection = project(series, month, *as_of, settings);
            let total = projection.total;
            BacktestPoint {
                as_of: *as_of,
                mean: total.mean,
                lower: total.lower,
                upper: total.upper,
                ape: absolute_percentage_error(total.mean, actual),
                intervals: NOMINAL_LEVELS
                    .iter()
                    .map(|confidence| {
                        let interval = projection.total_at(*confidence);
                        LevelInterval {
                            confidence: *confidence,
                            lower: interval.lower,
                            upper: interval.upper,
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let count = points.len().max(1) as f64;
    let share = |held: &dyn Fn(&BacktestPoint) -> bool| {
        points.iter().filter(|p| held(p)).count() as f64 / count
    };
    let coverage = share(&|p| (p.lower..=p.upper).contains(&actual));
    let coverage_by_level = NOMINAL_LEVELS
        .iter()
        .enumerate()
        .map(|(i, confidence)| LevelCoverage {
            confidence: *confidence,
            coverage: share(&|p| {
                p.intervals
                    .get(i)
                    .is_some_and(|l| (l.lower..=l.upper).contains(&actual))
            }),
        })
        .collect();
    ScopeBacktest {
        scope,
        actual,
        mape: points.iter().map(|p| p.ape).sum::<f64>() / count,
        max_ape: points.iter().map(|p| p.ape).fold(0.0, f64::max),
        coverage,
        coverage_by_level,
        points,
    }
}

fn absolute_percentage_error(forecast: f64, actual: f64) -> f64 {
    if actual == 0.0 {
        if forecast == 0.0 { 0.0 } else { 100.0 }
    } else {
        ((forecast - actual) / actual).abs() * 100.0
    }
}

/// The last month whose final day has usage in the lake.
async fn last_complete_month(session: &Session) -> Result<NaiveDate> {
    let last = last_usage_day(session).await?.ok_or_else(|| {
        Error::InvalidArgument("the lake holds no cost data (ingest a CUR first)".into())
    })?;
    let month = month_start(last);
    let complete = last.succ_opt().is_some_and(|next| next.day() == 1);
    if complete {
        Ok(month)
    } else {
        month
            .checked_sub_months(Months::new(1))
            .ok_or_else(|| Error::InvalidArgument(format!("no complete month before {last}")))
    }
}

/// The linked accounts with cost, by name (id where unnamed).
async fn accounts(session: &Session) -> Result<Vec<String>> {
    #[derive(serde::Deserialize)]
    struct Row {
        account: Option<String>,
    }
    let rows: Vec<Row> = query(
        session,
        "SELECT DISTINCT coalesce(line_item_usage_account_name, line_item_usage_account_id) AS account \
         FROM cur ORDER BY 1",
    )
    .await?;
    Ok(rows.into_iter().filter_map(|r| r.account).collect())
}

fn iso_dates<S: serde::Serializer>(dates: &[NaiveDate], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(dates.iter().map(|d| d.format("%Y-%m-%d").to_string()))
}
