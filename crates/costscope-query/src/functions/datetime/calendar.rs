//! Conversions between Arrow's date and timestamp values and chrono's, and the calendar
//! arithmetic the date and time functions share.

use arrow::datatypes::{DataType, Date32Type, TimestampMillisecondType};
use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveDateTime};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::ColumnarValue;

use crate::functions::args::PrimitiveArg;

pub(crate) const MILLIS_PER_DAY: i64 = 86_400_000;

/// Days from 0001-01-01 (chrono's day 1) to 1970-01-01.
const UNIX_EPOCH_DAYS_FROM_CE: i32 = 719_163;

pub(crate) fn millis_to_datetime(millis: i64) -> Option<NaiveDateTime> {
    DateTime::from_timestamp_millis(millis).map(|utc| utc.naive_utc())
}

pub(crate) fn datetime_to_millis(value: NaiveDateTime) -> i64 {
    value.and_utc().timestamp_millis()
}

pub(crate) fn days_to_date(days: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(days.checked_add(UNIX_EPOCH_DAYS_FROM_CE)?)
}

pub(crate) fn date_to_days(date: NaiveDate) -> i32 {
    date.num_days_from_ce() - UNIX_EPOCH_DAYS_FROM_CE
}

/// Days in `month` of `year` (proleptic Gregorian).
pub(crate) fn days_in_month(year: i32, month: u32) -> u32 {
    let (next_year, next_month) = if month >= 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(next_year, next_month, 1)
        .and_then(|first| first.pred_opt())
        .map_or(31, |last| last.day())
}

/// Converts a timestamp argument, failing on values outside chrono's range.
pub(crate) fn timestamp_value(name: &str, millis: i64) -> Result<NaiveDateTime> {
    match millis_to_datetime(millis) {
        Some(value) => Ok(value),
        None => exec_err!("{name}: timestamp {millis} ms is out of range"),
    }
}

/// Converts a date argument, failing on values outside chrono's range.
pub(crate) fn date_value(name: &str, days: i32) -> Result<NaiveDate> {
    match days_to_date(days) {
        Some(value) => Ok(value),
        None => exec_err!("{name}: date {days} days is out of range"),
    }
}

/// Adds a signed number of months, clamping to the end of shorter months
/// (`2026-01-31 + 1 month = 2026-02-28`), as Trino does.
pub(crate) fn add_months<T>(value: T, months: i64) -> Option<T>
where
    T: Datelike + AddMonths,
{
    let magnitude = u32::try_from(months.unsigned_abs()).ok()?;
    if months >= 0 {
        value.checked_add(Months::new(magnitude))
    } else {
        value.checked_sub(Months::new(magnitude))
    }
}

/// Month arithmetic shared by dates and timestamps.
pub(crate) trait AddMonths: Sized {
    fn checked_add(self, months: Months) -> Option<Self>;
    fn checked_sub(self, months: Months) -> Option<Self>;
}

impl AddMonths for NaiveDate {
    fn checked_add(self, months: Months) -> Option<Self> {
        self.checked_add_months(months)
    }
    fn checked_sub(self, months: Months) -> Option<Self> {
        self.checked_sub_months(months)
    }
}

impl AddMonths for NaiveDateTime {
    fn checked_add(self, months: Months) -> Option<Self> {
        self.checked_add_months(months)
    }
    fn checked_sub(self, months: Months) -> Option<Self> {
        self.checked_sub_months(months)
    }
}

/// A date or timestamp argument (after coercion), read as epoch milliseconds.
pub(crate) enum TemporalArg<'a> {
    Date(PrimitiveArg<'a, Date32Type>),
    Timestamp(PrimitiveArg<'a, TimestampMillisecondType>),
}

impl<'a> TemporalArg<'a> {
    pub(crate) fn new(name: &str, value: &'a ColumnarValue) -> Result<Self> {
        Ok(match value.data_type() {
            DataType::Date32 => Self::Date(PrimitiveArg::new(name, value)?),
            _ => Self::Timestamp(PrimitiveArg::new(name, value)?),
        })
    }

    pub(crate) fn millis(&self, row: usize) -> Option<i64> {
        match self {
            Self::Date(days) => days.get(row).map(|d| i64::from(d) * MILLIS_PER_DAY),
            Self::Timestamp(millis) => millis.get(row),
        }
    }
}
