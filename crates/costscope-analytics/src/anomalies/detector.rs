//! The anomaly detector over one daily series: a robust seasonal-trend baseline refitted
//! every day on the weeks before it, residuals scored against a robust scale, and runs of
//! anomalous days measured against the baseline frozen at their onset.
//!
//! For day `t` the baseline is fitted on the `training_days` (whole weeks) before `t`:
//! - level and trend: the median of each week, and a Theil-Sen line through the weekly
//!   medians (the median of the pairwise slopes), so one odd week moves neither;
//! - weekly season: for each weekday, the median of its detrended values, centred;
//! - scale: 1.4826 × the median absolute deviation of the in-sample residuals, floored at a
//!   share of the level and an absolute amount (a flat series would otherwise have zero
//!   scale and alert on cents).
//!
//! Day `t` opens a run when its residual exceeds `z_open` scales, or when the seven days
//! ending at `t`, measured against the baseline fitted seven days earlier, exceed it by
//! `z_window` scales in sum with six of them above (slow drifts, whose days are each
//! unremarkable). A run continues while days stay `z_keep` scales above the baseline frozen
//! at its onset, allowing `max_gap` quiet days; so a level shift stays one anomaly, and a
//! run still going on the last day is open (no end).
//!
//! Series that are mostly zero in the training window (new services, intermittent usage)
//! use the window's mean and standard deviation instead of medians. Only increases are
//! anomalies. Everything works on stack arrays: no allocation per day.

/// Detector settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectorConfig {
    /// Days of history each baseline is fitted on (rounded down to whole weeks; at most 56).
    pub training_days: usize,
    /// Residual, in scales, that opens a run on one day.
    pub z_open: f64,
    /// Residual that keeps a run going.
    pub z_keep: f64,
    /// Sum of seven residuals, in scales × √7, that opens a run (drift).
    pub z_window: f64,
    /// Least scale, as a share of the baseline level.
    pub min_relative_scale: f64,
    /// Least scale, in currency.
    pub min_absolute_scale: f64,
    /// Quiet days a run may contain.
    pub max_gap: usize,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        DetectorConfig {
            training_days: 28,
            z_open: 4.0,
            z_keep: 2.5,
            z_window: 6.0,
            min_relative_scale: 0.03,
            min_absolute_scale: 0.5,
            max_gap: 1,
        }
    }
}

/// Most training days a baseline uses.
pub const MAX_TRAINING_DAYS: usize = 56;
const WINDOW: usize = 7;
/// Days of history before the first day scored.
pub const MIN_HISTORY: usize = 2 * WINDOW;

/// A run of anomalous days.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Run {
    /// Index of the first day.
    pub start: usize,
    /// Index of the last anomalous day.
    pub end: usize,
    /// Still going on the last day of the series.
    pub open: bool,
    /// Sum of the baseline over the run's days.
    pub expected: f64,
    /// Sum of the series over the run's days.
    pub actual: f64,
    /// Largest daily residual in scales.
    pub max_z: f64,
    /// The baseline's scale (one day's standard deviation).
    pub scale: f64,
    /// What opened the run.
    pub trigger: Trigger,
}

impl Run {
    /// Actual minus expected.
    pub fn impact(&self) -> f64 {
        self.actual - self.expected
    }

    /// Days from start to end.
    pub fn days(&self) -> usize {
        self.end - self.start + 1
    }
}

/// What opened a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// One day far above the baseline.
    Day,
    /// A week consistently above it.
    Window,
}

impl Trigger {
    pub fn name(self) -> &'static str {
        match self {
            Trigger::Day => "day",
            Trigger::Window => "window",
        }
    }
}

/// A fitted baseline: `level + slope × (day − origin) + season[day mod 7]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Baseline {
    origin: usize,
    level: f64,
    slope: f64,
    season: [f64; 7],
    /// One day's robust standard deviation.
    pub scale: f64,
}

impl Baseline {
    /// Expected value on day `day` (never negative).
    pub fn expect(&self, day: usize) -> f64 {
        let offset = day as f64 - self.origin as f64;
        (self.level + self.slope * offset + self.season[day % 7]).max(0.0)
    }

    /// Residual of `value` on `day`, in scales.
    pub fn z(&self, day: usize, value: f64) -> f64 {
        (value - self.expect(day)) / self.scale
    }

    /// Fits on `values[t - n .. t]` (n = whole weeks of `config.training_days`, or all of
    /// the history when shorter). `None` for a day without history.
    pub fn fit(values: &[f64], t: usize, config: &DetectorConfig) -> Option<Baseline> {
        let wanted = config.training_days.clamp(WINDOW, MAX_TRAINING_DAYS).min(t);
        if wanted == 0 {
            return None;
        }
        let weeks = wanted / WINDOW;
        let n = if weeks >= 2 { weeks * WINDOW } else { wanted };
        let start = t - n;
        let window = &values[start..t];
        let nonzero = window.iter().filter(|v| **v != 0.0).count();
        if weeks < 2 || nonzero * 2 < n {
            return Some(Self::mean_model(window, start, config));
        }
        // Level and trend through the weekly medians.
        let mut medians = [0.0; MAX_TRAINING_DAYS / WINDOW];
        for (k, median) in medians.iter_mut().enumerate().take(weeks) {
            let mut week = [0.0; WINDOW];
            week.copy_from_slice(&window[k * WINDOW..(k + 1) * WINDOW]);
            *median = median_of(&mut week);
        }
        let mut slopes = [0.0; 28];
        let mut count = 0;
        for i in 0..weeks {
            for j in i + 1..weeks {
                slopes[count] = (medians[j] - medians[i]) / (WINDOW * (j - i)) as f64;
                count += 1;
            }
        }
        let slope = median_of(&mut slopes[..count]);
        // Week k's centre is day start + 7k + 3.
        let mut intercepts = [0.0; MAX_TRAINING_DAYS / WINDOW];
        for k in 0..weeks {
            intercepts[k] = medians[k] - slope * (WINDOW * k + 3) as f64;
        }
        let level = median_of(&mut intercepts[..weeks]);
        // Weekly season from the detrended values, by absolute weekday index.
        let mut season = [0.0; 7];
        for d in 0..WINDOW {
            let mut same = [0.0; MAX_TRAINING_DAYS / WINDOW];
            for (k, value) in same.iter_mut().enumerate().take(weeks) {
                let i = k * WINDOW + d;
                *value = window[i] - (level + slope * i as f64);
            }
            season[(start + d) % 7] = median_of(&mut same[..weeks]);
        }
        // Centre the season; the level takes its mean, so expectations do not move.
        let mean_season = season.iter().sum::<f64>() / 7.0;
        season.iter_mut().for_each(|s| *s -= mean_season);
        let mut baseline = Baseline {
            origin: start,
            level: level + mean_season,
            slope,
            season,
            scale: 0.0,
        };
        let mut residuals = [0.0; MAX_TRAINING_DAYS];
        for (i, value) in window.iter().enumerate() {
            residuals[i] = value - baseline.expect(start + i);
        }
        let residuals = &mut residuals[..n];
        let centre = median_of(residuals);
        residuals.iter_mut().for_each(|r| *r = (*r - centre).abs());
        let mad = median_of(residuals);
        let level_now = (level + slope * n as f64).abs();
        baseline.scale = (1.4826 * mad)
            .max(config.min_relative_scale * level_now)
            .max(config.min_absolute_scale);
        Some(baseline)
    }

    fn mean_model(window: &[f64], start: usize, config: &DetectorConfig) -> Baseline {
        let n = window.len() as f64;
        let mean = window.iter().sum::<f64>() / n;
        let variance = window.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        Baseline {
            origin: start,
            level: mean,
            slope: 0.0,
            season: [0.0; 7],
            scale: variance
                .sqrt()
                .max(config.min_relative_scale * mean.abs())
                .max(config.min_absolute_scale),
        }
    }
}

/// Median of a small slice (reorders it); 0 when empty.
fn median_of(values: &mut [f64]) -> f64 {
    let n = values.len();
    if n == 0 {
        return 0.0;
    }
    let (_, upper, _) = values.select_nth_unstable_by(n / 2, f64::total_cmp);
    let upper = *upper;
    if n % 2 == 1 {
        return upper;
    }
    let lower = values[..n / 2]
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    (lower + upper) / 2.0
}

/// The runs that open on days `from..values.len()` (the last value is "today"); days with
/// less than [`MIN_HISTORY`] days before them are not scored.
pub fn detect(values: &[f64], from: usize, config: &DetectorConfig) -> Vec<Run> {
    let mut runs = Vec::new();
    let n = values.len();
    // Baselines of the last seven days scanned, by day index.
    let mut ring: [Option<(usize, Baseline)>; WINDOW] = [None; WINDOW];
    let mut baseline_at = |day: usize| -> Option<Baseline> {
        let slot = &mut ring[day % WINDOW];
        match slot {
            Some((d, b)) if *d == day => Some(*b),
            _ => {
                let fitted = Baseline::fit(values, day, config)?;
                *slot = Some((day, fitted));
                Some(fitted)
            }
        }
    };
    let mut t = from.max(MIN_HISTORY);
    // Days up to here belong to a run already reported.
    let mut floor = 0;
    while t < n {
        let Some(today) = baseline_at(t) else {
            t += 1;
            continue;
        };
        let mut opened = None;
        let z = today.z(t, values[t]);
        if z >= config.z_open {
            opened = Some((t, today, Trigger::Day));
        } else if t + 1 >= WINDOW + floor && t + 1 - WINDOW >= from.max(MIN_HISTORY) {
            let first = t + 1 - WINDOW;
            if let Some(week_ago) = baseline_at(first) {
                let residuals = (first..=t).map(|d| values[d] - week_ago.expect(d));
                let (sum, above) =
                    residuals.fold((0.0, 0), |(s, a), r| (s + r, a + usize::from(r > 0.0)));
                let zw = sum / (week_ago.scale * (WINDOW as f64).sqrt());
                if zw >= config.z_window && above >= WINDOW - 1 {
                    // The run starts at the first day above the baseline.
                    let start = (first..=t)
                        .find(|d| values[*d] > week_ago.expect(*d))
                        .unwrap_or(first);
                    opened = Some((start, week_ago, Trigger::Window));
                }
            }
        }
        let Some((start, frozen, trigger)) = opened else {
            t += 1;
            continue;
        };
        let mut end = start;
        let mut quiet = 0;
        let mut day = start + 1;
        while day < n {
            if frozen.z(day, values[day]) >= config.z_keep {
                end = day;
                quiet = 0;
            } else {
                quiet += 1;
                if quiet > config.max_gap {
                    break;
                }
            }
            day += 1;
        }
        let mut run = Run {
            start,
            end,
            open: end + 1 + config.max_gap >= n && quiet <= config.max_gap,
            expected: 0.0,
            actual: 0.0,
            max_z: f64::NEG_INFINITY,
            scale: frozen.scale,
            trigger,
        };
        for (d, value) in values.iter().enumerate().take(end + 1).skip(start) {
            run.expected += frozen.expect(d);
            run.actual += value;
            run.max_z = run.max_z.max(frozen.z(d, *value));
        }
        runs.push(run);
        // A window-opened run may start before `t`; never go back.
        t = (end + 1).max(t + 1);
        floor = end + 1;
    }
    runs
}

/// Days of the same hour an hourly baseline uses.
pub const HOURLY_HISTORY_DAYS: usize = 14;

/// Flags hours `from..values.len()` of an hourly series: each hour is compared with the
/// same hour of day over the [`HOURLY_HISTORY_DAYS`] days before it (median and MAD scale,
/// with the same floors as the daily detector), and consecutive flagged hours (one quiet
/// hour allowed) form a run. Hours with less than a week of history are not scored.
pub fn detect_hourly(values: &[f64], from: usize, config: &DetectorConfig) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    let start = from.max(24 * WINDOW);
    for t in start..values.len() {
        let mut same = [0.0; HOURLY_HISTORY_DAYS];
        let mut n = 0;
        for k in 1..=HOURLY_HISTORY_DAYS {
            if let Some(i) = t.checked_sub(24 * k) {
                same[n] = values[i];
                n += 1;
            }
        }
        let history = &mut same[..n];
        let expected = median_of(history);
        history.iter_mut().for_each(|v| *v = (*v - expected).abs());
        let scale = (1.4826 * median_of(history))
            .max(config.min_relative_scale * expected.abs())
            .max(config.min_absolute_scale / 24.0);
        let z = (values[t] - expected) / scale;
        let extends = runs
            .last()
            .is_some_and(|r| r.end + 1 + config.max_gap >= t && t > r.end);
        if z >= config.z_open || (extends && z >= config.z_keep) {
            match runs.last_mut() {
                Some(run) if extends => {
                    run.end = t;
                    run.expected += expected;
                    run.actual += values[t];
                    run.max_z = run.max_z.max(z);
                }
                _ => runs.push(Run {
                    start: t,
                    end: t,
                    open: false,
                    expected,
                    actual: values[t],
                    max_z: z,
                    scale,
                    trigger: Trigger::Day,
                }),
            }
        }
    }
    let n = values.len();
    for run in &mut runs {
        run.open = run.end + 1 + config.max_gap >= n;
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_even_and_odd_slices() {
        assert_eq!(median_of(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median_of(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median_of(&mut []), 0.0);
    }

    #[test]
    fn an_hourly_burst_is_flagged_and_the_daily_cycle_is_not() {
        let mut values: Vec<f64> = (0..24 * 20)
            .map(|h| 10.0 + 5.0 * ((h % 24) as f64 / 24.0 * std::f64::consts::TAU).sin())
            .collect();
        assert!(detect_hourly(&values, 0, &DetectorConfig::default()).is_empty());
        for v in &mut values[24 * 19 + 3..24 * 19 + 6] {
            *v += 40.0;
        }
        let runs = detect_hourly(&values, 24 * 18, &DetectorConfig::default());
        assert_eq!(runs.len(), 1, "{runs:?}");
        assert_eq!((runs[0].start, runs[0].end), (24 * 19 + 3, 24 * 19 + 5));
        assert!((runs[0].impact() - 120.0).abs() < 1e-6);
    }

    #[test]
    fn a_weekly_pattern_with_trend_fits_exactly() {
        let values: Vec<f64> = (0..60)
            .map(|d| 100.0 + d as f64 + if d % 7 >= 5 { -30.0 } else { 0.0 })
            .collect();
        let baseline = Baseline::fit(&values, 56, &DetectorConfig::default()).expect("fit");
        for (d, value) in values.iter().enumerate().skip(56) {
            assert!((baseline.expect(d) - value).abs() < 6.0, "{d}");
        }
        assert!(detect(&values, 30, &DetectorConfig::default()).is_empty());
    }
}
