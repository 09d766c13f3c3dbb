//! Trino's date and time unit names (`'day'`, `'month'`, …), as taken by
//! `date_add`, `date_diff` and `date_trunc`.

use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::ColumnarValue;

use super::calendar::MILLIS_PER_DAY;
use crate::functions::args::StrArg;

/// A Trino date/time unit name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    Millisecond,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

impl Unit {
    pub(crate) fn parse(name: &str, for_date: bool) -> Result<Self> {
        let unit = match name.to_ascii_lowercase().as_str() {
            "millisecond" => Self::Millisecond,
            "second" => Self::Second,
            "minute" => Self::Minute,
            "hour" => Self::Hour,
            "day" => Self::Day,
            "week" => Self::Week,
            "month" => Self::Month,
            "quarter" => Self::Quarter,
            "year" => Self::Year,
            _ if for_date => return exec_err!("'{name}' is not a valid DATE field"),
            _ => return exec_err!("'{name}' is not a valid TIMESTAMP field"),
        };
        if for_date && unit.fixed_millis().is_some_and(|ms| ms < MILLIS_PER_DAY) {
            return exec_err!("'{name}' is not a valid DATE field");
        }
        Ok(unit)
    }

    /// Length of the unit when it is a fixed duration.
    pub(crate) fn fixed_millis(self) -> Option<i64> {
        match self {
            Self::Millisecond => Some(1),
            Self::Second => Some(1_000),
            Self::Minute => Some(60_000),
            Self::Hour => Some(3_600_000),
            Self::Day => Some(MILLIS_PER_DAY),
            Self::Week => Some(7 * MILLIS_PER_DAY),
            Self::Month | Self::Quarter | Self::Year => None,
        }
    }

    /// Length of the unit in calendar months (for month-based units).
    pub(crate) fn months(self) -> i64 {
        match self {
            Self::Quarter => 3,
            Self::Year => 12,
            _ => 1,
        }
    }
}

/// Resolves the unit for `row`, parsing a constant unit only once.
pub(crate) struct UnitArg<'a> {
    text: StrArg<'a>,
    constant: Option<Option<Unit>>,
    for_date: bool,
}

impl<'a> UnitArg<'a> {
    pub(crate) fn new(name: &str, value: &'a ColumnarValue, for_date: bool) -> Result<Self> {
        let text = StrArg::new(name, value)?;
        let constant = match text.constant() {
            Some(Some(unit)) => Some(Some(Unit::parse(unit, for_date)?)),
            Some(None) => Some(None),
            None => None,
        };
        Ok(Self {
            text,
            constant,
            for_date,
        })
    }

    pub(crate) fn get(&self, row: usize) -> Result<Option<Unit>> {
        match self.constant {
            Some(unit) => Ok(unit),
            None => self
                .text
                .get(row)
                .map(|name| Unit::parse(name, self.for_date))
                .transpose(),
        }
    }
}
