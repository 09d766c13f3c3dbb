//! Presentation: what people read of a response. Pure functions over the response types —
//! amounts rounded for tables (money to the cent, usage to four decimals), flat rows for
//! tables and CSV, headings and summary lines. JSON is the response itself and is never
//! rounded; writing to a terminal or a file is the front end's business.

pub mod allocate;
pub mod anomalies;
pub mod budgets;
pub mod cost;
pub mod genai;
pub mod network;
pub mod recommend;
pub mod report;
pub mod score;
pub mod tables;
pub mod tags;
pub mod unit_cost;

use arrow::array::RecordBatch;
use costscope_query::QueryResult;

/// `value` rounded to `digits` decimals.
pub fn round(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}

/// An amount rounded to the cent.
pub fn cents(amount: f64) -> f64 {
    round(amount, 2)
}

/// An amount rounded to the nearest cent as exact decimal text, `1234.56` or `-0.05`
/// (never `-0.00`).
pub fn money(amount: f64) -> String {
    decimal_cents((amount * 100.0).round() as i64)
}

/// Whole cents as decimal text, `-12.05`.
pub fn decimal_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// `value` with exactly `decimals` decimals.
pub fn fixed(value: f64, decimals: usize) -> String {
    format!("{value:.decimals$}")
}

/// A table of cells already formatted (a pivot), with its header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// One batch as a query result, for the writers of tabular output.
pub fn result(batch: RecordBatch) -> QueryResult {
    QueryResult::new(batch.schema(), vec![batch])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_prints_cents_with_a_sign_and_never_minus_zero() {
        assert_eq!(decimal_cents(123456), "1234.56");
        assert_eq!(decimal_cents(-5), "-0.05");
        assert_eq!(decimal_cents(0), "0.00");
        assert_eq!(money(-0.004), "0.00");
        assert_eq!(money(2.5), "2.50");
        assert_eq!(fixed(-0.004, 2), "-0.00");
    }

    #[test]
    fn rounding_keeps_the_asked_decimals() {
        assert_eq!(round(1.23456, 4), 1.2346);
        assert_eq!(cents(2.345_000_1), 2.35);
        assert_eq!(round(12.5, 0), 13.0);
    }
}
