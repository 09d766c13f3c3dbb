//! Forecasting a daily series (a cost, a usage amount, a business metric) with a trend and
//! a weekly season, an interval calibrated on the forecaster's own errors, and a level that
//! follows a change once it is established.
//!
//! The model is additive Holt-Winters with a damped trend and a seven-day season, in its
//! innovations (ETS(A,Ad,A)) form. Its four smoothing parameters are chosen on a small grid
//! (damping 1.0 included, i.e. an undamped trend is allowed) by minimising the squared
//! error of the forecasts 1 to 14 days ahead made from every day of the history (a
//! multi-step criterion: month-end totals depend on the slope, which one-step errors barely
//! constrain). Why this model: cloud cost trends, and has office-hours workloads that stop
//! at weekends; damping keeps a recent slope from being extrapolated too far.
//!
//! Cloud cost also jumps: a burst for a day, a fleet scaled out for good, a new service.
//! The smoother ([`smoother`]) leaves outlier days out of the level and trend, and takes
//! three outliers in a row on one side as a level shift: the level moves to the new one and
//! the trend is left as it was, so a jump is never extrapolated as a slope.
//!
//! The interval of a forecast total ([`calibration`]) is conformal: the quantiles of the
//! relative errors the same model made forecasting sums of as many days from every earlier
//! day of the history (rolling origins). It is widened while a change is uncertain (a new
//! level known from few days; outliers at the end that may or may not stay). Daily points
//! keep the state-space interval of the model.
//!
//! Short histories (under two weeks) fall back to the mean of the last week with the
//! variance of a mean forecast. Missing days inside the history count as zero.

mod calibration;
mod fit;
mod normal;
mod smoother;

use chrono::NaiveDate;
use serde::Serialize;

pub use calibration::Spread;
pub use fit::{HoltWinters, Model, Parameters};
pub use smoother::{OUTLIER_SCALES, OUTLIER_SHARE, SHIFT_DAYS, median};

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
    /// How the total's interval was made: `conformal` (the model's rolling-origin errors
    /// on this history), `state-space` (the model's variance, short histories) or `mean`.
    pub interval_method: &'static str,
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
    /// What the total's interval is made from, for intervals at other coverages.
    #[serde(skip)]
    pub spread: Spread,
}

impl Forecast {
    /// The total's interval at another coverage.
    pub fn total_at(&self, confidence: f64) -> Interval {
        self.spread.interval(self.total.mean, confidence)
    }
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
