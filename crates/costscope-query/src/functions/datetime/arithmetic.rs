//! `date_add(unit, value, x)` and `date_diff(unit, x1, x2)` with Trino's
//! unit-first argument order and calendar rules.

use std::sync::Arc;

use arrow::array::{ArrayRef, Date32Array, Int64Array, TimestampMillisecondArray};
use arrow::datatypes::{DataType, Date32Type, Int64Type, TimestampMillisecondType};
use chrono::{Datelike, NaiveDateTime};
use datafusion::common::{Result, exec_err, plan_err};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature};

use super::calendar::{
    TemporalArg, add_months, date_to_days, date_value, datetime_to_millis, days_in_month,
    timestamp_value,
};
use super::unit::{Unit, UnitArg};
use crate::functions::args::{
    PrimitiveArg, TIMESTAMP_MS, bigint, coerce_args, date_or_timestamp, output, output_rows,
    udf_struct, varchar,
};

fn out_of_range<T>(name: &str) -> Result<T> {
    exec_err!("{name}: result is out of range")
}

udf_struct!(
    /// `date_add(unit, value, date | timestamp)`.
    DateAdd
);

impl DateAdd {
    fn add_to_timestamp(&self, unit: Unit, amount: i64, millis: i64) -> Result<i64> {
        let name = self.name();
        if let Some(step) = unit.fixed_millis() {
            return match amount.checked_mul(step).and_then(|d| millis.checked_add(d)) {
                Some(result) => Ok(result),
                None => out_of_range(name),
            };
        }
        let value = timestamp_value(name, millis)?;
        match amount
            .checked_mul(unit.months())
            .and_then(|months| add_months(value, months))
        {
            Some(result) => Ok(datetime_to_millis(result)),
            None => out_of_range(name),
        }
    }

    fn add_to_date(&self, unit: Unit, amount: i64, days: i32) -> Result<i32> {
        let name = self.name();
        let result = match unit {
            Unit::Day | Unit::Week => {
                let step = if unit == Unit::Week { 7 } else { 1 };
                amount
                    .checked_mul(step)
                    .and_then(|d| i64::from(days).checked_add(d))
                    .and_then(|d| i32::try_from(d).ok())
            }
            _ => amount
                .checked_mul(unit.months())
                .and_then(|months| add_months(date_value(name, days).ok()?, months))
                .map(date_to_days),
        };
        match result {
            Some(days) => Ok(days),
            None => out_of_range(name),
        }
    }
}

impl ScalarUDFImpl for DateAdd {
    fn name(&self) -> &str {
        "date_add"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let coercions = [varchar, bigint, date_or_timestamp];
        coerce_args(self.name(), arg_types, &coercions, &[])
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        Ok(arg_types[2].clone())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = self.name();
        let for_date = args.args[2].data_type() == DataType::Date32;
        let unit = UnitArg::new(name, &args.args[0], for_date)?;
        let amount = PrimitiveArg::<Int64Type>::new(name, &args.args[1])?;
        let rows = output_rows(&args.args, args.number_rows);
        let result: ArrayRef = if for_date {
            let base = PrimitiveArg::<Date32Type>::new(name, &args.args[2])?;
            let values = (0..rows)
                .map(
                    |row| match (unit.get(row)?, amount.get(row), base.get(row)) {
                        (Some(unit), Some(amount), Some(days)) => {
                            self.add_to_date(unit, amount, days).map(Some)
                        }
                        _ => Ok(None),
                    },
                )
                .collect::<Result<Date32Array>>()?;
            Arc::new(values)
        } else {
            let base = PrimitiveArg::<TimestampMillisecondType>::new(name, &args.args[2])?;
            let values = (0..rows)
                .map(
                    |row| match (unit.get(row)?, amount.get(row), base.get(row)) {
                        (Some(unit), Some(amount), Some(millis)) => {
                            self.add_to_timestamp(unit, amount, millis).map(Some)
                        }
                        _ => Ok(None),
                    },
                )
                .collect::<Result<TimestampMillisecondArray>>()?;
            Arc::new(values)
        };
        output(result, &args.args)
    }
}

udf_struct!(
    /// `date_diff(unit, x1, x2)`: how many whole units `x2` is after `x1`.
    DateDiff
);

impl DateDiff {
    fn diff(&self, unit: Unit, from: i64, to: i64) -> Result<i64> {
        if let Some(step) = unit.fixed_millis() {
            // Java's division truncates toward zero, like Rust's.
            return match to.checked_sub(from) {
                Some(delta) => Ok(delta / step),
                None => out_of_range(self.name()),
            };
        }
        let from = timestamp_value(self.name(), from)?;
        let to = timestamp_value(self.name(), to)?;
        Ok(months_between(from, to) / unit.months())
    }
}

/// Whole months from `from` to `to`, by Trino's (Joda's) rule: a later
/// day-of-month in `from` counts as the last day when `to` is on the last
/// day of its month, so Jan 31 to Feb 28 is one month.
fn months_between(from: NaiveDateTime, to: NaiveDateTime) -> i64 {
    if to < from {
        return -months_between(to, from);
    }
    let mut months = (i64::from(to.year()) - i64::from(from.year())) * 12 + i64::from(to.month())
        - i64::from(from.month());
    let to_is_month_end = to.day() == days_in_month(to.year(), to.month());
    let from_day = if to_is_month_end {
        from.day().min(to.day())
    } else {
        from.day()
    };
    if (to.day(), to.time()) < (from_day, from.time()) {
        months -= 1;
    }
    months
}

impl ScalarUDFImpl for DateDiff {
    fn name(&self) -> &str {
        "date_diff"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let coercions = [varchar, date_or_timestamp, date_or_timestamp];
        let mut coerced = coerce_args(self.name(), arg_types, &coercions, &[])?;
        // Mixed date and timestamp arguments compare as timestamps.
        if coerced[1] != coerced[2] {
            coerced[1] = TIMESTAMP_MS;
            coerced[2] = TIMESTAMP_MS;
        }
        Ok(coerced)
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match (&arg_types[1], &arg_types[2]) {
            (a, b) if a == b => Ok(DataType::Int64),
            (a, b) => plan_err!("date_diff: cannot compare {a} with {b}"),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = self.name();
        let for_date = args.args[1].data_type() == DataType::Date32;
        let unit = UnitArg::new(name, &args.args[0], for_date)?;
        let rows = output_rows(&args.args, args.number_rows);
        let from = TemporalArg::new(name, &args.args[1])?;
        let to = TemporalArg::new(name, &args.args[2])?;
        let values = (0..rows)
            .map(
                |row| match (unit.get(row)?, from.millis(row), to.millis(row)) {
                    (Some(unit), Some(from), Some(to)) => self.diff(unit, from, to).map(Some),
                    _ => Ok(None),
                },
            )
            .collect::<Result<Int64Array>>()?;
        output(Arc::new(values), &args.args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").expect("valid test time")
    }

    #[test]
    fn months_between_follows_trino() {
        let months = |a, b| months_between(at(a), at(b));
        assert_eq!(months("2026-01-31 00:00:00", "2026-02-28 00:00:00"), 1);
        assert_eq!(months("2026-01-31 00:00:00", "2026-02-27 00:00:00"), 0);
        assert_eq!(months("2026-01-15 12:00:00", "2026-02-15 11:59:59"), 0);
        assert_eq!(months("2026-01-15 12:00:00", "2026-02-15 12:00:00"), 1);
        assert_eq!(months("2026-03-01 00:00:00", "2026-01-01 00:00:00"), -2);
        assert_eq!(months("2024-02-29 00:00:00", "2025-02-28 00:00:00"), 12);
    }
}
