//! The Holt-Winters smoother, made robust to the changes cloud spend goes through.
//!
//! Each day's one-step error `e` is compared with a threshold, `max(K·σ, REL·|prediction|)`,
//! where `σ` is a running scale of the ordinary errors:
//! - an ordinary day updates level, trend and season as in plain Holt-Winters;
//! - an *outlier* day moves neither level nor trend (a one-day burst does not move the
//!   forecast); only its weekday's seasonal term learns a little of the clipped error, so
//!   that a weekly pattern that changes for good is eventually learnt;
//! - [`SHIFT_DAYS`] outliers in a row on the same side are a *level shift*: the state is
//!   taken back to the day before the first of them, its level moved by the median of their
//!   errors, and those days replayed. The trend is left as it was, so a jump is never
//!   extrapolated as a slope; the forecast starts from the new level.
//!
//! Fewer outliers in a row at the end of the history are a change not yet established: the
//! state leaves them out, and [`Smoother::pending`] reports them so that the interval can
//! cover both readings (a burst that ends, or a shift that stays).

use super::SEASON;
use super::fit::Parameters;

/// Outlier threshold, in running error scales.
pub const OUTLIER_SCALES: f64 = 4.0;
/// Errors smaller than this share of the prediction are never outliers (series with little
/// noise would otherwise flag every small change).
pub const OUTLIER_SHARE: f64 = 0.04;
/// Consecutive outliers on one side that establish a level shift.
pub const SHIFT_DAYS: usize = 3;
/// Weight of each new squared error in the running scale.
const SCALE_WEIGHT: f64 = 0.05;

/// The state the smoother carries from day to day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct State {
    pub level: f64,
    pub trend: f64,
    /// season[t % 7] is the seasonal term of day t.
    pub season: [f64; SEASON],
}

impl State {
    /// The forecast for day `t + h - 1` made before day `t` (`h` ≥ 1), with the trend
    /// damped by `phi`.
    pub fn forecast(&self, phi: f64, t: usize, h: usize) -> f64 {
        let damped: f64 = (1..=h).map(|j| phi.powi(j as i32)).sum();
        self.level + damped * self.trend + self.season[(t + h - 1) % SEASON]
    }
}

/// Outliers at the end of the history that may be the start of a level shift.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pending {
    /// How many days (fewer than [`SHIFT_DAYS`]).
    pub days: usize,
    /// The median of their errors: the daily change if they are a shift.
    pub shift: f64,
}

/// A run of consecutive same-side outliers.
#[derive(Debug, Clone, Default)]
struct Run {
    /// The state before the run's first day, and that day's index.
    before: Option<(State, usize)>,
    values: Vec<f64>,
    errors: Vec<f64>,
}

/// The robust smoother over one series.
#[derive(Debug, Clone)]
pub struct Smoother {
    parameters: Parameters,
    state: State,
    /// Index of the next day.
    t: usize,
    /// Running scale of ordinary one-step errors.
    scale: f64,
    run: Run,
    /// First day of the last established level shift.
    last_shift: Option<usize>,
    /// Squared one-step errors of ordinary days after the first week, and their count.
    squared_errors: f64,
    ordinary_days: usize,
    /// The sign of each weekday's last error if that day was an outlier.
    outlier_slots: [f64; SEASON],
    /// Days left out as outliers (not part of a shift), and the first days of shifts.
    pub outliers: Vec<usize>,
    pub shifts: Vec<usize>,
}

impl Smoother {
    pub fn new(parameters: Parameters, initial: State, scale: f64) -> Self {
        Smoother {
            parameters,
            state: initial,
            t: 0,
            scale,
            run: Run::default(),
            last_shift: None,
            squared_errors: 0.0,
            ordinary_days: 0,
            outlier_slots: [0.0; SEASON],
            outliers: Vec::new(),
            shifts: Vec::new(),
        }
    }

    /// The state after the days seen so far (outliers of a pending run left out).
    pub fn state(&self) -> State {
        self.state
    }

    /// The running scale of ordinary errors.
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// Root mean square of the one-step errors of ordinary days after the first week.
    pub fn residual_sd(&self) -> f64 {
        (self.squared_errors / self.ordinary_days.max(1) as f64).sqrt()
    }

    /// First day of the last established level shift.
    pub fn last_shift(&self) -> Option<usize> {
        self.last_shift
    }

    /// The outliers at the end, when they may be a shift not yet established.
    pub fn pending(&self) -> Option<Pending> {
        (!self.run.errors.is_empty()).then(|| Pending {
            days: self.run.errors.len(),
            shift: median(&self.run.errors),
        })
    }

    /// The prediction for the next day.
    pub fn predict(&self) -> f64 {
        self.state.forecast(self.parameters.phi, self.t, 1)
    }

    /// Takes in the next day; returns its one-step prediction.
    pub fn step(&mut self, value: f64) -> f64 {
        let prediction = self.predict();
        let error = value - prediction;
        let threshold = (OUTLIER_SCALES * self.scale).max(OUTLIER_SHARE * prediction.abs());
        let slot = self.t % SEASON;
        // The first week only sets the state up.
        if self.t < SEASON || error.abs() <= threshold {
            self.run = Run::default();
            self.outlier_slots[slot] = 0.0;
            self.update(error, threshold);
            return prediction;
        }
        // The same weekday off the same way a week ago: the weekly pattern has changed.
        if self.outlier_slots[slot] == error.signum() && self.run.errors.is_empty() {
            self.outlier_slots[slot] = 0.0;
            self.state.season[slot] += error;
            self.update(0.0, threshold);
            return prediction;
        }
        self.outlier_slots[slot] = error.signum();
        self.outliers.push(self.t);
        let same_side = self
            .run
            .errors
            .first()
            .is_some_and(|first| first.signum() == error.signum());
        if !same_side {
            self.run = Run {
                before: Some((self.state, self.t)),
                ..Run::default()
            };
        }
        self.run.values.push(value);
        self.run.errors.push(error);
        if self.run.errors.len() >= SHIFT_DAYS {
            self.establish_shift();
        } else {
            self.skip(error.clamp(-threshold, threshold));
        }
        prediction
    }

    /// An ordinary day: the Holt-Winters update (errors beyond the threshold clipped).
    fn update(&mut self, error: f64, threshold: f64) {
        let Parameters {
            alpha,
            beta,
            gamma,
            phi,
        } = self.parameters;
        let slot = self.t % SEASON;
        let damped_trend = phi * self.state.trend;
        let error = if self.t < SEASON {
            error
        } else {
            self.squared_errors += error * error;
            self.ordinary_days += 1;
            self.scale =
                ((1.0 - SCALE_WEIGHT) * self.scale.powi(2) + SCALE_WEIGHT * error * error).sqrt();
            error.clamp(-threshold, threshold)
        };
        self.state.level += damped_trend + alpha * error;
        self.state.trend = damped_trend + alpha * beta * error;
        self.state.season[slot] += gamma * error;
        self.t += 1;
    }

    /// An outlier: time moves on, level and trend do not learn from it.
    fn skip(&mut self, clipped: f64) {
        let Parameters { gamma, phi, .. } = self.parameters;
        let slot = self.t % SEASON;
        self.state.level += phi * self.state.trend;
        self.state.trend *= phi;
        self.state.season[slot] += gamma * clipped;
        self.t += 1;
    }

    /// The run is a level shift: restart from before it at the new level and replay it.
    fn establish_shift(&mut self) {
        let run = std::mem::take(&mut self.run);
        let Some((before, first)) = run.before else {
            return;
        };
        self.state = before;
        self.t = first;
        self.state.level += median(&run.errors);
        self.last_shift = Some(first);
        self.shifts.push(first);
        self.outliers.retain(|d| *d < first);
        self.outlier_slots = [0.0; SEASON];
        for value in run.values {
            let prediction = self.predict();
            let threshold = (OUTLIER_SCALES * self.scale).max(OUTLIER_SHARE * prediction.abs());
            self.update(value - prediction, threshold);
        }
    }
}

/// The median of a short list (0 when empty).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// A robust scale of a series' day-to-day noise: the median absolute week-on-week change
/// (×1.4826/√2, the standard deviation for normal noise), from the second week on.
pub fn initial_scale(values: &[f64]) -> f64 {
    let changes: Vec<f64> = values
        .windows(SEASON + 1)
        .map(|w| (w[SEASON] - w[0]).abs())
        .collect();
    median(&changes) * 1.4826 / std::f64::consts::SQRT_2
}
