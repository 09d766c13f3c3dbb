//! Trino date and time functions over CUR's `timestamp(3)` and `date` columns.
//!
//! Timestamps are zone-less UTC wall-clock values (Athena's session zone is
//! UTC); zoned timestamps are read as their UTC time.

mod arithmetic;
mod calendar;
mod fields;
mod format;
mod iso8601;
mod specifiers;
mod truncate;
mod unit;

use datafusion::logical_expr::ScalarUDF;

use self::format::DateParse;
use self::iso8601::{FromIso8601, Iso8601};
use crate::functions::args::OnBadValue;

pub(crate) use self::arithmetic::{DateAdd, DateDiff};
pub(crate) use self::fields::date_field_udfs;
pub(crate) use self::format::DateFormat;
pub(crate) use self::truncate::DateTrunc;

/// The functions that can meet text they cannot read: `date_parse`,
/// `from_iso8601_timestamp` and `from_iso8601_date`, or with [`OnBadValue::Null`] their
/// `try_` forms.
pub(crate) fn fallible_udfs(on_bad_value: OnBadValue) -> Vec<ScalarUDF> {
    vec![
        ScalarUDF::new_from_impl(DateParse::new(on_bad_value)),
        ScalarUDF::new_from_impl(FromIso8601::new(Iso8601::Timestamp, on_bad_value)),
        ScalarUDF::new_from_impl(FromIso8601::new(Iso8601::Date, on_bad_value)),
    ]
}
