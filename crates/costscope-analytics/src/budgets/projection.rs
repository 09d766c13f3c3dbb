//! Projecting a period's total from a scope's series as of a day: actual to date, the
//! daily model's forecast of the remaining days, and the recurring charges still to come.

use chrono::{Days, Months, NaiveDate};

use super::definition::month_start;
use super::series::{RESERVATION_UPFRONT, ScopeSeries};
use crate::forecast::{Forecast, Interval, Model, z_score};

/// Charges that do not repeat from one month to the next.
const ONE_OFF_CHARGES: [&str; 2] = ["Refund", RESERVATION_UPFRONT];

/// Charges computed as a share of the month's spend (sales tax, support plans): they are
/// carried forward scaled by the month's usage against last month's.
const SPEND_PROPORTIONAL_CHARGES: [&str; 2] = ["Tax", "Fee"];

/// Relative difference under which two months' charges are the same fixed amount.
const FIXED_TOLERANCE: f64 = 0.005;

/// Relative uncertainty of a charge carried forward from last month as it was.
const CARRIED_UNCERTAINTY: f64 = 0.02;

/// How a projection is made.
#[derive(Debug, Clone, Copy)]
pub struct ProjectionSettings {
    /// Days of history the daily model is fitted on.
    pub history_days: usize,
    /// Coverage of the prediction interval.
    pub confidence: f64,
    /// Treat recurring charges of the as-of month and later as not billed yet, whatever
    /// the lake holds (backtests: the lake already has the month's tax and fees).
    pub hide_current_recurring: bool,
}

/// A period total projected as of a day.
#[derive(Debug, Clone)]
pub struct Projection {
    /// Cost from the period start to the as-of day (usage and billed recurring charges).
    pub actual: f64,
    /// The period total: actual + forecast of the remaining days + recurring estimate.
    pub total: Interval,
    /// Recurring charges expected but not billed yet (last month's amounts).
    pub recurring_estimate: f64,
    /// The daily forecast of the remaining days.
    pub daily: Forecast,
    /// Standard deviation of the recurring estimate's error.
    pub recurring_sd: f64,
}

impl Projection {
    /// The period total's interval at `confidence`: the daily forecast's interval, widened
    /// by the recurring estimate's error (independent of it).
    pub fn total_at(&self, confidence: f64) -> Interval {
        let daily = self.daily.total_at(confidence);
        let recurring = z_score(confidence) * self.recurring_sd;
        let below = (daily.mean - daily.lower).hypot(recurring);
        let above = (daily.upper - daily.mean).hypot(recurring);
        let mean = daily.mean + self.actual + self.recurring_estimate;
        let z = z_score(confidence);
        Interval {
            mean,
            lower: mean - below,
            upper: mean + above,
            sd: (below + above) / (2.0 * z),
        }
    }
}

/// Projects the total of `period` (first and last day) as of `as_of` (inside it).
pub fn project(
    series: &ScopeSeries,
    period: (NaiveDate, NaiveDate),
    as_of: NaiveDate,
    settings: ProjectionSettings,
) -> Projection {
    let (first, last) = period;
    let as_of_month = month_start(as_of);
    let billed = |month: NaiveDate| !settings.hide_current_recurring || month < as_of_month;

    let daily_actual = series.daily_between(first, as_of);
    let recurring_actual: f64 = series
        .recurring
        .iter()
        .filter(|((month, _), _)| (month_start(first)..=as_of).contains(month) && billed(*month))
        .map(|(_, v)| v)
        .sum();

    let history = history(series, as_of, settings.history_days);
    let model = Model::fit(&history);
    let horizon = (last - as_of).num_days().max(0) as usize;
    let daily = model.forecast(
        as_of.checked_add_days(Days::new(1)),
        horizon,
        settings.confidence,
    );

    let usage_growth = usage_growth(series, as_of, daily_actual_of_month(series, as_of), &daily);
    let (recurring_estimate, recurring_sd) =
        recurring_estimate(series, as_of, last, usage_growth, &billed);
    let actual = daily_actual + recurring_actual;
    // Charges carried forward are uncertain by about as much as they were adjusted.
    let mut projection = Projection {
        actual,
        total: Interval::exact(0.0),
        recurring_estimate,
        daily,
        recurring_sd,
    };
    projection.total = projection.total_at(settings.confidence);
    projection
}

/// Usage-driven cost of the `days` days ending on `as_of`, zeros where nothing was billed.
fn history(series: &ScopeSeries, as_of: NaiveDate, days: usize) -> Vec<f64> {
    let Some(start) = as_of.checked_sub_days(Days::new(days.saturating_sub(1) as u64)) else {
        return Vec::new();
    };
    let mut values = vec![0.0; days];
    for (date, value) in series.daily.range(start..=as_of) {
        values[(*date - start).num_days() as usize] += value;
    }
    values
}

/// Usage-driven cost of `as_of`'s month up to `as_of`.
fn daily_actual_of_month(series: &ScopeSeries, as_of: NaiveDate) -> f64 {
    series.daily_between(month_start(as_of), as_of)
}

/// The as-of month's projected usage-driven cost over last month's (1 when unknown).
fn usage_growth(series: &ScopeSeries, as_of: NaiveDate, to_date: f64, daily: &Forecast) -> f64 {
    let month = month_start(as_of);
    let (Some(previous), Some(next)) = (
        month.checked_sub_months(Months::new(1)),
        month.checked_add_months(Months::new(1)),
    ) else {
        return 1.0;
    };
    let last_month = series.daily_between(previous, month.pred_opt().unwrap_or(month));
    let rest: f64 = daily
        .points
        .iter()
        .filter(|p| p.date < next)
        .map(|p| p.mean)
        .sum();
    let this_month = to_date + rest;
    let growth = this_month / last_month;
    // A scope that barely existed last month gives no usable ratio.
    if last_month > 0.0 && this_month > 0.0 && (0.2..=5.0).contains(&growth) {
        growth
    } else {
        1.0
    }
}

/// Recurring charges still to come in the months from `as_of`'s to `last`'s: each kind
/// billed in the month before `as_of` and not yet billed in that month, at last month's
/// amount (scaled by `usage_growth` for charges proportional to spend; one-offs excepted),
/// and the standard deviation of its error.
///
/// A proportional charge billed at the same amount two months running is a fixed amount
/// (a support plan's minimum fee): it is carried as it is, or a scope whose spend grows
/// would see its minimum fee grow with it.
fn recurring_estimate(
    series: &ScopeSeries,
    as_of: NaiveDate,
    last: NaiveDate,
    usage_growth: f64,
    billed: &dyn Fn(NaiveDate) -> bool,
) -> (f64, f64) {
    let as_of_month = month_start(as_of);
    let Some(reference) = as_of_month.checked_sub_months(Months::new(1)) else {
        return (0.0, 0.0);
    };
    let before = reference.checked_sub_months(Months::new(1));
    let fixed = |kind: &String, value: f64| {
        before
            .and_then(|month| series.recurring.get(&(month, kind.clone())))
            .is_some_and(|previous| (previous - value).abs() <= FIXED_TOLERANCE * value.abs())
    };
    // (kind, amount, relative uncertainty)
    let reference_charges: Vec<(&String, f64, f64)> = series
        .recurring
        .iter()
        .filter(|((month, kind), _)| {
            *month == reference && !ONE_OFF_CHARGES.contains(&kind.as_str())
        })
        .map(|((_, kind), value)| {
            if fixed(kind, *value) {
                (kind, *value, FIXED_TOLERANCE)
            } else if SPEND_PROPORTIONAL_CHARGES.contains(&kind.as_str()) {
                // A tax or a fee follows usage, but not exactly (rates differ by service,
                // fees are tiered): uncertain by about as much as it was adjusted.
                let uncertainty = (usage_growth - 1.0).abs().max(CARRIED_UNCERTAINTY);
                (kind, value * usage_growth, uncertainty)
            } else {
                (kind, *value, CARRIED_UNCERTAINTY)
            }
        })
        .collect();
    let (mut estimate, mut sd) = (0.0, 0.0);
    let mut month = as_of_month;
    while month <= last {
        for (kind, value, uncertainty) in &reference_charges {
            let already = billed(month) && series.recurring.contains_key(&(month, (*kind).clone()));
            if !already {
                estimate += value;
                sd += value.abs() * uncertainty;
            }
        }
        let Some(next) = month.checked_add_months(Months::new(1)) else {
            break;
        };
        month = next;
    }
    (estimate, sd)
}
