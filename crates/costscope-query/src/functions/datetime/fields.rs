//! `year(x)`, `month(x)`, `day_of_week(x)`, … : one calendar field of a date
//! or timestamp as a bigint, with Trino's names and ISO week rules.

use std::sync::Arc;

use arrow::array::Int64Array;
use arrow::datatypes::DataType;
use chrono::{Datelike, Timelike};
use datafusion::common::{Result, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use super::calendar::{TemporalArg, timestamp_value};
use crate::functions::args::{check_arg_count, date_or_timestamp, output, output_rows};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum DateField {
    Year,
    Quarter,
    Month,
    /// ISO week of the year (1..53).
    Week,
    Day,
    /// ISO day of the week, Monday = 1 .. Sunday = 7.
    DayOfWeek,
    DayOfYear,
    /// The ISO week-based year.
    YearOfWeek,
    Hour,
    Minute,
    Second,
    Millisecond,
}

impl DateField {
    const ALL: [Self; 12] = [
        Self::Year,
        Self::Quarter,
        Self::Month,
        Self::Week,
        Self::Day,
        Self::DayOfWeek,
        Self::DayOfYear,
        Self::YearOfWeek,
        Self::Hour,
        Self::Minute,
        Self::Second,
        Self::Millisecond,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Year => "year",
            Self::Quarter => "quarter",
            Self::Month => "month",
            Self::Week => "week",
            Self::Day => "day",
            Self::DayOfWeek => "day_of_week",
            Self::DayOfYear => "day_of_year",
            Self::YearOfWeek => "year_of_week",
            Self::Hour => "hour",
            Self::Minute => "minute",
            Self::Second => "second",
            Self::Millisecond => "millisecond",
        }
    }

    fn aliases(self) -> &'static [&'static str] {
        match self {
            Self::Week => &["week_of_year"],
            Self::Day => &["day_of_month"],
            Self::DayOfWeek => &["dow"],
            Self::DayOfYear => &["doy"],
            Self::YearOfWeek => &["yow"],
            _ => &[],
        }
    }

    fn is_time_of_day(self) -> bool {
        matches!(
            self,
            Self::Hour | Self::Minute | Self::Second | Self::Millisecond
        )
    }
}

/// One UDF per field, each with its Trino aliases.
pub(crate) fn date_field_udfs() -> Vec<ScalarUDF> {
    DateField::ALL
        .into_iter()
        .map(|field| ScalarUDF::new_from_impl(ExtractField::new(field)))
        .collect()
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct ExtractField {
    field: DateField,
    aliases: Vec<String>,
    signature: Signature,
}

impl ExtractField {
    fn new(field: DateField) -> Self {
        Self {
            field,
            aliases: field.aliases().iter().map(|a| a.to_string()).collect(),
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for ExtractField {
    fn name(&self) -> &str {
        self.field.name()
    }

    fn aliases(&self) -> &[String] {
        &self.aliases
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        check_arg_count(self.name(), arg_types, 1, 1)?;
        let coerced = date_or_timestamp(self.name(), 1, &arg_types[0])?;
        if coerced == DataType::Date32 && self.field.is_time_of_day() {
            return plan_err!(
                "{} is not defined for a date, got {}",
                self.name(),
                arg_types[0]
            );
        }
        Ok(vec![coerced])
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = self.name();
        let input = TemporalArg::new(name, &args.args[0])?;
        let rows = output_rows(&args.args, args.number_rows);
        let values = (0..rows)
            .map(|row| {
                let Some(millis) = input.millis(row) else {
                    return Ok(None);
                };
                let value = timestamp_value(name, millis)?;
                Ok(Some(match self.field {
                    DateField::Year => i64::from(value.year()),
                    DateField::Quarter => i64::from(value.month0() / 3 + 1),
                    DateField::Month => i64::from(value.month()),
                    DateField::Week => i64::from(value.iso_week().week()),
                    DateField::Day => i64::from(value.day()),
                    DateField::DayOfWeek => i64::from(value.weekday().number_from_monday()),
                    DateField::DayOfYear => i64::from(value.ordinal()),
                    DateField::YearOfWeek => i64::from(value.iso_week().year()),
                    DateField::Hour => i64::from(value.hour()),
                    DateField::Minute => i64::from(value.minute()),
                    DateField::Second => i64::from(value.second()),
                    DateField::Millisecond => i64::from(value.nanosecond() / 1_000_000),
                }))
            })
            .collect::<Result<Int64Array>>()?;
        output(Arc::new(values), &args.args)
    }
}
