//! Hand-built CUR 2.0 exports shaped differently from the generator's, written with the
//! parquet crate, so ingest is tested on the variety real exports show.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{
    ArrayRef, Float64Array, MapBuilder, MapFieldNames, RecordBatch, StringArray, StringBuilder,
    TimestampMicrosecondArray, TimestampMillisecondArray,
};
use arrow::datatypes::{Field, Schema};
use parquet::arrow::ArrowWriter;

/// One line item of a fixture.
#[derive(Debug, Clone)]
pub struct Line {
    pub account: &'static str,
    pub product: &'static str,
    pub line_item_type: &'static str,
    pub start_ms: i64,
    pub cost: f64,
    pub currency: &'static str,
    pub team: Option<&'static str>,
    /// Another tag (CUR key and value) on the line.
    pub tag: Option<(&'static str, &'static str)>,
}

impl Line {
    pub fn usage(account: &'static str, product: &'static str, day: u32, cost: f64) -> Self {
        Line {
            account,
            product,
            line_item_type: "Usage",
            start_ms: ms("2026-09", day),
            cost,
            currency: "USD",
            team: Some("web"),
            tag: None,
        }
    }
}

/// Milliseconds since the epoch of a day of `YYYY-MM`.
pub fn ms(period: &str, day: u32) -> i64 {
    let date =
        chrono::NaiveDate::parse_from_str(&format!("{period}-{day:02}"), "%Y-%m-%d").expect("date");
    date.and_hms_opt(0, 0, 0)
        .expect("time")
        .and_utc()
        .timestamp_millis()
}

/// How a fixture file deviates from the canonical shape.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shape {
    /// Columns in reverse order.
    pub reversed: bool,
    /// Timestamps in microseconds with a UTC zone instead of milliseconds without one.
    pub micros_utc: bool,
    /// An extra column the lake does not know.
    pub extra_column: bool,
    /// Map field names `entries`/`keys`/`values` instead of `key_value`/`key`/`value`.
    pub arrow_map_names: bool,
    /// Leave out this required column.
    pub drop_required: Option<&'static str>,
}

/// Writes `lines` as one CUR 2.0 Parquet file at `path` (parents created).
pub fn write_cur2(path: &Path, lines: &[Line], shape: Shape) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    let mut fields: Vec<Field> = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    let mut push = |name: &str, column: ArrayRef| {
        if shape.drop_required == Some(name) {
            return;
        }
        fields.push(Field::new(name, column.data_type().clone(), true));
        columns.push(column);
    };
    let strings = |f: &dyn Fn(&Line) -> &'static str| -> ArrayRef {
        Arc::new(StringArray::from(lines.iter().map(f).collect::<Vec<_>>()))
    };
    push("bill_payer_account_id", strings(&|_| "999999999999"));
    push("line_item_usage_account_id", strings(&|l| l.account));
    push("line_item_product_code", strings(&|l| l.product));
    push("line_item_line_item_type", strings(&|l| l.line_item_type));
    push("line_item_currency_code", strings(&|l| l.currency));
    push(
        "line_item_unblended_cost",
        Arc::new(Float64Array::from(
            lines.iter().map(|l| l.cost).collect::<Vec<_>>(),
        )),
    );
    let starts: Vec<i64> = lines.iter().map(|l| l.start_ms).collect();
    let start: ArrayRef = if shape.micros_utc {
        Arc::new(
            TimestampMicrosecondArray::from(starts.iter().map(|s| s * 1000).collect::<Vec<_>>())
                .with_timezone("UTC"),
        )
    } else {
        Arc::new(TimestampMillisecondArray::from(starts))
    };
    push("line_item_usage_start_date", start);
    // Tags: an empty map for untagged lines, a NULL map for the first line.
    let names = if shape.arrow_map_names {
        MapFieldNames {
            entry: "entries".into(),
            key: "keys".into(),
            value: "values".into(),
        }
    } else {
        MapFieldNames {
            entry: "key_value".into(),
            key: "key".into(),
            value: "value".into(),
        }
    };
    let mut tags = MapBuilder::new(Some(names), StringBuilder::new(), StringBuilder::new());
    for (i, line) in lines.iter().enumerate() {
        if i == 0 && lines.len() > 1 {
            tags.append(false).expect("null map");
            continue;
        }
        if let Some(team) = line.team {
            tags.keys().append_value("user_team");
            tags.values().append_value(team);
        }
        if let Some((key, value)) = line.tag {
            tags.keys().append_value(key);
            tags.values().append_value(value);
        }
        tags.append(true).expect("map");
    }
    push("resource_tags", Arc::new(tags.finish()));
    if shape.extra_column {
        push("line_item_something_new", strings(&|_| "x"));
    }
    if shape.reversed {
        fields.reverse();
        columns.reverse();
    }
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), columns).expect("batch");
    let file = std::fs::File::create(path).expect("create");
    let mut writer = ArrowWriter::try_new(file, schema, None).expect("writer");
    writer.write(&batch).expect("write");
    writer.close().expect("close");
}

/// The data file path of a CUR 2.0 export for one period.
pub fn cur2_file(root: &Path, period: &str, n: u32) -> PathBuf {
    root.join("data")
        .join(format!("BILLING_PERIOD={period}"))
        .join(format!("export-{n:05}.snappy.parquet"))
}

/// Everything under a directory with its bytes, to prove it did not change.
pub fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    if !dir.exists() {
        return out;
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n != ".lock") {
                let bytes = std::fs::read(&path).expect("read");
                out.push((path, bytes));
            }
        }
    }
    out.sort();
    out
}
