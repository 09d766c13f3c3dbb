use chrono::NaiveDate;

use super::*;

fn day(n: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 8, 1)
        .and_then(|d| d.checked_add_days(chrono::Days::new(n)))
        .expect("date")
}

fn series(values: &[f64]) -> Vec<(NaiveDate, f64)> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| (day(i as u64), *v))
        .collect()
}

#[test]
fn forecast_days_follow_the_history() {
    let history = series(&[10.0; 30]);
    let forecast = forecast_daily(&history, 5);
    assert_eq!(forecast.points.len(), 5);
    assert_eq!(forecast.points[0].date, day(30));
    assert_eq!(forecast.points[4].date, day(34));
    assert_eq!(forecast.method, "holt-winters");
    for point in &forecast.points {
        assert!((point.mean - 10.0).abs() < 1e-6, "{point:?}");
    }
    assert!((forecast.total.mean - 50.0).abs() < 1e-6);
}

#[test]
fn short_histories_use_the_mean_of_the_last_week() {
    let history = series(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
    let forecast = forecast_daily(&history, 3);
    assert_eq!(forecast.method, "mean");
    assert!(forecast.parameters.is_none());
    assert!((forecast.points[0].mean - 6.0).abs() < 1e-9);
    assert!(forecast.points[0].lower < 6.0 && forecast.points[0].upper > 6.0);
    assert!((forecast.total.mean - 18.0).abs() < 1e-9);
}

#[test]
fn empty_and_zero_histories_forecast_zero() {
    let empty = forecast_daily(&[], 4);
    assert!(empty.points.is_empty());
    assert_eq!(empty.total.mean, 0.0);
    let zeros = forecast_daily(&series(&[0.0; 40]), 4);
    assert_eq!(zeros.points.len(), 4);
    assert!(zeros.points.iter().all(|p| p.mean == 0.0 && p.upper == 0.0));
}

#[test]
fn leading_zeros_are_before_the_series_began() {
    let mut values = vec![0.0; 20];
    values.extend([50.0; 21]);
    let forecast = forecast_daily(&series(&values), 7);
    assert!((forecast.total.mean - 350.0).abs() < 1.0, "{forecast:?}");
}

#[test]
fn missing_days_count_as_zero_and_repeated_days_add_up() {
    let history = vec![(day(0), 1.0), (day(3), 2.0), (day(3), 4.0)];
    let (first, values) = dense(&history);
    assert_eq!(first, Some(day(0)));
    assert_eq!(values, vec![1.0, 0.0, 0.0, 6.0]);
}

#[test]
fn intervals_widen_with_the_horizon_and_the_sum_is_narrower_than_summed_bounds() {
    let values: Vec<f64> = (0..60)
        .map(|t| 100.0 + if t % 3 == 0 { 9.0 } else { -4.5 } + t as f64 * 0.2)
        .collect();
    let forecast = forecast_daily(&series(&values), 20);
    let width = |p: &ForecastPoint| p.upper - p.lower;
    assert!(width(&forecast.points[19]) >= width(&forecast.points[0]));
    let summed_width: f64 = forecast.points.iter().map(width).sum();
    let total_width = forecast.total.upper - forecast.total.lower;
    assert!(total_width > 0.0 && total_width < summed_width);
}

#[test]
fn non_negative_series_get_non_negative_bounds() {
    let values: Vec<f64> = (0..30)
        .map(|t| if t % 2 == 0 { 0.1 } else { 5.0 })
        .collect();
    let forecast = forecast_daily(&series(&values), 10);
    assert!(forecast.points.iter().all(|p| p.lower >= 0.0));
    assert!(forecast.total.lower >= 0.0);
}

#[test]
fn confidence_sets_the_width() {
    let values: Vec<f64> = (0..40).map(|t| 10.0 + ((t * 7919) % 13) as f64).collect();
    let narrow = forecast_daily_with(&series(&values), 10, 0.5);
    let wide = forecast_daily_with(&series(&values), 10, 0.95);
    assert!(wide.total.upper - wide.total.lower > narrow.total.upper - narrow.total.lower);
    assert_eq!(narrow.total.mean, wide.total.mean);
    assert!((z_score(0.8) - 1.2816).abs() < 1e-3);
}
