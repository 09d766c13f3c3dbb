//! Rows as text, to compare the answers of the app, HTTP, psql and psycopg.

use arrow::array::{Array, AsArray};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use costscope_query::QueryResult;

/// Every value as text; nulls are empty.
pub fn as_text(result: &QueryResult) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for batch in &result.batches {
        let columns: Vec<_> = batch
            .columns()
            .iter()
            .map(|c| cast(c, &DataType::Utf8).expect("cast to text"))
            .collect();
        for row in 0..batch.num_rows() {
            rows.push(
                columns
                    .iter()
                    .map(|c| {
                        if c.is_null(row) {
                            String::new()
                        } else {
                            c.as_string::<i32>().value(row).to_string()
                        }
                    })
                    .collect(),
            );
        }
    }
    rows
}

/// JSON rows (`[[...], ...]`) as text.
pub fn json_as_text(rows: &serde_json::Value) -> Vec<Vec<String>> {
    rows.as_array()
        .expect("rows")
        .iter()
        .map(|row| {
            row.as_array()
                .expect("row")
                .iter()
                .map(|v| match v {
                    serde_json::Value::Null => String::new(),
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

/// psql's unaligned, tuples-only output (`-A -t -F '|'`) as rows.
pub fn psql_as_text(stdout: &[u8]) -> Vec<Vec<String>> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.split('|').map(str::to_string).collect())
        .collect()
}

/// Two values are the same text, or the same number.
fn same(a: &str, b: &str) -> bool {
    a == b || matches!((a.parse::<f64>(), b.parse::<f64>()), (Ok(x), Ok(y)) if x == y)
}

/// Asserts both sides have the same rows, value by value.
#[track_caller]
pub fn assert_same(expected: &[Vec<String>], actual: &[Vec<String>], what: &str) {
    assert_eq!(expected.len(), actual.len(), "{what}: row count");
    assert!(!expected.is_empty(), "{what}: the query should return rows");
    for (i, (e, a)) in expected.iter().zip(actual).enumerate() {
        assert_eq!(e.len(), a.len(), "{what}: columns of row {i}");
        for (x, y) in e.iter().zip(a) {
            assert!(same(x, y), "{what}: row {i}: expected {e:?}, got {a:?}");
        }
    }
}
