//! `date_format(timestamp, format)` and `date_parse(varchar, format)` with
//! MySQL-style specifiers (DataFusion's own `date_format` is an alias of
//! `to_char`, which reads chrono specifiers: `%i` would not be minutes).

use std::sync::Arc;

use arrow::array::{StringBuilder, TimestampMillisecondArray};
use arrow::datatypes::{DataType, TimestampMillisecondType};
use datafusion::common::{DataFusionError, Result, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use super::specifiers::MySqlFormat;
use super::{TIMESTAMP_MS, datetime_to_millis, timestamp_value};
use crate::functions::args::{
    PrimitiveArg, StrArg, check_arg_count, output, output_rows, timestamp, udf_struct, varchar,
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
        check_arg_count(self.name(), arg_types, 2, 2)?;
        Ok(vec![
            timestamp(self.name(), 1, &arg_types[0])?,
            varchar(self.name(), 2, &arg_types[1])?,
        ])
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

/// `date_parse(varchar, format) -> timestamp(3)`; fails on text that does
/// not match the format, as Trino does. The lenient form, `try_date_parse`,
/// returns NULL instead: it is what `try(date_parse(...))` runs.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct DateParse {
    signature: Signature,
    lenient: bool,
}

impl DateParse {
    pub(crate) fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
            lenient: false,
        }
    }

    pub(crate) fn lenient() -> Self {
        Self {
            lenient: true,
            ..Self::new()
        }
    }
}

impl ScalarUDFImpl for DateParse {
    fn name(&self) -> &str {
        if self.lenient {
            "try_date_parse"
        } else {
            "date_parse"
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        check_arg_count(self.name(), arg_types, 2, 2)?;
        Ok(vec![
            varchar(self.name(), 1, &arg_types[0])?,
            varchar(self.name(), 2, &arg_types[1])?,
        ])
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
                let format = match formats.get(pattern) {
                    Ok(format) => format,
                    Err(_) if self.lenient => return Ok(None),
                    Err(err) => return Err(err),
                };
                match format.parse(input) {
                    Ok(value) => Ok(Some(datetime_to_millis(value))),
                    Err(_) if self.lenient => Ok(None),
                    Err(reason) => exec_err!("{name}: {reason}"),
                }
            })
            .collect::<Result<TimestampMillisecondArray>>()?;
        output(Arc::new(values), &args.args)
    }
}
