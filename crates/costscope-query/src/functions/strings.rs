//! String functions where Trino and DataFusion disagree: `split`,
//! `split_part` (NULL past the last part, not `''`), `substr` (a negative
//! start counts from the end), `replace` with two arguments, `concat` (NULL
//! if any argument is NULL) and `regexp_extract`.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{ArrayRef, ListBuilder, StringArray, StringBuilder};
use arrow::datatypes::{DataType, Field, Int64Type};
use datafusion::common::{Result, exec_err, plan_err};
use datafusion::functions_nested::concat::array_concat_udf;
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature};
use regex::Regex;

use super::args::{
    PrimitiveArg, StrArg, bigint, coerce_args, is_string, output, output_rows, udf_struct, varchar,
};

udf_struct!(
    /// `split(string, delimiter [, limit]) -> array(varchar)`.
    Split
);

impl ScalarUDFImpl for Split {
    fn name(&self) -> &str {
        "split"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        coerce_args(self.name(), arg_types, &[varchar, varchar], &[bigint])
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::List(Arc::new(Field::new_list_field(
            DataType::Utf8,
            true,
        ))))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = self.name();
        let text = StrArg::new(name, &args.args[0])?;
        let delimiter = StrArg::new(name, &args.args[1])?;
        let limit = args
            .args
            .get(2)
            .map(|limit| PrimitiveArg::<Int64Type>::new(name, limit))
            .transpose()?;
        let rows = output_rows(&args.args, args.number_rows);
        let mut builder = ListBuilder::new(StringBuilder::new());
        for row in 0..rows {
            let limit = match &limit {
                None => Some(usize::MAX),
                Some(limit) => match limit.get(row) {
                    None => None,
                    Some(n) if n <= 0 => return exec_err!("Limit must be positive"),
                    Some(n) => Some(usize::try_from(n).unwrap_or(usize::MAX)),
                },
            };
            let (Some(text), Some(delimiter), Some(limit)) =
                (text.get(row), delimiter.get(row), limit)
            else {
                builder.append_null();
                continue;
            };
            if delimiter.is_empty() {
                return exec_err!("The delimiter may not be the empty string");
            }
            for part in text.splitn(limit, delimiter) {
                builder.values().append_value(part);
            }
            builder.append(true);
        }
        output(Arc::new(builder.finish()), &args.args)
    }
}

udf_struct!(
    /// `split_part(string, delimiter, index)`: the 1-based part, NULL past the
    /// last one; an empty delimiter splits into characters.
    SplitPart
);

impl ScalarUDFImpl for SplitPart {
    fn name(&self) -> &str {
        "split_part"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        coerce_args(self.name(), arg_types, &[varchar, varchar, bigint], &[])
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = self.name();
        let text = StrArg::new(name, &args.args[0])?;
        let delimiter = StrArg::new(name, &args.args[1])?;
        let index = PrimitiveArg::<Int64Type>::new(name, &args.args[2])?;
        let rows = output_rows(&args.args, args.number_rows);
        let values = (0..rows)
            .map(|row| {
                let (Some(text), Some(delimiter), Some(index)) =
                    (text.get(row), delimiter.get(row), index.get(row))
                else {
                    return Ok(None);
                };
                if index <= 0 {
                    return exec_err!("Index must be greater than zero");
                }
                let skip = usize::try_from(index - 1).unwrap_or(usize::MAX);
                Ok(if delimiter.is_empty() {
                    text.char_indices()
                        .nth(skip)
                        .map(|(at, c)| &text[at..at + c.len_utf8()])
                } else {
                    text.split(delimiter).nth(skip)
                })
            })
            .collect::<Result<StringArray>>()?;
        output(Arc::new(values), &args.args)
    }
}

udf_struct!(
    /// `substr(string, start [, length])` (alias `substring`): 1-based code
    /// points; a negative start counts from the end; out of range gives `''`.
    Substr
);

/// Byte offset of code point `n`, or `None` past the end.
fn char_offset(text: &str, n: usize) -> Option<usize> {
    text.char_indices()
        .map(|(at, _)| at)
        .chain(std::iter::once(text.len()))
        .nth(n)
}

fn substr(text: &str, start: i64, length: Option<i64>) -> &str {
    if start == 0 || text.is_empty() || length.is_some_and(|l| l <= 0) {
        return "";
    }
    let first = if start > 0 {
        start - 1
    } else {
        let from_end = text.chars().count() as i64 + start;
        if from_end < 0 {
            return "";
        }
        from_end
    };
    let Some(begin) = usize::try_from(first)
        .ok()
        .and_then(|n| char_offset(text, n))
    else {
        return "";
    };
    let rest = &text[begin..];
    match length.and_then(|l| usize::try_from(l).ok()) {
        Some(chars) => &rest[..char_offset(rest, chars).unwrap_or(rest.len())],
        None => rest,
    }
}

impl ScalarUDFImpl for Substr {
    fn name(&self) -> &str {
        "substr"
    }

    fn aliases(&self) -> &[String] {
        static ALIASES: std::sync::LazyLock<Vec<String>> =
            std::sync::LazyLock::new(|| vec!["substring".to_string()]);
        &ALIASES
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        coerce_args(self.name(), arg_types, &[varchar, bigint], &[bigint])
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = self.name();
        let text = StrArg::new(name, &args.args[0])?;
        let start = PrimitiveArg::<Int64Type>::new(name, &args.args[1])?;
        let length = args
            .args
            .get(2)
            .map(|length| PrimitiveArg::<Int64Type>::new(name, length))
            .transpose()?;
        let rows = output_rows(&args.args, args.number_rows);
        let values: StringArray = (0..rows)
            .map(|row| {
                let length = match &length {
                    None => None,
                    Some(length) => Some(length.get(row)?),
                };
                Some(substr(text.get(row)?, start.get(row)?, length))
            })
            .collect();
        output(Arc::new(values), &args.args)
    }
}

udf_struct!(
    /// `replace(string, search [, replacement])`: without a replacement,
    /// every occurrence of `search` is removed.
    Replace
);

impl ScalarUDFImpl for Replace {
    fn name(&self) -> &str {
        "replace"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        coerce_args(self.name(), arg_types, &[varchar, varchar], &[varchar])
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = self.name();
        let text = StrArg::new(name, &args.args[0])?;
        let search = StrArg::new(name, &args.args[1])?;
        let replacement = match args.args.get(2) {
            Some(value) => StrArg::new(name, value)?,
            None => StrArg::Scalar(Some("")),
        };
        let rows = output_rows(&args.args, args.number_rows);
        let values: StringArray = (0..rows)
            .map(|row| {
                Some(
                    text.get(row)?
                        .replace(search.get(row)?, replacement.get(row)?),
                )
            })
            .collect();
        output(Arc::new(values), &args.args)
    }
}

udf_struct!(
    /// `concat(a, b, ...)`: NULL when any argument is NULL (DataFusion's
    /// skips NULLs); arrays are concatenated by `array_concat`. Non-string
    /// scalars are cast to varchar, which Trino would reject.
    Concat
);

impl Concat {
    fn is_array_concat(arg_types: &[DataType]) -> bool {
        arg_types.iter().any(|t| {
            matches!(
                t,
                DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(_, _)
            )
        })
    }
}

impl ScalarUDFImpl for Concat {
    fn name(&self) -> &str {
        "concat"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        if arg_types.is_empty() {
            return plan_err!("concat expects at least 1 argument, got 0");
        }
        if Self::is_array_concat(arg_types) {
            return array_concat_udf().coerce_types(arg_types);
        }
        arg_types
            .iter()
            .map(|t| match t {
                t if is_string(t) => Ok(t.clone()),
                DataType::Null => Ok(DataType::Utf8),
                t if t.is_nested() => plan_err!("concat cannot take {t}"),
                _ => Ok(DataType::Utf8),
            })
            .collect()
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        if Self::is_array_concat(arg_types) {
            return array_concat_udf().return_type(arg_types);
        }
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let types: Vec<DataType> = args.args.iter().map(ColumnarValue::data_type).collect();
        if Self::is_array_concat(&types) {
            return array_concat_udf().invoke_with_args(args);
        }
        let parts = args
            .args
            .iter()
            .map(|arg| StrArg::new(self.name(), arg))
            .collect::<Result<Vec<_>>>()?;
        let rows = output_rows(&args.args, args.number_rows);
        let mut builder = StringBuilder::with_capacity(rows, rows * 16);
        let mut text = String::new();
        for row in 0..rows {
            text.clear();
            let complete = parts.iter().all(|part| match part.get(row) {
                Some(value) => {
                    text.push_str(value);
                    true
                }
                None => false,
            });
            if complete {
                builder.append_value(&text);
            } else {
                builder.append_null();
            }
        }
        output(Arc::new(builder.finish()), &args.args)
    }
}

udf_struct!(
    /// `regexp_extract(string, pattern [, group])`: the group (default 0) of
    /// the first match, NULL when nothing matches or the group took no part.
    RegexpExtract
);

/// Compiled patterns, keyed by their text, for one batch.
#[derive(Default)]
struct RegexCache {
    compiled: HashMap<String, Regex>,
}

impl RegexCache {
    fn get(&mut self, pattern: &str) -> Result<&Regex> {
        if !self.compiled.contains_key(pattern) {
            let regex = match Regex::new(pattern) {
                Ok(regex) => regex,
                Err(err) => return exec_err!("regexp_extract: invalid pattern: {err}"),
            };
            self.compiled.insert(pattern.to_string(), regex);
        }
        match self.compiled.get(pattern) {
            Some(regex) => Ok(regex),
            None => exec_err!("regexp_extract: pattern cache lost {pattern}"),
        }
    }
}

fn extract<'t>(regex: &Regex, text: &'t str, group: i64) -> Result<Option<&'t str>> {
    let groups = regex.captures_len() - 1;
    if group < 0 {
        return exec_err!("Group cannot be negative");
    }
    let Some(index) = usize::try_from(group).ok().filter(|g| *g <= groups) else {
        return exec_err!("Pattern has {groups} groups. Cannot access group {group}");
    };
    Ok(regex
        .captures(text)
        .and_then(|captures| captures.get(index))
        .map(|m| m.as_str()))
}

impl ScalarUDFImpl for RegexpExtract {
    fn name(&self) -> &str {
        "regexp_extract"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        coerce_args(self.name(), arg_types, &[varchar, varchar], &[bigint])
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = self.name();
        let text = StrArg::new(name, &args.args[0])?;
        let pattern = StrArg::new(name, &args.args[1])?;
        let group = match args.args.get(2) {
            Some(group) => PrimitiveArg::<Int64Type>::new(name, group)?,
            None => PrimitiveArg::Scalar(Some(0)),
        };
        let rows = output_rows(&args.args, args.number_rows);
        let mut cache = RegexCache::default();
        let values: ArrayRef = Arc::new(
            (0..rows)
                .map(|row| {
                    let (Some(text), Some(pattern), Some(group)) =
                        (text.get(row), pattern.get(row), group.get(row))
                    else {
                        return Ok(None);
                    };
                    extract(cache.get(pattern)?, text, group)
                })
                .collect::<Result<StringArray>>()?,
        );
        output(values, &args.args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substr_matches_trino() {
        assert_eq!(substr("t3.micro-ARM", -3, None), "ARM");
        assert_eq!(substr("abcdef", 2, Some(3)), "bcd");
        assert_eq!(substr("abcdef", 5, Some(10)), "ef");
        assert_eq!(substr("abcdef", 7, None), "");
        assert_eq!(substr("abcdef", 0, None), "");
        assert_eq!(substr("abcdef", -7, None), "");
        assert_eq!(substr("abcdef", 2, Some(-1)), "");
        assert_eq!(substr("über", 2, Some(2)), "be");
    }

    #[test]
    fn regexp_extract_groups() -> Result<()> {
        let regex = Regex::new(r"(\d+)-(x)?").expect("valid test pattern");
        assert_eq!(extract(&regex, "a 12-b", 0)?, Some("12-"));
        assert_eq!(extract(&regex, "a 12-b", 1)?, Some("12"));
        assert_eq!(extract(&regex, "a 12-b", 2)?, None);
        assert_eq!(extract(&regex, "none", 1)?, None);
        assert!(extract(&regex, "a 12-b", 3).is_err());
        Ok(())
    }
}
