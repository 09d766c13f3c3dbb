//! Parameters of the extended protocol (`$1`, `$2`, ...) bound as SQL literals: each
//! value is decoded by its declared type and written through `costscope_core::sql`, and
//! only placeholder tokens are replaced (never text inside strings or comments).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use costscope_core::sql;
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};
use pgwire::api::Type;
use pgwire::api::portal::Portal;
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};

fn tokens(text: &str) -> PgWireResult<Vec<Token>> {
    Tokenizer::new(&GenericDialect {}, text)
        .tokenize()
        .map_err(|e| invalid("42601", format!("cannot read the statement: {e}")))
}

fn invalid(code: &str, message: String) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "ERROR".into(),
        code.into(),
        message,
    )))
}

/// The position of a `$n` placeholder (0-based).
fn placeholder(token: &Token) -> Option<usize> {
    match token {
        Token::Placeholder(p) => p.strip_prefix('$')?.parse::<usize>().ok()?.checked_sub(1),
        _ => None,
    }
}

/// How many parameters the statement takes (the highest `$n`).
pub fn count(text: &str) -> usize {
    tokens(text)
        .map(|tokens| {
            tokens
                .iter()
                .filter_map(placeholder)
                .map(|i| i + 1)
                .max()
                .unwrap_or(0)
        })
        .unwrap_or(0)
}

/// The statement with every placeholder replaced by `values[n - 1]`.
fn substitute(text: &str, values: &[String]) -> PgWireResult<String> {
    let mut out = String::with_capacity(text.len());
    for token in tokens(text)? {
        match placeholder(&token) {
            Some(i) => {
                let value = values.get(i).ok_or_else(|| {
                    invalid(
                        "08P01",
                        format!(
                            "the statement uses ${} but {} parameters were bound",
                            i + 1,
                            values.len()
                        ),
                    )
                })?;
                out.push_str(value);
            }
            None => out.push_str(&token.to_string()),
        }
    }
    Ok(out)
}

/// The statement with `count` parameters all NULL (to learn its columns).
pub fn bind_nulls(text: &str, count: usize) -> PgWireResult<String> {
    substitute(text, &vec!["NULL".to_string(); count])
}

/// The portal's statement with its bound parameters.
pub fn bind(portal: &Portal<String>) -> PgWireResult<String> {
    let values = (0..portal.parameter_len())
        .map(|i| {
            let declared = portal
                .statement
                .parameter_types
                .get(i)
                .cloned()
                .flatten()
                .unwrap_or(Type::UNKNOWN);
            literal(portal, i, &declared)
        })
        .collect::<PgWireResult<Vec<_>>>()?;
    substitute(&portal.statement.statement, &values)
}

/// Parameter `i` as a SQL literal of its type.
fn literal(portal: &Portal<String>, i: usize, declared: &Type) -> PgWireResult<String> {
    let Some(Some(raw)) = portal.parameters.get(i) else {
        return Ok("NULL".into());
    };
    let bad = |what: &str| invalid("22P02", format!("parameter ${}: {what}", i + 1));
    if portal.parameter_format.is_binary(i) {
        return binary(portal, i, declared)
            .map_err(|_| bad(&format!("not a valid binary {}", declared.name())))?
            .ok_or_else(|| {
                bad(&format!(
                    "binary {} parameters are not supported: send text",
                    declared.name()
                ))
            });
    }
    let text = std::str::from_utf8(raw).map_err(|_| bad("not UTF-8 text"))?;
    Ok(match *declared {
        Type::INT2 | Type::INT4 | Type::INT8 | Type::OID => text
            .trim()
            .parse::<i64>()
            .map_err(|_| bad("not an integer"))?
            .to_string(),
        Type::FLOAT4 | Type::FLOAT8 => float(
            text.trim()
                .parse::<f64>()
                .map_err(|_| bad("not a number"))?,
        ),
        Type::NUMERIC => {
            let value = text.trim();
            value
                .parse::<rust_decimal::Decimal>()
                .map_err(|_| bad("not a number"))?;
            value.to_string()
        }
        Type::BOOL => match text.trim().to_ascii_lowercase().as_str() {
            "t" | "true" | "y" | "yes" | "on" | "1" => "TRUE".into(),
            "f" | "false" | "n" | "no" | "off" | "0" => "FALSE".into(),
            _ => return Err(bad("not a boolean")),
        },
        Type::DATE => {
            let day = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .map_err(|_| bad("not a date (YYYY-MM-DD)"))?;
            sql::date(day)
        }
        Type::TIMESTAMP | Type::TIMESTAMPTZ => format!("TIMESTAMP {}", sql::literal(text.trim())),
        _ => sql::literal(text),
    })
}

/// A binary parameter as a literal (`None`: a type without binary support here).
fn binary(portal: &Portal<String>, i: usize, declared: &Type) -> PgWireResult<Option<String>> {
    let value = |v: Option<String>| Some(v.unwrap_or_else(|| "NULL".into()));
    Ok(match *declared {
        Type::BOOL => value(
            portal
                .parameter::<bool>(i, declared)?
                .map(|b| if b { "TRUE" } else { "FALSE" }.into()),
        ),
        Type::INT2 => value(portal.parameter::<i16>(i, declared)?.map(|v| v.to_string())),
        Type::INT4 => value(portal.parameter::<i32>(i, declared)?.map(|v| v.to_string())),
        Type::INT8 => value(portal.parameter::<i64>(i, declared)?.map(|v| v.to_string())),
        Type::FLOAT4 => value(
            portal
                .parameter::<f32>(i, declared)?
                .map(|v| float(f64::from(v))),
        ),
        Type::FLOAT8 => value(portal.parameter::<f64>(i, declared)?.map(float)),
        Type::NUMERIC => value(
            portal
                .parameter::<rust_decimal::Decimal>(i, declared)?
                .map(|v| v.to_string()),
        ),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => value(
            portal
                .parameter::<String>(i, declared)?
                .map(|v| sql::literal(&v)),
        ),
        Type::DATE => value(portal.parameter::<NaiveDate>(i, declared)?.map(sql::date)),
        Type::TIMESTAMP => value(
            portal
                .parameter::<NaiveDateTime>(i, declared)?
                .map(|v| format!("TIMESTAMP {}", sql::literal(&v.to_string()))),
        ),
        Type::TIMESTAMPTZ => value(
            portal
                .parameter::<DateTime<FixedOffset>>(i, declared)?
                .map(|v| format!("TIMESTAMP {}", sql::literal(&v.naive_utc().to_string()))),
        ),
        _ => None,
    })
}

/// A double as SQL: finite values as numbers, the others by name.
fn float(value: f64) -> String {
    if value.is_finite() {
        format!("{value:?}")
    } else {
        format!("CAST({} AS DOUBLE)", sql::literal(&value.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_placeholder_tokens_are_replaced() {
        let text = "SELECT '$1', \"$2\", $1 -- $2\n, $2";
        assert_eq!(count(text), 2);
        let bound = substitute(text, &["'a''b'".into(), "7".into()]).expect("bound");
        assert_eq!(bound, "SELECT '$1', \"$2\", 'a''b' -- $2\n, 7");
    }

    #[test]
    fn a_missing_value_is_refused() {
        assert!(substitute("SELECT $3", &["1".into()]).is_err());
        assert_eq!(
            bind_nulls("SELECT $1 + $2", 2).expect("nulls"),
            "SELECT NULL + NULL"
        );
    }

    #[test]
    fn floats_are_written_back_exactly() {
        for value in [0.1, -1.5e300, 12345.678] {
            assert_eq!(float(value).parse::<f64>().ok(), Some(value));
        }
        assert_eq!(float(f64::NAN), "CAST('NaN' AS DOUBLE)");
    }
}
