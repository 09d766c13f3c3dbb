//! The forecaster on synthetic series whose truth is known: it recovers a trend with a
//! weekly season, and its intervals hold about as often as they claim on noisy data.

use chrono::{Days, NaiveDate};
use costscope_analytics::forecast::{forecast_daily, forecast_daily_with};

fn start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 8, 1).expect("date")
}

/// Trend + weekly season: 400 + 2.5 t, 140 less at weekends.
fn truth(t: usize) -> f64 {
    let weekend = matches!(t % 7, 5 | 6);
    400.0 + 2.5 * t as f64 - if weekend { 140.0 } else { 0.0 }
}

fn series(values: impl Iterator<Item = f64>) -> Vec<(NaiveDate, f64)> {
    values
        .enumerate()
        .map(|(t, v)| (start() + Days::new(t as u64), v))
        .collect()
}

/// A reproducible standard normal sample (SplitMix64 + Box-Muller).
struct Noise(u64);

impl Noise {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut x = self.0;
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((x ^ (x >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let u = self.uniform().max(1e-12);
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

#[test]
fn recovers_a_trend_with_a_weekly_season() {
    let history = series((0..70).map(truth));
    let forecast = forecast_daily(&history, 21);
    assert_eq!(forecast.method, "holt-winters");
    for (h, point) in forecast.points.iter().enumerate() {
        let expected = truth(70 + h);
        let error = (point.mean - expected).abs() / expected;
        assert!(error < 0.03, "day {h}: {} vs {expected}", point.mean);
    }
    let expected_total: f64 = (70..91).map(truth).sum();
    let error = (forecast.total.mean - expected_total).abs() / expected_total;
    assert!(error < 0.02, "{} vs {expected_total}", forecast.total.mean);
}

#[test]
fn follows_a_step_in_level() {
    // A fleet is resized on day 49: cost drops by a quarter and stays there.
    let level = |t: usize| truth(t) * if t >= 49 { 0.75 } else { 1.0 };
    let history = series((0..63).map(level));
    let forecast = forecast_daily(&history, 14);
    let expected: f64 = (63..77).map(level).sum();
    let error = (forecast.total.mean - expected).abs() / expected;
    assert!(error < 0.05, "{} vs {expected}", forecast.total.mean);
}

#[test]
fn intervals_hold_about_as_often_as_they_claim() {
    let mut noise = Noise(42);
    let (mut daily_hits, mut daily_count, mut total_hits) = (0, 0, 0);
    let runs = 200;
    for _ in 0..runs {
        let values: Vec<f64> = (0..84).map(|t| truth(t) + 25.0 * noise.normal()).collect();
        let forecast = forecast_daily_with(&series(values[..63].iter().copied()), 21, 0.8);
        for (point, actual) in forecast.points.iter().zip(&values[63..]) {
            daily_count += 1;
            if (point.lower..=point.upper).contains(actual) {
                daily_hits += 1;
            }
        }
        let actual_total: f64 = values[63..].iter().sum();
        if (forecast.total.lower..=forecast.total.upper).contains(&actual_total) {
            total_hits += 1;
        }
    }
    let daily = f64::from(daily_hits) / f64::from(daily_count);
    let total = f64::from(total_hits) / f64::from(runs);
    assert!((0.7..=0.97).contains(&daily), "daily coverage {daily}");
    assert!((0.65..=0.98).contains(&total), "total coverage {total}");
}

/// A noisy series with a weekly season and no trend: 300 a day, 60 less at weekends.
fn steady(noise: &mut Noise, days: usize) -> Vec<f64> {
    (0..days)
        .map(|t| {
            let weekend = matches!(t % 7, 5 | 6);
            (300.0 - if weekend { 60.0 } else { 0.0 }) + 6.0 * noise.normal()
        })
        .collect()
}

#[test]
fn a_one_day_burst_does_not_move_the_forecast() {
    let mut noise = Noise(7);
    let quiet = steady(&mut noise, 70);
    let mut burst = quiet.clone();
    // Ten times a day's spend, on the last day and three days before it.
    for last in [69, 66] {
        burst[last] += 3000.0;
        let without = forecast_daily(&series(quiet[..=last].iter().copied()), 20);
        let with = forecast_daily(&series(burst[..=last].iter().copied()), 20);
        let moved = (with.total.mean - without.total.mean).abs() / without.total.mean;
        assert!(moved < 0.01, "day {last}: moved by {:.2}%", moved * 100.0);
        burst[last] -= 3000.0;
    }
}

#[test]
fn a_level_shift_is_followed_from_its_third_day_and_never_extrapolated_as_a_trend() {
    let mut noise = Noise(11);
    let mut values = steady(&mut noise, 91);
    // A fleet scaled out for good on day 70: 120 a day more.
    for value in &mut values[70..] {
        *value += 120.0;
    }
    for as_of in 72..80 {
        let forecast = forecast_daily(&series(values[..=as_of].iter().copied()), 90 - as_of);
        let expected: f64 = values[as_of + 1..].iter().sum();
        let error = (forecast.total.mean - expected).abs() / expected;
        assert!(error < 0.05, "as of day {as_of}: {:.1}% off", error * 100.0);
        assert!(
            (forecast.total.lower..=forecast.total.upper).contains(&expected),
            "as of day {as_of}: {:?} misses {expected}",
            forecast.total
        );
        // No slope: the same weekday two weeks apart is forecast at the same level.
        let points = &forecast.points;
        if points.len() > 14 {
            let drift = (points[14].mean - points[0].mean).abs() / points[0].mean;
            assert!(
                drift < 0.02,
                "as of day {as_of}: drifts {:.1}%",
                drift * 100.0
            );
        }
    }
}

#[test]
fn a_new_series_is_projected_from_its_own_days() {
    // A service that began five days ago at about 40 a day.
    let mut values = vec![0.0; 60];
    values.extend([39.0, 41.0, 40.0, 40.5, 39.5]);
    let forecast = forecast_daily(&series(values.into_iter()), 10);
    assert!(
        (forecast.total.mean - 400.0).abs() < 8.0,
        "{:?}",
        forecast.total
    );
}
