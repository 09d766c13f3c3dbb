//! Forecasting a daily series (a cost, a usage amount, a business metric) with a trend and
//! a weekly season, and a prediction interval that widens with the horizon.
//!
//! The model is additive Holt-Winters with a damped trend and a seven-day season, in its
//! innovations (ETS(A,Ad,A)) form. Its four smoothing parameters are chosen on a small grid
//! (damping 1.0 included, i.e. an undamped trend is allowed) by minimising the squared
//! error of the forecasts 1 to 14 days ahead made from every day of the history (a
//! multi-step criterion: month-end totals depend on the slope, which one-step errors barely
//! constrain). Why this model:
//! cloud cost moves in steps (a fleet is resized, a fix ships) as well as trends, and an
//! exponentially weighted level follows a step within days where a regression over the whole
//! history would average it away; damping keeps a recent slope from being extrapolated too
//! far; and the season captures office-hours workloads that stop at weekends.
//!
//! Prediction intervals come from the same state-space model: with one-step residual
//! standard deviation `σ` and `c_j = α(1 + βφ_j) + γ·[j mod 7 = 0]`, the error `h` days
//! ahead has variance `σ²(1 + Σ_{j<h} c_j²)`, and the error of the *sum* over the next `H`
//! days has variance `σ² Σ_{k=1..H} (1 + Σ_{j=1..H-k} c_j)²`. The second accounts for
//! errors that persist from one day to the next (a level error is repeated every remaining
//! day), so the interval of a month-end total is neither the sum of daily bounds (far too
//! wide) nor `√H` times a daily one (too narrow when the level itself is uncertain).
//! Where the model misses something systematic, in-sample forecasts of `H`-day sums err by
//! more than that: their root mean squared error is used instead when it is larger.
//!
//! Short histories (under two weeks) fall back to the mean of the last week with the
//! variance of a mean forecast. Missing days inside the history count as zero.

mod fit;
mod normal;

use chrono::NaiveDate;
use serde::Serialize;

pub use fit::{Model, Parameters};

/// Days in the seasonal cycle.
pub const SEASON: usize = 7;

/// Histories shorter than this use the mean model.
pub const MIN_SEASONAL_HISTORY: usize = 2 * SEASON;

/// The default coverage of prediction intervals.
pub const DEFAULT_CONFIDENCE: f64 = 0.8;

/// A forecast of the days after the history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forecast {
    /// The model that made it, e.g. `holt-winters` or `mean`.
    pub method: &'static str,
    /// The fitted parameters (absent for the mean model).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Parameters>,
    /// Coverage of the intervals, e.g. 0.8.
    pub confidence: f64,
    /// Standard deviation of the one-step-ahead errors over the history.
    pub residual_sd: f64,
    /// One point per day after the last day of the history.
    pub points: Vec<ForecastPoint>,
    /// The sum over all the points, with its own interval.
    pub total: Interval,
}

/// One forecast day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForecastPoint {
    #[serde(serialize_with = "iso_date")]
    pub date: NaiveDate,
    pub mean: f64,
    pub lower: f64,
    pub upper: f64,
}

/// A point forecast with its prediction interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    pub mean: f64,
    pub lower: f64,
    pub upper: f64,
    /// Standard deviation of the forecast error.
    pub sd: f64,
}

impl Interval {
    /// A value known exactly.
    pub fn exact(value: f64) -> Self {
        Interval {
            mean: value,
            lower: value,
            upper: value,
            sd: 0.0,
        }
    }

    /// The interval shifted by a known amount.
    pub fn plus(self, value: f64) -> Self {
        Interval {
            mean: self.mean + value,
            lower: self.lower + value,
            upper: self.upper + value,
            sd: self.sd,
        }
    }
}

/// Forecasts `horizon_days` days after the last date of `history` with an 80% interval.
/// `history` holds (date, value) pairs in any order; repeated dates are added up and
/// missing days count as zero.
pub fn forecast_daily(history: &[(NaiveDate, f64)], horizon_days: usize) -> Forecast {
    forecast_daily_with(history, horizon_days, DEFAULT_CONFIDENCE)
}

/// [`forecast_daily`] with intervals of the given coverage (in (0, 1); clamped).
pub fn forecast_daily_with(
    history: &[(NaiveDate, f64)],
    horizon_days: usize,
    confidence: f64,
) -> Forecast {
    let (first, values) = dense(history);
    let model = Model::fit(&values);
    let last = first.and_then(|d| d.checked_add_days(chrono::Days::new(values.len() as u64)));
    model.forecast(last, horizon_days, confidence)
}

/// Values for every day from the first date of `history` to the last (zeros filled in).
pub fn dense(history: &[(NaiveDate, f64)]) -> (Option<NaiveDate>, Vec<f64>) {
    let Some(first) = history.iter().map(|(d, _)| *d).min() else {
        return (None, Vec::new());
    };
    let last = history.iter().map(|(d, _)| *d).max().unwrap_or(first);
    let mut values = vec![0.0; (last - first).num_days() as usize + 1];
    for (date, value) in history {
        values[(*date - first).num_days() as usize] += value;
    }
    (Some(first), values)
}

/// The two-sided standard normal quantile for `confidence` (1.2816 for 0.8).
pub fn z_score(confidence: f64) -> f64 {
    let confidence = confidence.clamp(0.01, 0.9999);
    normal::quantile(0.5 + confidence / 2.0)
}

/// Serialises a date as `YYYY-MM-DD`.
pub(crate) fn iso_date<S: serde::Serializer>(
    date: &NaiveDate,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&date.format("%Y-%m-%d"))
}

#[cfg(test)]
mod tests;
