//! Deterministic usage curves.
//!
//! Every hourly quantity that more than one output must agree on (NAT bytes in CUR and in
//! flow logs, Lambda requests in CUR and in business metrics) comes from a [`Curve`]: a pure
//! function of the seed, the curve's stream number and the hour. No state is shared between
//! the writers, so each one recomputes exactly the same numbers.

/// Hours in an average month, the unit of monthly growth.
const HOURS_PER_MONTH: f64 = 730.0;

/// A reproducible hourly quantity: `base × growth × daily shape × jitter`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Curve {
    /// Mean quantity per hour at hour 0.
    pub base: f64,
    /// Multiplier per month of elapsed time (1.0 = flat).
    pub monthly_growth: f64,
    /// Follow the day/night cycle of US users (peak at 15:00 UTC).
    pub diurnal: bool,
    /// Relative noise amplitude, e.g. 0.1 for ±10%.
    pub jitter: f64,
    /// Round to a whole number (request and token counts).
    pub whole: bool,
    /// Distinguishes the noise of curves that share a shape.
    pub stream: u64,
    /// A labelled incident that changes the curve from some hour on.
    pub change: Option<Change>,
}

/// How an incident changes a curve (the shapes of the labelled anomalies).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Change {
    /// `× factor` from hour `from` on (a deploy, a fleet resized).
    Step { from: u32, factor: f64 },
    /// `× (1 + per_day × days since from)` from hour `from` on (a slow drift).
    Drift { from: u32, per_day: f64 },
    /// Weekend hours are `× weekend` until hour `from`, then like weekdays (a weekly
    /// pattern change). `first_weekday` is the weekday of hour 0 (0 = Monday).
    Weekends {
        from: u32,
        weekend: f64,
        first_weekday: u32,
    },
}

impl Change {
    /// The multiplier at `hour`.
    pub fn factor(&self, hour: u32) -> f64 {
        match *self {
            Change::Step { from, factor } => {
                if hour >= from {
                    factor
                } else {
                    1.0
                }
            }
            Change::Drift { from, per_day } => {
                if hour >= from {
                    1.0 + per_day * f64::from(hour - from) / 24.0
                } else {
                    1.0
                }
            }
            Change::Weekends {
                from,
                weekend,
                first_weekday,
            } => {
                let weekday = (first_weekday + hour / 24) % 7;
                if hour < from && weekday >= 5 {
                    weekend
                } else {
                    1.0
                }
            }
        }
    }
}

impl Curve {
    /// A flat, noiseless curve of `base` per hour; refine it with the builder methods.
    pub fn flat(base: f64) -> Self {
        Curve {
            base,
            monthly_growth: 1.0,
            diurnal: false,
            jitter: 0.0,
            whole: false,
            stream: 0,
            change: None,
        }
    }

    /// Changed by an incident.
    pub fn changed(self, change: Change) -> Self {
        Curve {
            change: Some(change),
            ..self
        }
    }

    /// The same curve without its incident (what would have happened).
    pub fn unchanged(self) -> Self {
        Curve {
            change: None,
            ..self
        }
    }

    /// Grows by `factor` per month.
    pub fn growing(self, factor: f64) -> Self {
        Curve {
            monthly_growth: factor,
            ..self
        }
    }

    /// Follows the day/night cycle.
    pub fn daily_cycle(self) -> Self {
        Curve {
            diurnal: true,
            ..self
        }
    }

    /// Adds relative noise of ±`amplitude`.
    pub fn jittered(self, amplitude: f64) -> Self {
        Curve {
            jitter: amplitude,
            ..self
        }
    }

    /// Rounds to whole numbers (counts of requests or I/Os).
    pub fn counts(self) -> Self {
        Curve {
            whole: true,
            ..self
        }
    }

    /// The quantity in `hour` (hours from the calendar start).
    pub fn at(&self, seed: u64, hour: u32) -> f64 {
        let mut value = self.base;
        if self.monthly_growth != 1.0 {
            value *= self.monthly_growth.powf(f64::from(hour) / HOURS_PER_MONTH);
        }
        if self.diurnal {
            value *= diurnal(hour % 24);
        }
        if let Some(change) = &self.change {
            value *= change.factor(hour);
        }
        if self.jitter != 0.0 {
            value *=
                1.0 + self.jitter * (2.0 * unit_noise(seed, self.stream, u64::from(hour)) - 1.0);
        }
        if self.whole {
            value.round().max(1.0)
        } else {
            value
        }
    }
}

/// Relative activity at an hour of the day (UTC); averages 1.0 over a day.
pub(crate) fn diurnal(hour_of_day: u32) -> f64 {
    let angle = std::f64::consts::TAU * (f64::from(hour_of_day) - 9.0) / 24.0;
    1.0 + 0.5 * angle.sin()
}

/// A uniform number in `[0, 1)` determined by `(seed, stream, tick)` alone.
pub(crate) fn unit_noise(seed: u64, stream: u64, tick: u64) -> f64 {
    let mixed = mix64(
        seed ^ mix64(stream.wrapping_add(0x9E37_79B9_7F4A_7C15))
            ^ tick.wrapping_mul(0xD1B5_4A32_D192_ED03),
    );
    (mixed >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// SplitMix64's finaliser: a bijective 64-bit mix.
pub(crate) fn mix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diurnal_shape_averages_one() {
        let mean: f64 = (0..24).map(diurnal).sum::<f64>() / 24.0;
        assert!((mean - 1.0).abs() < 1e-12);
    }

    #[test]
    fn curves_are_reproducible_and_grow() {
        let curve = Curve {
            stream: 7,
            ..Curve::flat(100.0)
                .growing(1.5)
                .daily_cycle()
                .jittered(0.1)
                .counts()
        };
        assert_eq!(curve.at(42, 1000), curve.at(42, 1000));
        let day = |d: u32| (d * 24..d * 24 + 24).map(|h| curve.at(42, h)).sum::<f64>();
        assert!(day(60) > day(0) * 2.0);
        assert_eq!(curve.at(1, 5).fract(), 0.0);
        let noise: Vec<f64> = (0..1000).map(|t| unit_noise(3, 4, t)).collect();
        assert!(noise.iter().all(|u| (0.0..1.0).contains(u)));
        let mean = noise.iter().sum::<f64>() / 1000.0;
        assert!((mean - 0.5).abs() < 0.05, "{mean}");
    }
}
