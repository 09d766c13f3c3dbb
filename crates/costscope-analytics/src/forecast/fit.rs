//! Fitting the damped additive Holt-Winters model on a grid, and forecasting from it.

use chrono::{Days, NaiveDate};
use serde::Serialize;

use super::{Forecast, ForecastPoint, Interval, MIN_SEASONAL_HISTORY, SEASON, z_score};

/// Level smoothing candidates.
const ALPHAS: [f64; 8] = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 0.9];
/// Trend smoothing candidates (as a share of the level update).
const BETAS: [f64; 4] = [0.0, 0.05, 0.1, 0.2];
/// Season smoothing candidates.
const GAMMAS: [f64; 5] = [0.0, 0.05, 0.1, 0.2, 0.3];
/// Trend damping candidates.
const PHIS: [f64; 5] = [0.8, 0.9, 0.95, 0.98, 1.0];
/// Horizons (days) the fit scores forecasts at.
const SCORED_HORIZON: usize = 14;

/// The smoothing parameters of the Holt-Winters model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Parameters {
    /// Level smoothing.
    pub alpha: f64,
    /// Trend smoothing, relative to the level's (the Holt form's β*).
    pub beta: f64,
    /// Season smoothing (innovations form).
    pub gamma: f64,
    /// Trend damping per day.
    pub phi: f64,
}

/// A model fitted to a dense daily series.
#[derive(Debug, Clone)]
pub enum Model {
    /// Too little history for a season: the mean of the last week.
    Mean {
        mean: f64,
        sd: f64,
        /// Days the mean is taken over.
        days: usize,
        non_negative: bool,
    },
    /// Damped additive Holt-Winters with a weekly season.
    HoltWinters {
        parameters: Parameters,
        /// Level, trend and season after the last day (season[i] is for the day `i` days
        /// after the last one, modulo the season).
        level: f64,
        trend: f64,
        season: [f64; SEASON],
        sd: f64,
        /// One-step-ahead predictions of every history day.
        fitted: Vec<f64>,
        non_negative: bool,
        /// The history (leading zeros dropped) and the state before it, to measure
        /// in-sample errors of multi-day sums.
        history: Vec<f64>,
        initial: Box<State>,
    },
}

/// The state the smoother carries from day to day.
#[derive(Debug, Clone, Copy)]
pub struct State {
    level: f64,
    trend: f64,
    /// season[t % 7] is the seasonal term of day t.
    season: [f64; SEASON],
}

impl Model {
    /// Fits `values` (one per consecutive day). Leading zeros (days before the series
    /// existed) are ignored.
    pub fn fit(values: &[f64]) -> Model {
        let non_negative = values.iter().all(|v| *v >= 0.0);
        let start = values
            .iter()
            .position(|v| *v != 0.0)
            .unwrap_or(values.len());
        let values = &values[start..];
        if values.len() < MIN_SEASONAL_HISTORY {
            return mean_model(values, non_negative);
        }
        let initial = initial_state(values);
        let mut best: Option<(f64, Parameters)> = None;
        for alpha in ALPHAS {
            for beta in BETAS {
                for gamma in GAMMAS.into_iter().filter(|g| *g <= 1.0 - alpha) {
                    for phi in PHIS {
                        let parameters = Parameters {
                            alpha,
                            beta,
                            gamma,
                            phi,
                        };
                        let sse = multi_step_error(values, initial, parameters);
                        if best.is_none_or(|(b, _)| sse < b) {
                            best = Some((sse, parameters));
                        }
                    }
                }
            }
        }
        let Some((_, parameters)) = best else {
            return mean_model(values, non_negative);
        };
        let mut fitted = Vec::with_capacity(values.len());
        let (state, sse) = smooth(values, initial, parameters, Some(&mut fitted));
        let scored = values.len() - SEASON;
        let sd = (sse / scored.max(1) as f64).sqrt();
        let n = values.len();
        let season = std::array::from_fn(|i| state.season[(n + i) % SEASON]);
        let mut all_fitted = vec![0.0; start];
        all_fitted.extend(fitted);
        Model::HoltWinters {
            parameters,
            level: state.level,
            trend: state.trend,
            season,
            sd,
            fitted: all_fitted,
            non_negative,
            history: values.to_vec(),
            initial: Box::new(initial),
        }
    }

    /// Standard deviation of the one-step-ahead errors.
    pub fn residual_sd(&self) -> f64 {
        match self {
            Model::Mean { sd, .. } | Model::HoltWinters { sd, .. } => *sd,
        }
    }

    /// One-step-ahead predictions of the history days (empty for the mean model), for
    /// residual-based checks such as anomaly detection.
    pub fn fitted(&self) -> &[f64] {
        match self {
            Model::Mean { .. } => &[],
            Model::HoltWinters { fitted, .. } => fitted,
        }
    }

    /// Forecasts `horizon` days starting on `first_date` (the day after the history).
    pub fn forecast(
        &self,
        first_date: Option<NaiveDate>,
        horizon: usize,
        confidence: f64,
    ) -> Forecast {
        let z = z_score(confidence);
        let (means, daily_variance, total_variance) = self.moments(horizon);
        let non_negative = match self {
            Model::Mean { non_negative, .. } | Model::HoltWinters { non_negative, .. } => {
                *non_negative
            }
        };
        let floor = |v: f64| if non_negative { v.max(0.0) } else { v };
        let points = first_date
            .map(|first| {
                means
                    .iter()
                    .zip(&daily_variance)
                    .enumerate()
                    .filter_map(|(h, (mean, variance))| {
                        let sd = variance.sqrt();
                        Some(ForecastPoint {
                            date: first.checked_add_days(Days::new(h as u64))?,
                            mean: floor(*mean),
                            lower: floor(mean - z * sd),
                            upper: floor(mean + z * sd),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let total_mean: f64 = means.iter().map(|m| floor(*m)).sum();
        let total_sd = total_variance.sqrt();
        let (method, parameters) = match self {
            Model::Mean { .. } => ("mean", None),
            Model::HoltWinters { parameters, .. } => ("holt-winters", Some(*parameters)),
        };
        Forecast {
            method,
            parameters,
            confidence,
            residual_sd: self.residual_sd(),
            points,
            total: Interval {
                mean: total_mean,
                lower: floor(total_mean - z * total_sd),
                upper: floor(total_mean + z * total_sd),
                sd: total_sd,
            },
        }
    }

    /// Point forecasts, their error variances, and the error variance of their sum.
    fn moments(&self, horizon: usize) -> (Vec<f64>, Vec<f64>, f64) {
        match self {
            Model::Mean { mean, sd, days, .. } => {
                let variance = sd * sd;
                let per_day = variance * (1.0 + 1.0 / (*days).max(1) as f64);
                let h = horizon as f64;
                (
                    vec![*mean; horizon],
                    vec![per_day; horizon],
                    variance * (h + h * h / (*days).max(1) as f64),
                )
            }
            Model::HoltWinters {
                parameters,
                level,
                trend,
                season,
                sd,
                history,
                initial,
                ..
            } => {
                let Parameters {
                    alpha,
                    beta,
                    gamma,
                    phi,
                } = *parameters;
                let mut means = Vec::with_capacity(horizon);
                let mut damped = 0.0;
                let mut power = 1.0;
                // c[j] for j = 1..horizon: how much of today's error reaches day j ahead.
                let mut c = vec![0.0; horizon];
                for h in 1..=horizon {
                    power *= phi;
                    damped += power;
                    means.push(level + damped * trend + season[(h - 1) % SEASON]);
                    let seasonal = if h % SEASON == 0 { gamma } else { 0.0 };
                    c[h - 1] = alpha * (1.0 + beta * damped) + seasonal;
                }
                let variance = sd * sd;
                let mut daily = Vec::with_capacity(horizon);
                let mut squares = 0.0;
                for h in 1..=horizon {
                    daily.push(variance * (1.0 + squares));
                    squares += c[h - 1] * c[h - 1];
                }
                // Error of the sum: innovation k reaches every later day of the horizon.
                let mut cumulative = vec![0.0; horizon + 1];
                for j in 1..=horizon {
                    cumulative[j] = cumulative[j - 1] + c[j - 1];
                }
                let analytic = (1..=horizon)
                    .map(|k| (1.0 + cumulative[horizon - k]).powi(2))
                    .sum::<f64>()
                    * variance;
                // When the model misses something systematic (a trend that bends, a
                // season that scales), in-sample sums go wrong by more than the model
                // thinks: use their error when it is larger.
                let empirical = sum_error_variance(history, **initial, *parameters, horizon);
                (means, daily, analytic.max(empirical.unwrap_or(0.0)))
            }
        }
    }
}

fn mean_model(values: &[f64], non_negative: bool) -> Model {
    let recent = &values[values.len().saturating_sub(SEASON)..];
    let days = recent.len();
    let mean = if days == 0 {
        0.0
    } else {
        recent.iter().sum::<f64>() / days as f64
    };
    let sd = if days < 2 {
        mean.abs() * 0.25
    } else {
        (recent.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (days - 1) as f64).sqrt()
    };
    Model::Mean {
        mean,
        sd,
        days,
        non_negative,
    }
}

/// The state before the first day: level and trend from the means of the first two
/// weeks, season from the first weeks' deviations from their own week's mean.
fn initial_state(values: &[f64]) -> State {
    let weeks = (values.len() / SEASON).min(4);
    let week_mean =
        |w: usize| values[w * SEASON..(w + 1) * SEASON].iter().sum::<f64>() / SEASON as f64;
    let first = week_mean(0);
    let trend = (week_mean(weeks - 1) - first) / (SEASON * (weeks - 1)) as f64;
    let mut season = [0.0; SEASON];
    for w in 0..weeks {
        let mean = week_mean(w);
        for (d, s) in season.iter_mut().enumerate() {
            // Remove the trend within the week so it does not leak into the season.
            let detrended = values[w * SEASON + d] - trend * (d as f64 - 3.0);
            *s += (detrended - mean) / weeks as f64;
        }
    }
    State {
        // The first week's mean sits at its middle day (day 3); step back to day -1.
        level: first - 4.0 * trend,
        trend,
        season,
    }
}

/// The squared errors of forecasts 1 to [`SCORED_HORIZON`] days ahead from every day
/// after the first week: parameters are scored on the horizons budgets need, not
/// only on the next day (which favours a slope that fits today but drifts by month end).
fn multi_step_error(values: &[f64], initial: State, parameters: Parameters) -> f64 {
    let Parameters {
        alpha,
        beta,
        gamma,
        phi,
    } = parameters;
    let mut state = initial;
    let mut total = 0.0;
    for (t, value) in values.iter().enumerate() {
        if t >= SEASON {
            let mut damped = 0.0;
            let mut power = 1.0;
            for (h, actual) in values[t..].iter().take(SCORED_HORIZON).enumerate() {
                power *= phi;
                damped += power;
                let forecast = state.level + damped * state.trend + state.season[(t + h) % SEASON];
                total += (actual - forecast).powi(2);
            }
        }
        let slot = t % SEASON;
        let damped_trend = phi * state.trend;
        let error = value - (state.level + damped_trend + state.season[slot]);
        state.level += damped_trend + alpha * error;
        state.trend = damped_trend + alpha * beta * error;
        state.season[slot] += gamma * error;
    }
    total
}

/// The mean squared error of in-sample forecasts of `horizon`-day sums, from every day
/// after the first week that has `horizon` days after it; `None` with fewer than seven.
fn sum_error_variance(
    values: &[f64],
    initial: State,
    parameters: Parameters,
    horizon: usize,
) -> Option<f64> {
    let Parameters {
        alpha,
        beta,
        gamma,
        phi,
    } = parameters;
    if horizon == 0 {
        return Some(0.0);
    }
    let mut state = initial;
    let (mut total, mut count) = (0.0, 0usize);
    for (t, value) in values.iter().enumerate() {
        if t >= SEASON && t + horizon <= values.len() {
            let mut damped = 0.0;
            let mut power = 1.0;
            let mut error = 0.0;
            for (h, actual) in values[t..t + horizon].iter().enumerate() {
                power *= phi;
                damped += power;
                error +=
                    actual - (state.level + damped * state.trend + state.season[(t + h) % SEASON]);
            }
            total += error * error;
            count += 1;
        }
        let slot = t % SEASON;
        let damped_trend = phi * state.trend;
        let error = value - (state.level + damped_trend + state.season[slot]);
        state.level += damped_trend + alpha * error;
        state.trend = damped_trend + alpha * beta * error;
        state.season[slot] += gamma * error;
    }
    (count >= SEASON).then(|| total / count as f64)
}

/// Runs the smoother over `values`; returns the final state and the sum of squared
/// one-step errors after the first week (the start-up period).
fn smooth(
    values: &[f64],
    initial: State,
    parameters: Parameters,
    mut fitted: Option<&mut Vec<f64>>,
) -> (State, f64) {
    let Parameters {
        alpha,
        beta,
        gamma,
        phi,
    } = parameters;
    let mut state = initial;
    let mut sse = 0.0;
    for (t, value) in values.iter().enumerate() {
        let slot = t % SEASON;
        let damped_trend = phi * state.trend;
        let prediction = state.level + damped_trend + state.season[slot];
        if let Some(fitted) = fitted.as_deref_mut() {
            fitted.push(prediction);
        }
        let error = value - prediction;
        if t >= SEASON {
            sse += error * error;
        }
        state.level += damped_trend + alpha * error;
        state.trend = damped_trend + alpha * beta * error;
        state.season[slot] += gamma * error;
    }
    (state, sse)
}
