//! Building SQL from typed values. Analyses write their query shapes by hand, but every
//! value that comes from a user, a file or the data (a tag value, a date, a pattern) enters
//! the text only through these functions, so no value can end a literal or change the
//! query around it.

use chrono::NaiveDate;

/// A string as an SQL literal: `O'Brien` → `'O''Brien'` (the dialect reads a backslash
/// inside a literal as itself, so quotes are the only thing to escape).
pub fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// A name as an SQL identifier: `team` → `"team"`.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The value of `key` in the map column `column`: `resource_tags['user_team']`.
pub fn map_value(column: &str, key: &str) -> String {
    format!("{column}[{}]", literal(key))
}

/// `expr = 'a'` for one value, `expr IN ('a', 'b')` for several, `FALSE` for none.
pub fn in_list<'a>(expr: &str, values: impl IntoIterator<Item = &'a str>) -> String {
    let values: Vec<String> = values.into_iter().map(literal).collect();
    match values.as_slice() {
        [] => "FALSE".to_string(),
        [one] => format!("{expr} = {one}"),
        many => format!("{expr} IN ({})", many.join(", ")),
    }
}

/// `expr LIKE 'pattern'` (`%` any run, `_` one character, `\` escapes).
pub fn like(expr: &str, pattern: &str) -> String {
    format!("{expr} LIKE {}", literal(pattern))
}

/// `regexp_like(expr, 'expression')`.
pub fn regexp_like(expr: &str, expression: &str) -> String {
    format!("regexp_like({expr}, {})", literal(expression))
}

/// `DATE 'YYYY-MM-DD'`.
pub fn date(day: NaiveDate) -> String {
    format!("DATE '{}'", day.format("%Y-%m-%d"))
}

/// `TIMESTAMP 'YYYY-MM-DD 00:00:00'`: midnight UTC of `day` (CUR times are UTC without a
/// zone).
pub fn midnight(day: NaiveDate) -> String {
    format!("TIMESTAMP '{} 00:00:00'", day.format("%Y-%m-%d"))
}

/// `coalesce(nullif(expr, ''), 'label')`: `expr` with NULL and empty named `label`.
pub fn labelled(expr: &str, label: &str) -> String {
    format!("coalesce(nullif({expr}, ''), {})", literal(label))
}

/// The predicates joined with `AND` (`TRUE` when there are none).
pub fn all_of(predicates: &[String]) -> String {
    if predicates.is_empty() {
        "TRUE".to_string()
    } else {
        predicates.join(" AND ")
    }
}

/// Days `from` (inclusive) to `to` (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateWindow {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl DateWindow {
    /// The window `[from, to)`.
    pub fn new(from: NaiveDate, to: NaiveDate) -> DateWindow {
        DateWindow { from, to }
    }

    /// The rows whose timestamp `column` falls in the window.
    pub fn over_timestamp(&self, column: &str) -> String {
        format!(
            "{column} >= {} AND {column} < {}",
            midnight(self.from),
            midnight(self.to)
        )
    }

    /// The rows whose date `column` falls in the window.
    pub fn over_date(&self, column: &str) -> String {
        format!(
            "{column} >= {} AND {column} < {}",
            date(self.from),
            date(self.to)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_and_identifiers_escape_their_quotes() {
        assert_eq!(literal("O'Brien"), "'O''Brien'");
        assert_eq!(literal("a\\b"), "'a\\b'");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(map_value("resource_tags", "it's"), "resource_tags['it''s']");
    }

    #[test]
    fn lists_windows_and_labels() {
        assert_eq!(in_list("c", []), "FALSE");
        assert_eq!(in_list("c", ["a"]), "c = 'a'");
        assert_eq!(in_list("c", ["a", "b'"]), "c IN ('a', 'b''')");
        let day = |d| NaiveDate::from_ymd_opt(2026, 1, d).expect("date");
        let window = DateWindow::new(day(1), day(8));
        assert_eq!(
            window.over_timestamp("t"),
            "t >= TIMESTAMP '2026-01-01 00:00:00' AND t < TIMESTAMP '2026-01-08 00:00:00'"
        );
        assert_eq!(
            window.over_date("d"),
            "d >= DATE '2026-01-01' AND d < DATE '2026-01-08'"
        );
        assert_eq!(labelled("x", "(none)"), "coalesce(nullif(x, ''), '(none)')");
        assert_eq!(all_of(&[]), "TRUE");
    }
}
