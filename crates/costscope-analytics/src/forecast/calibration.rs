//! Intervals of a forecast total calibrated on the forecaster's own errors (split conformal
//! prediction over rolling origins).
//!
//! From every day `t` of the history from the fourth week on that has `H` days after it, the
//! smoother's state before `t` (as it was then, with a change not yet established left out)
//! forecasts the sum of days `t..t+H`; its error relative to that forecast is one score.
//! An interval at coverage `c` runs from the `(1-c)/2` to the `(1+c)/2` quantile of the
//! scores (conformal ranks `⌈(n+1)p⌉`), times the forecast. The scores are of the horizon
//! asked for, so the width follows how far the forecaster has been off over as many days
//! on this very series: noisy scopes, scopes that change often, weekly patterns and
//! trends the model follows badly all widen it; steady ones narrow it.
//!
//! The interval is never narrower than independent daily noise allows, is widened for a
//! level shift established on few days (the new level's standard error on every
//! remaining day), and covers both readings of outliers at the end (see
//! [`super::smoother`]). A history too short for [`MIN_ORIGINS`] origins of `H` days is
//! scored on the longest horizon it has them for; one too short for any uses the
//! state-space variance of the model instead.

use super::smoother::State;
use super::{Interval, SEASON, z_score};

/// Origins needed for conformal intervals.
pub const MIN_ORIGINS: usize = 14;
/// Origins start after the smoother has run for this many days.
const WARM_UP: usize = 3 * SEASON;

/// The relative errors of the forecasts of `horizon`-day sums from every origin of the
/// history, sorted. A history too short for [`MIN_ORIGINS`] origins of that horizon is
/// scored on the longest horizon it has them for: relative errors of shorter sums are
/// at least as wide for noise (which averages out over more days) and as wide for a level
/// that is off (which is off by the same share every day). `None` when no horizon has.
pub fn relative_sum_errors(
    history: &[f64],
    origins: &[State],
    phi: f64,
    horizon: usize,
    non_negative: bool,
) -> Option<(Vec<f64>, usize)> {
    let longest = (history.len() + 1).checked_sub(WARM_UP + MIN_ORIGINS)?;
    let horizon = horizon.min(longest);
    if horizon == 0 {
        return None;
    }
    let mut errors = Vec::new();
    for t in WARM_UP..=history.len() - horizon {
        let state = origins.get(t)?;
        let mut damped = 0.0;
        let mut power = 1.0;
        let mut forecast = 0.0;
        for h in 0..horizon {
            power *= phi;
            damped += power;
            let day = state.level + damped * state.trend + state.season[(t + h) % SEASON];
            forecast += if non_negative { day.max(0.0) } else { day };
        }
        let actual: f64 = history[t..t + horizon].iter().sum();
        if forecast > 0.0 {
            errors.push((actual - forecast) / forecast);
        }
    }
    errors.sort_by(f64::total_cmp);
    (errors.len() >= MIN_ORIGINS).then_some((errors, horizon))
}

/// How far a forecast total may be off, at any coverage.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Spread {
    method: &'static str,
    /// Sorted relative errors of past forecasts over the same horizon (conformal).
    errors: Vec<f64>,
    /// How many of those forecasts cover days no other does (overlapping sums share
    /// their days' errors): the independent evidence the quantiles rest on.
    independent: f64,
    /// Standard deviation of a normal error (when there are no `errors`).
    sd: f64,
    /// The least standard deviation the interval allows (conformal).
    floor_sd: f64,
    /// An independent error added on top (a new level known from few days).
    pub extra_sd: f64,
    /// What the total would be off by if outliers at the end are a shift that stays.
    pub alternative: f64,
    /// Bounds below zero are raised to zero (a series that was never negative).
    pub non_negative: bool,
}

impl Spread {
    /// A normal error of standard deviation `sd`.
    pub fn normal(method: &'static str, sd: f64) -> Self {
        Spread {
            method,
            sd,
            ..Spread::default()
        }
    }

    /// Conformal: the sorted relative `errors` of sums of `days` days, no narrower than
    /// `floor_sd`.
    pub fn conformal(errors: Vec<f64>, days: usize, floor_sd: f64) -> Self {
        let independent = (errors.len() + days.max(1) - 1) as f64 / days.max(1) as f64;
        Spread {
            method: "conformal",
            independent,
            errors,
            floor_sd,
            ..Spread::default()
        }
    }

    /// `conformal`, `state-space` or `mean`.
    pub fn method(&self) -> &'static str {
        self.method
    }

    /// The interval of a total forecast as `mean`, at `confidence`.
    pub fn interval(&self, mean: f64, confidence: f64) -> Interval {
        let z = z_score(confidence);
        let (below, above) = if self.errors.is_empty() {
            (z * self.sd, z * self.sd)
        } else {
            let low = quantile_below(&self.errors, (1.0 - confidence) / 2.0).min(0.0);
            let high = quantile_above(&self.errors, (1.0 + confidence) / 2.0).max(0.0);
            // Quantiles resting on few independent sums are too narrow as often as too
            // wide, and a narrow one costs more coverage: widen them as a Student t
            // quantile widens a normal one.
            let widen = t_quantile(confidence, self.independent) / z;
            let least = z * self.floor_sd;
            (
                (-low * mean.abs() * widen).max(least),
                (high * mean.abs() * widen).max(least),
            )
        };
        let extra = z * self.extra_sd;
        let (below, above) = (below.hypot(extra), above.hypot(extra));
        let mut lower = mean + self.alternative.min(0.0) - below;
        let upper = mean + self.alternative.max(0.0) + above;
        if self.non_negative {
            lower = lower.max(0.0);
        }
        Interval {
            mean,
            lower,
            upper,
            sd: if z > 0.0 {
                (upper - lower) / (2.0 * z)
            } else {
                0.0
            },
        }
    }
}

/// The two-sided Student t quantile for `confidence` with `freedom` degrees of freedom
/// (at least 2), by the Cornish-Fisher expansion around the normal one.
fn t_quantile(confidence: f64, freedom: f64) -> f64 {
    let z = z_score(confidence);
    let v = freedom.max(2.0);
    z + (z.powi(3) + z) / (4.0 * v)
        + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * v * v)
}

/// The conformal upper quantile: the `⌈(n+1)p⌉`-th smallest (the largest when past `n`).
fn quantile_above(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    // Less a rounding error: (n + 1)·p is often a whole number.
    let rank = ((n + 1) as f64 * p - 1e-9).ceil() as usize;
    sorted[rank.clamp(1, n) - 1]
}

/// The conformal lower quantile: the `⌊(n+1)p⌋`-th smallest (the smallest when below 1).
fn quantile_below(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    let rank = ((n + 1) as f64 * p + 1e-9).floor() as usize;
    sorted[rank.clamp(1, n) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conformal_ranks() {
        let errors: Vec<f64> = (1..=19).map(|i| f64::from(i) / 100.0 - 0.1).collect();
        // n = 19: the 90% upper quantile is the 18th smallest, the 10% lower the 2nd.
        assert!((quantile_above(&errors, 0.9) - 0.08).abs() < 1e-12);
        assert!((quantile_below(&errors, 0.1) + 0.08).abs() < 1e-12);
        let spread = Spread::conformal(errors, 1, 0.0);
        // 19 independent one-day errors widen the quantiles by t(19)/z.
        let widen = t_quantile(0.8, 19.0) / z_score(0.8);
        assert!(widen > 1.0 && widen < 1.05);
        let interval = spread.interval(100.0, 0.8);
        assert!((interval.upper - 100.0 - 8.0 * widen).abs() < 1e-9);
        assert!((100.0 - interval.lower - 8.0 * widen).abs() < 1e-9);
    }

    #[test]
    fn outliers_at_the_end_widen_toward_the_shift() {
        let spread = Spread {
            alternative: 30.0,
            ..Spread::normal("state-space", 1.0)
        };
        let interval = spread.interval(100.0, 0.8);
        assert!(interval.upper > 130.0 && interval.lower < 100.0);
    }
}
