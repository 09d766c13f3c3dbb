//! `date_trunc(unit, x)`: DataFusion's for timestamps, plus dates, which
//! Trino truncates to a date (DataFusion would return a timestamp).

use std::sync::Arc;

use arrow::array::Date32Array;
use arrow::datatypes::{DataType, Date32Type, Field, FieldRef};
use chrono::{Datelike, NaiveDate};
use datafusion::common::{Result, exec_err, plan_err};
use datafusion::functions::datetime::date_trunc;
use datafusion::logical_expr::sort_properties::{ExprProperties, SortProperties};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

use super::calendar::{date_to_days, date_value};
use super::unit::{Unit, UnitArg};
use crate::functions::args::{
    PrimitiveArg, TIMESTAMP_MS, check_arg_count, output, output_rows, varchar,
};

#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct DateTrunc {
    timestamps: Arc<ScalarUDF>,
    aliases: Vec<String>,
    signature: Signature,
}

impl DateTrunc {
    pub(crate) fn new() -> Self {
        let timestamps = date_trunc();
        Self {
            aliases: timestamps.aliases().to_vec(),
            timestamps,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

fn truncate_date(unit: Unit, date: NaiveDate) -> Option<NaiveDate> {
    match unit {
        Unit::Day => Some(date),
        Unit::Week => date.checked_sub_days(chrono::Days::new(u64::from(
            date.weekday().num_days_from_monday(),
        ))),
        Unit::Month => date.with_day(1),
        Unit::Quarter => NaiveDate::from_ymd_opt(date.year(), date.month0() / 3 * 3 + 1, 1),
        Unit::Year => NaiveDate::from_ymd_opt(date.year(), 1, 1),
        // `Unit::parse` rejects units shorter than a day for dates.
        Unit::Millisecond | Unit::Second | Unit::Minute | Unit::Hour => None,
    }
}

impl ScalarUDFImpl for DateTrunc {
    fn name(&self) -> &str {
        self.timestamps.name()
    }

    fn aliases(&self) -> &[String] {
        &self.aliases
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let name = self.name();
        check_arg_count(name, arg_types, 2, 2)?;
        let unit = varchar(name, 1, &arg_types[0])?;
        let value = match &arg_types[1] {
            DataType::Date32 | DataType::Date64 => DataType::Date32,
            t @ (DataType::Timestamp(_, _) | DataType::Time32(_) | DataType::Time64(_)) => {
                t.clone()
            }
            DataType::Null => TIMESTAMP_MS,
            other => {
                return plan_err!("{name} argument 2 must be a date or timestamp, got {other}");
            }
        };
        Ok(vec![unit, value])
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        Ok(arg_types[1].clone())
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        match args.arg_fields.get(1).map(|f| f.data_type()) {
            Some(DataType::Date32) => Ok(Arc::new(Field::new(self.name(), DataType::Date32, true))),
            _ => self.timestamps.return_field_from_args(args),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        if args.args[1].data_type() != DataType::Date32 {
            return self.timestamps.invoke_with_args(args);
        }
        let name = self.name();
        let unit = UnitArg::new(name, &args.args[0], true)?;
        let days = PrimitiveArg::<Date32Type>::new(name, &args.args[1])?;
        let rows = output_rows(&args.args, args.number_rows);
        let values = (0..rows)
            .map(|row| {
                let (Some(unit), Some(days)) = (unit.get(row)?, days.get(row)) else {
                    return Ok(None);
                };
                match truncate_date(unit, date_value(name, days)?) {
                    Some(date) => Ok(Some(date_to_days(date))),
                    None => exec_err!("{name}: date {days} is out of range"),
                }
            })
            .collect::<Result<Date32Array>>()?;
        output(Arc::new(values), &args.args)
    }

    fn output_ordering(&self, inputs: &[ExprProperties]) -> Result<SortProperties> {
        self.timestamps.output_ordering(inputs)
    }
}
