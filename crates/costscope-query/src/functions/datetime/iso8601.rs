//! `from_iso8601_timestamp` and `from_iso8601_date`.
//!
//! The grammar is Trino's ISO 8601 parser: `yyyy[-MM[-dd]]`, `yyyy-DDD` or
//! `yyyy-Www[-e]`, then optionally `T` and `HH[:mm[:ss[.fff]]]` with an offset
//! `Z`, `±HH`, `±HH:mm` or `±HHmm`. Unlike Trino, which keeps each value's
//! zone, the timestamp is returned as a zone-less UTC `timestamp(3)`, the type
//! of CUR's own timestamp columns; a value without an offset is read as UTC,
//! Athena's session zone.

use std::sync::Arc;

use arrow::array::{ArrayRef, Date32Array, TimestampMillisecondArray};
use arrow::datatypes::DataType;
use chrono::{NaiveDate, NaiveTime, Weekday};
use datafusion::common::{Result, exec_datafusion_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use super::calendar::date_to_days;
use crate::functions::args::{
    OnBadValue, StrArg, TIMESTAMP_MS, coerce_args, output, output_rows, varchar,
};

/// Parses an ISO 8601 timestamp into UTC epoch milliseconds.
pub(crate) fn parse_timestamp(input: &str) -> Option<i64> {
    let mut cursor = Cursor::new(input);
    let date = if cursor.peek() == Some(b'T') {
        NaiveDate::from_ymd_opt(1970, 1, 1)?
    } else {
        cursor.date()?
    };
    let mut time = NaiveTime::MIN;
    let mut offset_seconds = 0;
    if cursor.eat(b'T') {
        if cursor.peek().is_some_and(|b| b.is_ascii_digit()) {
            time = cursor.time()?;
        }
        if !cursor.at_end() {
            offset_seconds = cursor.offset()?;
        }
    }
    if !cursor.at_end() {
        return None;
    }
    let local = date.and_time(time).and_utc().timestamp_millis();
    local.checked_sub(i64::from(offset_seconds) * 1000)
}

/// Parses an ISO 8601 date (no time part).
pub(crate) fn parse_date(input: &str) -> Option<NaiveDate> {
    let mut cursor = Cursor::new(input);
    let date = cursor.date()?;
    cursor.at_end().then_some(date)
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(input: &'a str) -> Self {
        Self {
            bytes: input.as_bytes(),
            pos: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos == self.bytes.len()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.pos += 1;
        }
        found
    }

    /// Reads `min..=max` digits, returning the value and how many were read.
    fn digits(&mut self, min: usize, max: usize) -> Option<(u32, usize)> {
        let count = self.bytes[self.pos..]
            .iter()
            .take(max)
            .take_while(|b| b.is_ascii_digit())
            .count();
        if count < min {
            return None;
        }
        let text = std::str::from_utf8(&self.bytes[self.pos..self.pos + count]).ok()?;
        self.pos += count;
        Some((text.parse().ok()?, count))
    }

    fn date(&mut self) -> Option<NaiveDate> {
        let (year, _) = self.digits(4, 9)?;
        let year = i32::try_from(year).ok()?;
        if !self.eat(b'-') {
            return NaiveDate::from_ymd_opt(year, 1, 1);
        }
        if self.eat(b'W') {
            let (week, _) = self.digits(1, 2)?;
            let weekday = if self.eat(b'-') {
                let (day, _) = self.digits(1, 1)?;
                Weekday::try_from(u8::try_from(day.checked_sub(1)?).ok()?).ok()?
            } else {
                Weekday::Mon
            };
            return NaiveDate::from_isoywd_opt(year, week, weekday);
        }
        let (value, count) = self.digits(1, 3)?;
        if count == 3 {
            return NaiveDate::from_yo_opt(year, value);
        }
        let day = if self.eat(b'-') {
            self.digits(1, 2)?.0
        } else {
            1
        };
        NaiveDate::from_ymd_opt(year, value, day)
    }

    fn time(&mut self) -> Option<NaiveTime> {
        let (hour, _) = self.digits(1, 2)?;
        let mut minute = 0;
        let mut second = 0;
        let mut nanos = 0;
        if self.eat(b':') {
            minute = self.digits(1, 2)?.0;
            if self.eat(b':') {
                second = self.digits(1, 2)?.0;
                if self.eat(b'.') || self.eat(b',') {
                    let (fraction, count) = self.digits(1, 9)?;
                    nanos = fraction * 10u32.pow(9 - count as u32);
                }
            }
        }
        NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)
    }

    /// Reads `Z` or `±HH[[:]mm]`, returning seconds east of UTC.
    fn offset(&mut self) -> Option<i32> {
        if self.eat(b'Z') {
            return Some(0);
        }
        let sign = if self.eat(b'+') {
            1
        } else if self.eat(b'-') {
            -1
        } else {
            return None;
        };
        let (hours, _) = self.digits(2, 2)?;
        // Minutes are optional, with or without a colon.
        let colon = self.eat(b':');
        let minutes = if colon || self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.digits(2, 2)?.0
        } else {
            0
        };
        if hours > 23 || minutes > 59 {
            return None;
        }
        Some(sign * (hours * 3600 + minutes * 60) as i32)
    }
}

/// What `from_iso8601_*` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Iso8601 {
    /// `from_iso8601_timestamp(varchar) -> timestamp(3)`.
    Timestamp,
    /// `from_iso8601_date(varchar) -> date`.
    Date,
}

/// `from_iso8601_timestamp` or `from_iso8601_date`. The lenient forms,
/// `try_from_iso8601_timestamp` and `try_from_iso8601_date`, return NULL for text they
/// cannot read.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct FromIso8601 {
    signature: Signature,
    target: Iso8601,
    on_bad_value: OnBadValue,
}

impl FromIso8601 {
    pub(crate) fn new(target: Iso8601, on_bad_value: OnBadValue) -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
            target,
            on_bad_value,
        }
    }

    /// Parses every row with `parse`; `what` names the type in the error for bad text.
    fn parse_rows<T, A>(
        &self,
        args: &ScalarFunctionArgs,
        what: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<A>
    where
        A: FromIterator<Option<T>>,
    {
        let text = StrArg::new(self.name(), &args.args[0])?;
        let rows = output_rows(&args.args, args.number_rows);
        (0..rows)
            .map(|row| match text.get(row) {
                None => Ok(None),
                Some(input) => match parse(input) {
                    Some(value) => Ok(Some(value)),
                    None => self
                        .on_bad_value
                        .reject(|| exec_datafusion_err!("Invalid ISO 8601 {what}: \"{input}\"")),
                },
            })
            .collect()
    }
}

impl ScalarUDFImpl for FromIso8601 {
    fn name(&self) -> &str {
        match self.target {
            Iso8601::Timestamp => self
                .on_bad_value
                .name("from_iso8601_timestamp", "try_from_iso8601_timestamp"),
            Iso8601::Date => self
                .on_bad_value
                .name("from_iso8601_date", "try_from_iso8601_date"),
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        coerce_args(self.name(), arg_types, &[varchar], &[])
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(match self.target {
            Iso8601::Timestamp => TIMESTAMP_MS,
            Iso8601::Date => DataType::Date32,
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let values: ArrayRef = match self.target {
            Iso8601::Timestamp => Arc::new(self.parse_rows::<_, TimestampMillisecondArray>(
                &args,
                "timestamp",
                parse_timestamp,
            )?),
            Iso8601::Date => {
                Arc::new(self.parse_rows::<_, Date32Array>(&args, "date", |text| {
                    parse_date(text).map(date_to_days)
                })?)
            }
        };
        output(values, &args.args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn millis(text: &str) -> i64 {
        chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
            .expect("valid test time")
            .and_utc()
            .timestamp_millis()
    }

    #[test]
    fn timestamps() {
        let ts = |s| parse_timestamp(s);
        assert_eq!(
            ts("2026-09-01T00:00:00Z"),
            Some(millis("2026-09-01 00:00:00"))
        );
        assert_eq!(
            ts("2026-09-01T00:00:00.123Z"),
            Some(millis("2026-09-01 00:00:00.123"))
        );
        assert_eq!(
            ts("2026-09-01T02:00:00+02:00"),
            Some(millis("2026-09-01 00:00:00"))
        );
        assert_eq!(
            ts("2026-09-01T00:00:00-0130"),
            Some(millis("2026-09-01 01:30:00"))
        );
        assert_eq!(ts("2026-09-01T05+05"), Some(millis("2026-09-01 00:00:00")));
        assert_eq!(ts("2026-09-01"), Some(millis("2026-09-01 00:00:00")));
        assert_eq!(ts("2026-09"), Some(millis("2026-09-01 00:00:00")));
        assert_eq!(ts("2026-244T10:30"), Some(millis("2026-09-01 10:30:00")));
        assert_eq!(ts("2026-W01-1"), Some(millis("2025-12-29 00:00:00")));
        for bad in [
            "",
            "2026-09-01 00:00:00",
            "2026-13-01",
            "2026-09-01T25:00",
            "x",
            "2026-09-01TZZ",
        ] {
            assert_eq!(ts(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates() {
        assert_eq!(
            parse_date("2026-09-01"),
            NaiveDate::from_ymd_opt(2026, 9, 1)
        );
        assert_eq!(parse_date("2026"), NaiveDate::from_ymd_opt(2026, 1, 1));
        assert_eq!(parse_date("2026-09-01T00:00:00"), None);
        assert_eq!(parse_date("2026-02-30"), None);
    }
}
