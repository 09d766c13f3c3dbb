//! `date_format(timestamp, format)` and `date_parse(varchar, format)` with
//! MySQL-style specifiers (DataFusion's own `date_format` is an alias of
//! `to_char`, which reads chrono specifiers: `%i` would not be minutes).

use std::sync::Arc;

use arrow::array::{StringBuilder, TimestampMillisecondArray};
use arrow::datatypes::{DataType, TimestampMillisecondType};
use datafusion::common::{DataFusionError, Result, exec_datafusion_err, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use super::calendar::{datetime_to_millis, timestamp_value};
use super::specifiers::MySqlFormat;
use crate::functions::args::{
    OnBadValue, PrimitiveArg, StrArg, TIMESTAMP_MS, coerce_args, output, output_rows, timestamp,
    udf_struct, varchar,
};

/// Compiles format strings, once for a constant and on change for a column.
struct FormatCache<'a> {
    name: &'a str,
    last: Option<(&'a str, MySqlFormat)>,
}

impl<'a> FormatCache<'a> {
    fn new(name: &'a str) -> Self {
        Self { name, last: None }
    }

    fn get(&mut self, pattern: &'a str) -> Result<&MySqlFormat> {
        let stale = !matches!(&self.last, Some((cached, _)) if *cached == pattern);
        if stale {
            let compiled = MySqlFormat::compile(pattern)
                .map_err(|reason| DataFusionError::Execution(format!("{}: {reason}", self.name)))?;
            self.last = Some((pattern, compiled));
        }
        match &self.last {
            Some((_, format)) => Ok(format),
            None => exec_err!("{}: format cache is empty", self.name),
        }
    }
}

udf_struct!(
    /// `date_format(timestamp, format) -> varchar`.
    DateFormat
);

impl ScalarUDFImpl for DateFormat {
    fn name(&self) -> &str {
        "date_format"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        coerce_args(self.name(), arg_types, &[timestamp, varchar], &[])
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = self.name();
        let input = PrimitiveArg::<TimestampMillisecondType>::new(name, &args.args[0])?;
        let pattern = StrArg::new(name, &args.args[1])?;
        let rows = output_rows(&args.args, args.number_rows);
        let mut formats = FormatCache::new(name);
        let mut builder = StringBuilder::with_capacity(rows, rows * 10);
        let mut text = String::new();
        for row in 0..rows {
            let (Some(millis), Some(pattern)) = (input.get(row), pattern.get(row)) else {
                builder.append_null();
                continue;
            };
            text.clear();
            formats
                .get(pattern)?
                .format(timestamp_value(name, millis)?, &mut text);
            builder.append_value(&text);
        }
        output(Arc::new(builder.finish()), &args.args)
    }
}

/// `date_parse(varchar, format) -> timestamp(3)`; fails on text that does not match the
/// format, as Trino does. Its lenient form, `try_date_parse`, returns NULL instead: it is
/// what `try(date_parse(...))` runs.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct DateParse {
    signature: Signature,
    on_bad_value: OnBadValue,
}

impl DateParse {
    pub(crate) fn new(on_bad_value: OnBadValue) -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
            on_bad_value,
        }
    }
}

impl ScalarUDFImpl for DateParse {
    fn name(&self) -> &str {
        self.on_bad_value.name("date_parse", "try_date_parse")
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        coerce_args(self.name(), arg_types, &[varchar, varchar], &[])
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(TIMESTAMP_MS)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = self.name();
        let input = StrArg::new(name, &args.args[0])?;
        let pattern = StrArg::new(name, &args.args[1])?;
        let rows = output_rows(&args.args, args.number_rows);
        let mut formats = FormatCache::new(name);
        let values = (0..rows)
            .map(|row| {
                let (Some(input), Some(pattern)) = (input.get(row), pattern.get(row)) else {
                    return Ok(None);
                };
                let parsed = formats.get(pattern).and_then(|format| {
                    format
                        .parse(input)
                        .map_err(|reason| exec_datafusion_err!("{name}: {reason}"))
                });
                Ok(self.on_bad_value.check(parsed)?.map(datetime_to_millis))
            })
            .collect::<Result<TimestampMillisecondArray>>()?;
        output(Arc::new(values), &args.args)
    }
}
