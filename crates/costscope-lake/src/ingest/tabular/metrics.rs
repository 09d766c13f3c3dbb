//! Business metric files: CSV with a header, a JSON array of objects, or JSON lines, with
//! the columns `date`, `metric`, `value` and the optional dimensions `app` and `team`.
//! Every value is checked before anything is written, and an error names the file, the
//! line and the column: a bad date, a value that is not a finite number, an empty metric
//! name, a missing or unknown column, or two rows for the same (date, metric, app, team)
//! with different values (identical repeats are kept once).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::Value;

use super::{MetricRecord, utf8};
use crate::{Error, Result};

/// The columns a metric record needs.
const REQUIRED: [&str; 3] = ["date", "metric", "value"];
/// The optional dimensions.
const OPTIONAL: [&str; 2] = ["app", "team"];

/// Where one record came from.
#[derive(Debug, Clone)]
pub(super) struct Origin {
    pub file: String,
    pub line: u64,
}

/// Parses one metrics file into records with their lines.
pub(super) fn parse(bytes: &[u8], file: &str) -> Result<Vec<(u64, MetricRecord)>> {
    let text = utf8(bytes, file)?;
    let trimmed = text.trim_start();
    let lower = file.to_ascii_lowercase();
    let json_name = [".json", ".jsonl", ".ndjson"]
        .iter()
        .any(|ext| lower.ends_with(ext));
    let fields = if trimmed.starts_with('[') {
        json_array(text, file)?
    } else if trimmed.starts_with('{') {
        json_lines(text, file)?
    } else if json_name {
        let line = 1 + text[..text.len() - trimmed.len()].matches('\n').count() as u64;
        return Err(malformed(
            file,
            line,
            "a JSON metrics file must be an array of objects or one object per line (JSON lines)",
        ));
    } else {
        csv_rows(bytes, file)?
    };
    fields
        .into_iter()
        .map(|(line, row)| record(row, file, line).map(|r| (line, r)))
        .collect()
}

/// Keeps one of identical repeats and refuses two different values for the same key.
pub(super) fn deduplicate(records: Vec<(Origin, MetricRecord)>) -> Result<Vec<MetricRecord>> {
    type Key = (String, String, Option<String>, Option<String>);
    let mut seen: BTreeMap<Key, (Origin, f64)> = BTreeMap::new();
    let mut unique = Vec::with_capacity(records.len());
    for (origin, record) in records {
        let key = (
            record.date.clone(),
            record.metric.clone(),
            record.app.clone(),
            record.team.clone(),
        );
        match seen.get(&key) {
            Some((_, value)) if *value == record.value => continue,
            Some((first, value)) => {
                return Err(malformed(
                    &origin.file,
                    origin.line,
                    &format!(
                        "duplicate of {}, line {} for date {}, metric `{}`, app {}, team {} with a different value ({} there, {} here)",
                        first.file,
                        first.line,
                        record.date,
                        record.metric,
                        shown(&record.app),
                        shown(&record.team),
                        value,
                        record.value
                    ),
                ));
            }
            None => {
                seen.insert(key, (origin, record.value));
                unique.push(record);
            }
        }
    }
    Ok(unique)
}

fn shown(dimension: &Option<String>) -> String {
    dimension
        .as_ref()
        .map(|d| format!("`{d}`"))
        .unwrap_or_else(|| "(none)".into())
}

fn malformed(file: &str, line: u64, message: &str) -> Error {
    Error::Malformed {
        file: file.into(),
        line,
        message: message.into(),
    }
}

type Row = BTreeMap<String, Value>;

/// A JSON array of objects, each with the line where it starts.
fn json_array(text: &str, file: &str) -> Result<Vec<(u64, Row)>> {
    let values: Vec<Value> = serde_json::from_str(text).map_err(|e| {
        malformed(
            file,
            e.line() as u64,
            &format!("not a valid JSON array: {e}"),
        )
    })?;
    let lines = array_element_lines(text);
    values
        .into_iter()
        .enumerate()
        .map(|(index, value)| {
            let line = lines.get(index).copied().unwrap_or(1);
            object(value, file, line).map(|row| (line, row))
        })
        .collect()
}

/// One JSON object per non-empty line.
fn json_lines(text: &str, file: &str) -> Result<Vec<(u64, Row)>> {
    let mut rows = Vec::new();
    for (index, line_text) in text.lines().enumerate() {
        let line = index as u64 + 1;
        if line_text.trim().is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(line_text).map_err(|e| {
            malformed(
                file,
                line,
                &format!(
                    "not a JSON object on one line ({e}); a JSON metrics file must be an array of objects or one object per line"
                ),
            )
        })?;
        rows.push((line, object(value, file, line)?));
    }
    Ok(rows)
}

fn object(value: Value, file: &str, line: u64) -> Result<Row> {
    match value {
        Value::Object(map) => Ok(map.into_iter().collect()),
        other => Err(malformed(
            file,
            line,
            &format!(
                "expected an object with date, metric and value, found {}",
                json_kind(&other)
            ),
        )),
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The line on which each element of a top-level JSON array starts (the text is valid
/// JSON: serde_json parsed it first).
pub(super) fn array_element_lines(text: &str) -> Vec<u64> {
    let mut lines = Vec::new();
    let (mut line, mut depth) = (1u64, 0usize);
    let (mut in_string, mut escaped, mut expecting) = (false, false, false);
    for c in text.chars() {
        if c == '\n' {
            line += 1;
        }
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        if expecting && !c.is_whitespace() && c != ']' {
            lines.push(line);
            expecting = false;
        }
        match c {
            '"' => in_string = true,
            '[' | '{' => {
                depth += 1;
                if depth == 1 {
                    expecting = true;
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            ',' if depth == 1 => expecting = true,
            _ => {}
        }
    }
    lines
}

/// CSV with a header naming the columns.
fn csv_rows(bytes: &[u8], file: &str) -> Result<Vec<(u64, Row)>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let csv_error = |e: csv::Error| {
        let line = e.position().map(|p| p.line()).unwrap_or(1);
        malformed(file, line, &e.to_string())
    };
    let headers = reader.headers().map_err(csv_error)?.clone();
    for (index, name) in headers.iter().enumerate() {
        if !REQUIRED.contains(&name) && !OPTIONAL.contains(&name) {
            return Err(malformed(
                file,
                1,
                &format!(
                    "column {}: unknown column `{name}` (expected date, metric, value and optionally app, team)",
                    index + 1
                ),
            ));
        }
    }
    for name in REQUIRED {
        if !headers.iter().any(|h| h == name) {
            return Err(malformed(
                file,
                1,
                &format!(
                    "missing required column `{name}` (the header needs date, metric and value)"
                ),
            ));
        }
    }
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(csv_error)? {
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let row = headers
            .iter()
            .zip(record.iter())
            .map(|(name, value)| (name.to_string(), Value::String(value.to_string())))
            .collect();
        rows.push((line, row));
    }
    Ok(rows)
}

/// One record from its columns, every value checked.
fn record(mut row: Row, file: &str, line: u64) -> Result<MetricRecord> {
    let bad = |column: &str, message: String| {
        malformed(file, line, &format!("column `{column}`: {message}"))
    };
    if let Some(unknown) = row
        .keys()
        .find(|k| !REQUIRED.contains(&k.as_str()) && !OPTIONAL.contains(&k.as_str()))
    {
        return Err(malformed(
            file,
            line,
            &format!(
                "unknown column `{unknown}` (expected date, metric, value and optionally app, team)"
            ),
        ));
    }
    for name in REQUIRED {
        if !row.contains_key(name) {
            return Err(malformed(
                file,
                line,
                &format!("missing required column `{name}`"),
            ));
        }
    }
    let date = text(row.remove("date"), "date", &bad)?.unwrap_or_default();
    if NaiveDate::parse_from_str(&date, "%Y-%m-%d").is_err() {
        return Err(bad("date", format!("`{date}` is not a YYYY-MM-DD date")));
    }
    let metric = text(row.remove("metric"), "metric", &bad)?.unwrap_or_default();
    if metric.is_empty() {
        return Err(bad("metric", "the metric name is empty".into()));
    }
    let value = match row.remove("value") {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) if s.trim().is_empty() => {
            return Err(bad("value", "the value is empty".into()));
        }
        Some(Value::String(s)) => Some(
            s.trim()
                .parse::<f64>()
                .map_err(|_| bad("value", format!("`{s}` is not a number")))?,
        ),
        Some(other) => {
            return Err(bad(
                "value",
                format!("expected a number, found {}", json_kind(&other)),
            ));
        }
        None => None,
    }
    .ok_or_else(|| bad("value", "the value is missing".into()))?;
    if !value.is_finite() {
        return Err(bad("value", format!("`{value}` is not a finite number")));
    }
    Ok(MetricRecord {
        date,
        metric,
        value,
        app: text(row.remove("app"), "app", &bad)?,
        team: text(row.remove("team"), "team", &bad)?,
    })
}

/// A trimmed string column; null, absent or empty as `None`.
fn text(
    value: Option<Value>,
    column: &str,
    bad: &dyn Fn(&str, String) -> Error,
) -> Result<Option<String>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            let s = s.trim();
            Ok((!s.is_empty()).then(|| s.to_string()))
        }
        Some(other) => Err(bad(
            column,
            format!("expected text, found {}", json_kind(&other)),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str, file: &str) -> String {
        parse(text.as_bytes(), file)
            .expect_err("should fail")
            .to_string()
    }

    #[test]
    fn csv_json_array_and_json_lines_agree() {
        let csv = "date,metric,value,app,team\n2026-10-01,orders,3,shop,\n";
        let array = "[\n  {\"date\": \"2026-10-01\", \"metric\": \"orders\", \"value\": 3, \"app\": \"shop\"}\n]";
        let lines = "{\"date\": \"2026-10-01\", \"metric\": \"orders\", \"value\": 3, \"app\": \"shop\", \"team\": null}\n";
        for (text, file, line) in [
            (csv, "m.csv", 2),
            (array, "m.json", 2),
            (lines, "m.jsonl", 1),
        ] {
            let records = parse(text.as_bytes(), file).expect(file);
            assert_eq!(records.len(), 1, "{file}");
            let (at, r) = &records[0];
            assert_eq!(*at, line, "{file}");
            assert_eq!(
                (r.date.as_str(), r.metric.as_str(), r.value),
                ("2026-10-01", "orders", 3.0)
            );
            assert_eq!(
                (r.app.as_deref(), r.team.as_deref()),
                (Some("shop"), None),
                "{file}"
            );
        }
    }

    #[test]
    fn array_elements_know_their_lines() {
        let text = "[\n{\"a\": \"x,[\\\"y\"},\n\n  {\"b\": [1, 2]}, 3\n]";
        assert_eq!(array_element_lines(text), vec![2, 4, 4]);
        assert_eq!(array_element_lines("[]"), Vec::<u64>::new());
    }

    #[test]
    fn every_bad_value_names_file_line_and_column() {
        let e = error(
            "date,metric,value\n2026-10-01,a,1\n2026-13-01,a,1\n",
            "m.csv",
        );
        assert!(e.starts_with("m.csv, line 3: column `date`"), "{e}");
        let e = error("date,metric,value\n2026-10-01,a,lots\n", "m.csv");
        assert!(
            e.starts_with("m.csv, line 2: column `value`: `lots` is not a number"),
            "{e}"
        );
        let e = error("date,metric,value\n2026-10-01,a,NaN\n", "m.csv");
        assert!(
            e.contains("line 2") && e.contains("not a finite number"),
            "{e}"
        );
        let e = error("date,metric,value\n2026-10-01, ,1\n", "m.csv");
        assert!(
            e.contains("line 2: column `metric`: the metric name is empty"),
            "{e}"
        );
        let e = error("date,metric\n2026-10-01,a\n", "m.csv");
        assert!(e.contains("line 1: missing required column `value`"), "{e}");
        let e = error("date,metric,value,region\n", "m.csv");
        assert!(
            e.contains("line 1: column 4: unknown column `region`"),
            "{e}"
        );
        let e = error(
            "[\n{\"date\": \"2026-10-01\", \"metric\": \"a\", \"value\": 1},\n{\"date\": \"2026-10-02\", \"metric\": \"a\", \"value\": \"x\"}\n]",
            "m.json",
        );
        assert!(e.starts_with("m.json, line 3: column `value`"), "{e}");
        let e = error("[1, 2]", "m.json");
        assert!(e.contains("line 1: expected an object"), "{e}");
        let e = error("\"just a string\"", "m.json");
        assert!(e.contains("array of objects or one object per line"), "{e}");
        let e = error("{\n  \"date\": \"2026-10-01\"\n}\n", "m.json");
        assert!(
            e.starts_with("m.json, line 1:") && e.contains("one object per line"),
            "{e}"
        );
        let e = error("{\"date\": \"2026-10-01\", \"metric\": \"a\"}\n", "m.jsonl");
        assert!(e.contains("line 1: missing required column `value`"), "{e}");
    }

    #[test]
    fn repeats_are_kept_once_and_conflicts_refused() {
        let origin = |line| Origin {
            file: "m.csv".into(),
            line,
        };
        let record = |value| MetricRecord {
            date: "2026-10-01".into(),
            metric: "orders".into(),
            value,
            app: Some("shop".into()),
            team: None,
        };
        let kept = deduplicate(vec![(origin(2), record(1.0)), (origin(3), record(1.0))])
            .expect("identical repeats");
        assert_eq!(kept.len(), 1);
        let e = deduplicate(vec![(origin(2), record(1.0)), (origin(5), record(2.0))])
            .expect_err("conflict")
            .to_string();
        assert!(
            e.starts_with("m.csv, line 5: duplicate of m.csv, line 2"),
            "{e}"
        );
    }
}
