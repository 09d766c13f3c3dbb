//! Fitting the damped additive Holt-Winters model on a grid, and forecasting from it.

use chrono::{Days, NaiveDate};
use serde::Serialize;

use super::calibration::{self, Spread};
use super::smoother::{
    OUTLIER_SCALES, OUTLIER_SHARE, Pending, SHIFT_DAYS, Smoother, State, initial_scale,
};
use super::{Forecast, ForecastPoint, MIN_SEASONAL_HISTORY, SEASON, z_score};

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
    /// Damped additive Holt-Winters with a weekly season, robust to bursts and shifts.
    HoltWinters(Box<HoltWinters>),
}

/// A fitted Holt-Winters model and what its intervals are calibrated on.
#[derive(Debug, Clone)]
pub struct HoltWinters {
    pub parameters: Parameters,
    /// The state after the last day.
    state: State,
    /// The history (leading zeros dropped).
    history: Vec<f64>,
    /// `origins[t]`: the state before day `t` as the smoother had it then (a change not
    /// yet established left out), for rolling-origin errors.
    origins: Vec<State>,
    /// One-step-ahead predictions of every day of the original series.
    fitted: Vec<f64>,
    /// Root mean square of ordinary one-step errors.
    sd: f64,
    /// Running scale of ordinary errors at the end.
    scale: f64,
    /// Outliers at the end that may start a shift.
    pending: Option<Pending>,
    /// Days since the first day of the last established level shift.
    since_shift: Option<usize>,
    non_negative: bool,
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
        let scale = initial_scale(values);
        let changes = Changes::found(values, initial, scale);
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
                        let error = multi_step_error(values, initial, scale, parameters, &changes);
                        if best.is_none_or(|(b, _)| error < b) {
                            best = Some((error, parameters));
                        }
                    }
                }
            }
        }
        let Some((_, parameters)) = best else {
            return mean_model(values, non_negative);
        };
        let mut smoother = Smoother::new(parameters, initial, scale);
        let mut fitted = vec![0.0; start];
        let mut origins = Vec::with_capacity(values.len() + 1);
        for value in values {
            origins.push(smoother.state());
            fitted.push(smoother.step(*value));
        }
        origins.push(smoother.state());
        Model::HoltWinters(Box::new(HoltWinters {
            parameters,
            state: smoother.state(),
            history: values.to_vec(),
            origins,
            fitted,
            sd: smoother.residual_sd(),
            scale: smoother.scale(),
            pending: smoother.pending(),
            since_shift: smoother.last_shift().map(|first| values.len() - first),
            non_negative,
        }))
    }

    /// Standard deviation of the one-step-ahead errors (of ordinary days).
    pub fn residual_sd(&self) -> f64 {
        match self {
            Model::Mean { sd, .. } => *sd,
            Model::HoltWinters(model) => model.sd,
        }
    }

    /// One-step-ahead predictions of the history days (empty for the mean model), for
    /// residual-based checks such as anomaly detection.
    pub fn fitted(&self) -> &[f64] {
        match self {
            Model::Mean { .. } => &[],
            Model::HoltWinters(model) => &model.fitted,
        }
    }

    fn non_negative(&self) -> bool {
        match self {
            Model::Mean { non_negative, .. } => *non_negative,
            Model::HoltWinters(model) => model.non_negative,
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
        let (means, daily_variance) = self.moments(horizon);
        let non_negative = self.non_negative();
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
        let mut spread = self.spread(horizon);
        spread.non_negative = non_negative;
        let (method, parameters) = match self {
            Model::Mean { .. } => ("mean", None),
            Model::HoltWinters(model) => ("holt-winters", Some(model.parameters)),
        };
        let interval_method = spread.method();
        let total = spread.interval(total_mean, confidence);
        Forecast {
            method,
            interval_method,
            parameters,
            confidence,
            residual_sd: self.residual_sd(),
            points,
            total,
            spread,
        }
    }

    /// Point forecasts and the error variance of each.
    fn moments(&self, horizon: usize) -> (Vec<f64>, Vec<f64>) {
        match self {
            Model::Mean { mean, sd, days, .. } => {
                let per_day = sd * sd * (1.0 + 1.0 / (*days).max(1) as f64);
                (vec![*mean; horizon], vec![per_day; horizon])
            }
            Model::HoltWinters(model) => {
                let n = model.history.len();
                let phi = model.parameters.phi;
                let means = (1..=horizon)
                    .map(|h| model.state.forecast(phi, n, h))
                    .collect();
                let c = model.error_reach(horizon);
                let variance = model.sd * model.sd;
                let mut daily = Vec::with_capacity(horizon);
                let mut squares = 0.0;
                for reach in &c {
                    daily.push(variance * (1.0 + squares));
                    squares += reach * reach;
                }
                (means, daily)
            }
        }
    }

    /// How the error of the horizon's sum is spread.
    fn spread(&self, horizon: usize) -> Spread {
        match self {
            Model::Mean { sd, days, .. } => {
                let h = horizon as f64;
                let variance = sd * sd * (h + h * h / (*days).max(1) as f64);
                Spread::normal("mean", variance.sqrt())
            }
            Model::HoltWinters(model) => model.spread(horizon),
        }
    }
}

impl HoltWinters {
    /// `c[j-1]` for j = 1..horizon: how much of today's error reaches the day j ahead.
    fn error_reach(&self, horizon: usize) -> Vec<f64> {
        let Parameters {
            alpha,
            beta,
            gamma,
            phi,
        } = self.parameters;
        let mut damped = 0.0;
        let mut power = 1.0;
        (1..=horizon)
            .map(|h| {
                power *= phi;
                damped += power;
                let seasonal = if h % SEASON == 0 { gamma } else { 0.0 };
                alpha * (1.0 + beta * damped) + seasonal
            })
            .collect()
    }

    /// The spread of the horizon's sum: from the model's own rolling-origin errors when
    /// the history has enough of them, else from the state-space variance.
    fn spread(&self, horizon: usize) -> Spread {
        let c = self.error_reach(horizon);
        let mut cumulative = vec![0.0; horizon + 1];
        for j in 1..=horizon {
            cumulative[j] = cumulative[j - 1] + c[j - 1];
        }
        // Error of the sum: innovation k reaches every later day of the horizon.
        let analytic = (1..=horizon)
            .map(|k| (1.0 + cumulative[horizon - k]).powi(2))
            .sum::<f64>()
            * self.sd
            * self.sd;
        let errors = calibration::relative_sum_errors(
            &self.history,
            &self.origins,
            self.parameters.phi,
            horizon,
            self.non_negative,
        );
        let mut spread = match errors {
            Some((errors, days)) => Spread::conformal(errors, days, analytic.sqrt()),
            None => Spread::normal("state-space", analytic.sqrt()),
        };
        let days = horizon as f64;
        // A new level known from few days is uncertain by its standard error on every
        // remaining day.
        if let Some(since) = self.since_shift.filter(|d| *d < 2 * SEASON) {
            spread.extra_sd = days * self.scale * 1.2533 / (since as f64).sqrt();
        }
        // Outliers at the end: the total if they are a shift that stays.
        if let Some(pending) = self.pending {
            spread.alternative = pending.shift * days;
            spread.extra_sd = spread
                .extra_sd
                .max(days * self.scale * 1.2533 / (pending.days as f64).sqrt());
        }
        spread
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

/// Parameters the outliers and shifts that the fit leaves out are found with.
const PROBE: Parameters = Parameters {
    alpha: 0.3,
    beta: 0.05,
    gamma: 0.1,
    phi: 0.98,
};

/// The outlier days and level shifts of a history, found by the smoother with [`PROBE`].
struct Changes {
    outlier: Vec<bool>,
    shifts: Vec<usize>,
}

impl Changes {
    fn found(values: &[f64], initial: State, scale: f64) -> Self {
        let mut smoother = Smoother::new(PROBE, initial, scale);
        for value in values {
            smoother.step(*value);
        }
        let mut outlier = vec![false; values.len()];
        for day in &smoother.outliers {
            outlier[*day] = true;
        }
        Changes {
            outlier,
            shifts: smoother.shifts,
        }
    }

    /// Whether the forecast of `day` made before `origin` measures the model, rather than
    /// a change it could not have known of (an outlier, or a shift after the origin).
    fn scores(&self, origin: usize, day: usize) -> bool {
        !self.outlier[day]
            && !self
                .shifts
                .iter()
                .any(|s| *s <= day && origin < s + SHIFT_DAYS)
    }
}

/// The squared errors of forecasts 1 to [`SCORED_HORIZON`] days ahead from every day
/// after the first week: parameters are scored on the horizons budgets need, not only on
/// the next day (which favours a slope that fits today but drifts by month end). Outliers
/// and days after a shift that an origin could not have known of are not scored, and
/// errors are clipped at the outlier threshold, so that changes, which the smoother
/// handles apart, do not choose the parameters.
fn multi_step_error(
    values: &[f64],
    initial: State,
    scale: f64,
    parameters: Parameters,
    changes: &Changes,
) -> f64 {
    let phi = parameters.phi;
    let mut smoother = Smoother::new(parameters, initial, scale);
    let mut total = 0.0;
    for (t, value) in values.iter().enumerate() {
        if t >= SEASON {
            let state = smoother.state();
            let mut damped = 0.0;
            let mut power = 1.0;
            for (h, actual) in values[t..].iter().take(SCORED_HORIZON).enumerate() {
                power *= phi;
                damped += power;
                if !changes.scores(t, t + h) {
                    continue;
                }
                let forecast = state.level + damped * state.trend + state.season[(t + h) % SEASON];
                let limit = (OUTLIER_SCALES * scale).max(OUTLIER_SHARE * actual.abs())
                    * ((h + 1) as f64).sqrt();
                total += (actual - forecast).clamp(-limit, limit).powi(2);
            }
        }
        smoother.step(*value);
    }
    total
}
