//! Shared argument handling for the UDFs: type checks used by `coerce_types`,
//! and typed readers over arguments that may be constants or columns, so a
//! constant format string or delimiter is never expanded into a full column.

use arrow::array::{
    Array, ArrayRef, AsArray, LargeStringArray, PrimitiveArray, StringArray, StringViewArray,
};
use arrow::datatypes::{ArrowPrimitiveType, DataType, TimeUnit};
use datafusion::common::{DataFusionError, Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::ColumnarValue;

/// The timestamp type every timestamp argument is coerced to: CUR's own type.
pub(crate) const TIMESTAMP_MS: DataType = DataType::Timestamp(TimeUnit::Millisecond, None);

/// Fails planning unless `name` got between `min` and `max` arguments.
pub(crate) fn check_arg_count(
    name: &str,
    arg_types: &[DataType],
    min: usize,
    max: usize,
) -> Result<()> {
    let got = arg_types.len();
    if (min..=max).contains(&got) {
        return Ok(());
    }
    let expected = if min == max {
        format!("{min}")
    } else {
        format!("{min} to {max}")
    };
    plan_err!("{name} expects {expected} arguments, got {got}")
}

/// How one argument is coerced: `(function name, 1-based position, type) -> type`.
pub(crate) type Coercion = fn(&str, usize, &DataType) -> Result<DataType>;

/// Coerces the arguments of `name`: the `required` ones, then up to `optional.len()`
/// more. The count is checked before any type.
pub(crate) fn coerce_args(
    name: &str,
    arg_types: &[DataType],
    required: &[Coercion],
    optional: &[Coercion],
) -> Result<Vec<DataType>> {
    let max = required.len() + optional.len();
    check_arg_count(name, arg_types, required.len(), max)?;
    required
        .iter()
        .chain(optional)
        .zip(arg_types)
        .enumerate()
        .map(|(index, (coerce, data_type))| coerce(name, index + 1, data_type))
        .collect()
}

/// What a function does with a value it cannot read (text that is not a date, a format
/// it does not know).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum OnBadValue {
    /// Fail the query, as Trino does.
    Fail,
    /// Return NULL: the function's `try_` form, which `try(...)` swaps in.
    Null,
}

impl OnBadValue {
    /// The function's name: `strict`, or `lenient` (`try_` + `strict`, the name `try(...)`
    /// looks for) when bad values become NULL.
    pub(crate) fn name(self, strict: &'static str, lenient: &'static str) -> &'static str {
        debug_assert_eq!(lenient.strip_prefix("try_"), Some(strict));
        match self {
            OnBadValue::Fail => strict,
            OnBadValue::Null => lenient,
        }
    }

    /// The result for a bad value: `error`, or NULL.
    pub(crate) fn reject<T>(self, error: impl FnOnce() -> DataFusionError) -> Result<Option<T>> {
        match self {
            OnBadValue::Fail => Err(error()),
            OnBadValue::Null => Ok(None),
        }
    }

    /// `result` for a value that may be bad: its error is returned, or becomes NULL.
    pub(crate) fn check<T>(self, result: Result<T>) -> Result<Option<T>> {
        match result {
            Ok(value) => Ok(Some(value)),
            Err(error) => self.reject(|| error),
        }
    }
}

/// Whether `data_type` is one of Arrow's string encodings.
pub(crate) fn is_string(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

/// Coerces a varchar argument: string encodings are kept, NULL becomes Utf8.
pub(crate) fn varchar(name: &str, position: usize, data_type: &DataType) -> Result<DataType> {
    match data_type {
        DataType::Null => Ok(DataType::Utf8),
        t if is_string(t) => Ok(t.clone()),
        other => plan_err!("{name} argument {position} must be varchar, got {other}"),
    }
}

/// Coerces an integer argument to Int64 (Trino's bigint).
pub(crate) fn bigint(name: &str, position: usize, data_type: &DataType) -> Result<DataType> {
    if data_type.is_integer() || data_type.is_null() {
        Ok(DataType::Int64)
    } else {
        plan_err!("{name} argument {position} must be an integer, got {data_type}")
    }
}

/// Coerces a date or timestamp argument: dates stay Date32, every timestamp
/// (any unit, any zone) becomes [`TIMESTAMP_MS`]. A zoned timestamp keeps its
/// UTC time; Trino would use the zone's local time, which differs only for
/// zones other than UTC, which CUR does not use.
pub(crate) fn date_or_timestamp(
    name: &str,
    position: usize,
    data_type: &DataType,
) -> Result<DataType> {
    match data_type {
        DataType::Date32 | DataType::Date64 => Ok(DataType::Date32),
        DataType::Timestamp(_, _) | DataType::Null => Ok(TIMESTAMP_MS),
        other => plan_err!("{name} argument {position} must be a date or timestamp, got {other}"),
    }
}

/// Coerces a timestamp argument; dates are widened to midnight, as Trino does.
pub(crate) fn timestamp(name: &str, position: usize, data_type: &DataType) -> Result<DataType> {
    match data_type {
        DataType::Date32 | DataType::Date64 | DataType::Timestamp(_, _) | DataType::Null => {
            Ok(TIMESTAMP_MS)
        }
        other => plan_err!("{name} argument {position} must be a timestamp, got {other}"),
    }
}

/// A varchar argument read row by row, whatever its string encoding.
pub(crate) enum StrArg<'a> {
    Scalar(Option<&'a str>),
    Utf8(&'a StringArray),
    LargeUtf8(&'a LargeStringArray),
    Utf8View(&'a StringViewArray),
}

impl<'a> StrArg<'a> {
    pub(crate) fn new(name: &str, value: &'a ColumnarValue) -> Result<Self> {
        Ok(match value {
            ColumnarValue::Scalar(scalar) => match scalar {
                ScalarValue::Utf8(s) | ScalarValue::LargeUtf8(s) | ScalarValue::Utf8View(s) => {
                    Self::Scalar(s.as_deref())
                }
                ScalarValue::Null => Self::Scalar(None),
                other => return exec_err!("{name}: expected a varchar, got {}", other.data_type()),
            },
            ColumnarValue::Array(array) => match array.data_type() {
                DataType::Utf8 => Self::Utf8(array.as_string()),
                DataType::LargeUtf8 => Self::LargeUtf8(array.as_string()),
                DataType::Utf8View => Self::Utf8View(array.as_string_view()),
                other => return exec_err!("{name}: expected a varchar, got {other}"),
            },
        })
    }

    /// The value at `row`; a constant has the same value on every row.
    pub(crate) fn get(&self, row: usize) -> Option<&'a str> {
        match self {
            Self::Scalar(value) => *value,
            Self::Utf8(array) => array.is_valid(row).then(|| array.value(row)),
            Self::LargeUtf8(array) => array.is_valid(row).then(|| array.value(row)),
            Self::Utf8View(array) => array.is_valid(row).then(|| array.value(row)),
        }
    }

    /// The constant value, if this argument is one.
    pub(crate) fn constant(&self) -> Option<Option<&'a str>> {
        match self {
            Self::Scalar(value) => Some(*value),
            _ => None,
        }
    }
}

/// A primitive argument (integers, dates, timestamps) read row by row.
pub(crate) enum PrimitiveArg<'a, T: ArrowPrimitiveType> {
    Scalar(Option<T::Native>),
    Array(&'a PrimitiveArray<T>),
}

impl<'a, T: ArrowPrimitiveType> PrimitiveArg<'a, T> {
    pub(crate) fn new(name: &str, value: &'a ColumnarValue) -> Result<Self> {
        match value {
            ColumnarValue::Scalar(scalar) if scalar.is_null() => Ok(Self::Scalar(None)),
            ColumnarValue::Scalar(scalar) => {
                let array = scalar.to_array()?;
                match array.as_primitive_opt::<T>() {
                    Some(array) => Ok(Self::Scalar(Some(array.value(0)))),
                    None => exec_err!(
                        "{name}: expected {}, got {}",
                        T::DATA_TYPE,
                        scalar.data_type()
                    ),
                }
            }
            ColumnarValue::Array(array) => match array.as_primitive_opt::<T>() {
                Some(array) => Ok(Self::Array(array)),
                None => exec_err!(
                    "{name}: expected {}, got {}",
                    T::DATA_TYPE,
                    array.data_type()
                ),
            },
        }
    }

    pub(crate) fn get(&self, row: usize) -> Option<T::Native> {
        match self {
            Self::Scalar(value) => *value,
            Self::Array(array) => array.is_valid(row).then(|| array.value(row)),
        }
    }
}

/// Rows to produce: one when every argument is a constant, else the batch size.
pub(crate) fn output_rows(args: &[ColumnarValue], number_rows: usize) -> usize {
    if all_scalar(args) { 1 } else { number_rows }
}

/// Wraps a computed array as the function result: a scalar when every
/// argument was a constant, so constant folding keeps working.
pub(crate) fn output(array: ArrayRef, args: &[ColumnarValue]) -> Result<ColumnarValue> {
    if all_scalar(args) {
        Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
            &array, 0,
        )?))
    } else {
        Ok(ColumnarValue::Array(array))
    }
}

fn all_scalar(args: &[ColumnarValue]) -> bool {
    args.iter()
        .all(|arg| matches!(arg, ColumnarValue::Scalar(_)))
}

/// Declares a UDF struct with a user-defined signature and a `new()`.
macro_rules! udf_struct {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, PartialEq, Eq, Hash)]
        pub(crate) struct $name {
            signature: datafusion::logical_expr::Signature,
        }

        impl $name {
            pub(crate) fn new() -> Self {
                Self {
                    signature: datafusion::logical_expr::Signature::user_defined(
                        datafusion::logical_expr::Volatility::Immutable,
                    ),
                }
            }
        }
    };
}

pub(crate) use udf_struct;
