//! The billing calendar of a generated organisation: its monthly periods, their hours and
//! days, and the text forms CUR 2.0 uses for them.
//!
//! Hours and days are numbered from the start of the first period (hour 0, day 0), so every
//! generator module can address the same instant with one integer.

use chrono::{Datelike, NaiveDate, Weekday};

use crate::{Error, Result};

/// Milliseconds in one hour.
pub(crate) const HOUR_MS: i64 = 3_600_000;

/// One billing period (a calendar month).
#[derive(Debug, Clone)]
pub(crate) struct Period {
    /// `YYYY-MM`.
    pub label: String,
    /// Hour index of the period's first hour.
    pub first_hour: u32,
    /// Number of hours in the period.
    pub hours: u32,
    /// Day index of the period's first day.
    pub first_day: u32,
    /// Number of days in the period.
    pub days: u32,
    /// Period start, Unix milliseconds.
    pub start_ms: i64,
    /// Period end (exclusive), Unix milliseconds.
    pub end_ms: i64,
}

impl Period {
    /// The hour indexes of this period.
    pub fn hour_range(&self) -> std::ops::Range<u32> {
        self.first_hour..self.first_hour + self.hours
    }
}

/// The consecutive periods being generated, with per-day and per-hour lookups.
#[derive(Debug)]
pub(crate) struct Calendar {
    pub periods: Vec<Period>,
    start_ms: i64,
    dates: Vec<NaiveDate>,
    day_labels: Vec<String>,
    business_hour: Vec<bool>,
}

impl Calendar {
    /// The `months` periods ending with `end_period` (`YYYY-MM`), oldest first.
    pub fn new(end_period: &str, months: u32) -> Result<Self> {
        let invalid = |reason: String| Error::InvalidOption {
            option: "end_period",
            reason,
        };
        if months == 0 {
            return Err(Error::InvalidOption {
                option: "months",
                reason: "at least one billing period is required".into(),
            });
        }
        let (year, month) = end_period
            .split_once('-')
            .and_then(|(y, m)| Some((y.parse::<i32>().ok()?, m.parse::<u32>().ok()?)))
            .filter(|(y, m)| {
                (1970..=9999).contains(y) && (1..=12).contains(m) && end_period.len() == 7
            })
            .ok_or_else(|| invalid(format!("`{end_period}` is not a YYYY-MM month")))?;
        let end_index = year * 12 + month as i32 - 1;
        let first_index = end_index - months as i32 + 1;
        if first_index < 1970 * 12 {
            return Err(Error::InvalidOption {
                option: "months",
                reason: format!("{months} months before {end_period} start before 1970"),
            });
        }

        let month_start = |index: i32| {
            NaiveDate::from_ymd_opt(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1)
                .ok_or_else(|| invalid(format!("month index {index} is out of range")))
        };
        let first_date = month_start(first_index)?;
        let start_ms = date_ms(first_date);

        let mut periods = Vec::with_capacity(months as usize);
        let mut dates = Vec::new();
        for index in first_index..=end_index {
            let start = month_start(index)?;
            let end = month_start(index + 1)?;
            let days = (end - start).num_days() as u32;
            let first_day = dates.len() as u32;
            dates.extend(start.iter_days().take(days as usize));
            periods.push(Period {
                label: format!("{:04}-{:02}", start.year(), start.month()),
                first_hour: first_day * 24,
                hours: days * 24,
                first_day,
                days,
                start_ms: date_ms(start),
                end_ms: date_ms(end),
            });
        }

        let day_labels = dates
            .iter()
            .map(|d| d.format("%Y-%m-%d").to_string())
            .collect();
        let business_hour = dates
            .iter()
            .flat_map(|d| {
                let weekday = !matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
                // 08:00-18:00 US Eastern, in UTC.
                (0..24).map(move |h| weekday && (13..23).contains(&h))
            })
            .collect();
        Ok(Calendar {
            periods,
            start_ms,
            dates,
            day_labels,
            business_hour,
        })
    }

    /// Number of hours over all periods.
    pub fn total_hours(&self) -> u32 {
        self.business_hour.len() as u32
    }

    /// Number of days over all periods.
    pub fn total_days(&self) -> u32 {
        self.dates.len() as u32
    }

    /// Start of an hour, Unix milliseconds.
    pub fn hour_start_ms(&self, hour: u32) -> i64 {
        self.start_ms + i64::from(hour) * HOUR_MS
    }

    /// `YYYY-MM-DD` of a day.
    pub fn day_label(&self, day: u32) -> &str {
        &self.day_labels[day as usize]
    }

    /// The date of a day.
    pub fn date(&self, day: u32) -> NaiveDate {
        self.dates[day as usize]
    }

    /// Whether an hour falls in US office hours on a weekday.
    pub fn is_business_hour(&self, hour: u32) -> bool {
        self.business_hour[hour as usize]
    }

    /// Business hours in `range` (clamped to the calendar).
    pub fn business_hours_in(&self, range: std::ops::Range<u32>) -> u32 {
        let end = range.end.min(self.total_hours());
        (range.start.min(end)..end)
            .filter(|h| self.is_business_hour(*h))
            .count() as u32
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` of an instant given in hours from the calendar start.
    pub fn hour_label(&self, hour: u32) -> String {
        let day = hour / 24;
        let label = if (day as usize) < self.day_labels.len() {
            self.day_labels[day as usize].clone()
        } else {
            self.dates
                .last()
                .and_then(|d| {
                    d.checked_add_days(chrono::Days::new(
                        u64::from(day) - self.dates.len() as u64 + 1,
                    ))
                })
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default()
        };
        format!("{label}T{:02}:00:00Z", hour % 24)
    }

    /// `identity_time_interval` text for `[from_hour, to_hour)`.
    pub fn interval(&self, from_hour: u32, to_hour: u32) -> String {
        format!(
            "{}/{}",
            self.hour_label(from_hour),
            self.hour_label(to_hour)
        )
    }
}

/// Midnight UTC of a date, Unix milliseconds.
pub(crate) fn date_ms(date: NaiveDate) -> i64 {
    date.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_months_ending_october_2026() {
        let cal = Calendar::new("2026-10", 3).unwrap();
        let labels: Vec<_> = cal.periods.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(labels, ["2026-08", "2026-09", "2026-10"]);
        assert_eq!(cal.total_days(), 31 + 30 + 31);
        assert_eq!(cal.periods[1].first_hour, 31 * 24);
        assert_eq!(cal.day_label(31), "2026-09-01");
        assert_eq!(
            cal.interval(23, 24),
            "2026-08-01T23:00:00Z/2026-08-02T00:00:00Z"
        );
        assert_eq!(
            cal.interval(cal.periods[2].first_hour, cal.total_hours()),
            "2026-10-01T00:00:00Z/2026-11-01T00:00:00Z"
        );
        assert_eq!(
            cal.periods[2].end_ms - cal.periods[2].start_ms,
            31 * 24 * HOUR_MS
        );
    }

    #[test]
    fn rejects_malformed_periods() {
        assert!(Calendar::new("2026-13", 1).is_err());
        assert!(Calendar::new("2026-1", 1).is_err());
        assert!(Calendar::new("2026-10", 0).is_err());
        assert!(Calendar::new("2026-01", 2).is_ok());
    }
}
