//! `ingest metrics`: CSV, JSON arrays and JSON lines read back from the lake; every bad
//! file refused with its file, line and column, leaving the lake exactly as it was.

use std::collections::BTreeMap;
use std::path::Path;

use arrow::array::{Array, AsArray};
use arrow::datatypes::{Date32Type, Float64Type};
use costscope_lake::Lake;
use costscope_lake::ingest::tabular::ingest_metrics;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::fixtures::snapshot;

/// `(date as days, metric, app, team) → value` read from the lake's live files.
type Stored = BTreeMap<(i32, String, Option<String>, Option<String>), f64>;

fn stored(lake: &Lake) -> Stored {
    let mut rows = Stored::new();
    for path in lake.table_files("business_metrics").expect("files") {
        let file = std::fs::File::open(&path).expect("open");
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .expect("reader")
            .build()
            .expect("build");
        for batch in reader {
            let batch = batch.expect("batch");
            let column = |name: &str| batch.column_by_name(name).expect(name).clone();
            let (dates, metrics, values, apps, teams) = (
                column("date"),
                column("metric"),
                column("value"),
                column("app"),
                column("team"),
            );
            let text = |array: &dyn Array, i: usize| {
                (!array.is_null(i)).then(|| array.as_string::<i32>().value(i).to_string())
            };
            for i in 0..batch.num_rows() {
                rows.insert(
                    (
                        dates.as_primitive::<Date32Type>().value(i),
                        metrics.as_string::<i32>().value(i).to_string(),
                        text(apps.as_ref(), i),
                        text(teams.as_ref(), i),
                    ),
                    values.as_primitive::<Float64Type>().value(i),
                );
            }
        }
    }
    rows
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path.display().to_string()
}

/// 2026-10-01 as days since the epoch.
const OCT_1: i32 = 20_727;

#[tokio::test]
async fn csv_json_array_and_json_lines_land_in_the_lake() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = Lake::open(dir.path().join("lake")).expect("lake");
    let csv = write(
        dir.path(),
        "m.csv",
        "date,metric,value,app,team\n2026-10-01,orders,3,shop,web\n2026-10-02,orders,4.5,shop,web\n",
    );
    let report = ingest_metrics(&lake, &csv).await.expect("csv");
    assert_eq!(report.files_read, 1);
    let rows = stored(&lake);
    assert_eq!(rows.len(), 2);
    let key = |day: i32, app: Option<&str>| {
        (
            OCT_1 + day,
            "orders".to_string(),
            app.map(str::to_string),
            app.map(|_| "web".to_string()),
        )
    };
    assert_eq!(rows[&key(1, Some("shop"))], 4.5);

    // A JSON array of the same month replaces it; missing dimensions are NULL.
    let array = write(
        dir.path(),
        "m.json",
        "[\n  {\"date\": \"2026-10-01\", \"metric\": \"orders\", \"value\": 7},\n  {\"date\": \"2026-10-03\", \"metric\": \"revenue\", \"value\": 120.5, \"app\": \"shop\", \"team\": \"web\"}\n]\n",
    );
    ingest_metrics(&lake, &array).await.expect("json array");
    let rows = stored(&lake);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[&key(0, None)], 7.0);

    let lines = write(
        dir.path(),
        "m.jsonl",
        "{\"date\": \"2026-11-01\", \"metric\": \"orders\", \"value\": 1, \"app\": null}\n\n{\"date\": \"2026-11-01\", \"metric\": \"orders\", \"value\": 1, \"app\": null}\n",
    );
    ingest_metrics(&lake, &lines).await.expect("json lines");
    // November added (the identical repeat kept once), October kept.
    assert_eq!(stored(&lake).len(), 3);
}

#[tokio::test]
async fn bad_metric_files_name_file_line_and_column_and_change_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = Lake::open(dir.path().join("lake")).expect("lake");
    let good = write(
        dir.path(),
        "good.csv",
        "date,metric,value,app\n2026-10-01,orders,3,shop\n",
    );
    ingest_metrics(&lake, &good).await.expect("good");
    let before = snapshot(&dir.path().join("lake"));
    let manifest = lake.manifest().expect("manifest");
    let cases: [(&str, &str, &str); 9] = [
        (
            "date.csv",
            "date,metric,value\n2026-10-01,orders,1\n2026-10-32,orders,1\n",
            "date.csv, line 3: column `date`: `2026-10-32` is not a YYYY-MM-DD date",
        ),
        (
            "number.csv",
            "date,metric,value\n2026-10-01,orders,three\n",
            "number.csv, line 2: column `value`: `three` is not a number",
        ),
        (
            "infinite.csv",
            "date,metric,value\n2026-10-01,orders,inf\n",
            "infinite.csv, line 2: column `value`: `inf` is not a finite number",
        ),
        (
            "empty-name.csv",
            "date,metric,value\n2026-10-01,,1\n",
            "empty-name.csv, line 2: column `metric`: the metric name is empty",
        ),
        (
            "missing.csv",
            "date,value\n2026-10-01,1\n",
            "missing.csv, line 1: missing required column `metric`",
        ),
        (
            "unknown.csv",
            "date,metric,value,region\n2026-10-01,orders,1,eu\n",
            "unknown.csv, line 1: column 4: unknown column `region`",
        ),
        (
            "conflict.csv",
            "date,metric,value,app\n2026-10-01,orders,1,shop\n2026-10-02,orders,1,shop\n2026-10-01,orders,2,shop\n",
            "conflict.csv, line 4: duplicate of ",
        ),
        (
            "object.json",
            "{\n  \"date\": \"2026-10-01\", \"metric\": \"orders\", \"value\": 1\n}\n",
            "object.json, line 1: not a JSON object on one line",
        ),
        (
            "scalars.json",
            "[\n  {\"date\": \"2026-10-01\", \"metric\": \"orders\", \"value\": 1},\n  42\n]",
            "scalars.json, line 3: expected an object",
        ),
    ];
    for (name, text, expected) in cases {
        let path = write(dir.path(), name, text);
        let message = ingest_metrics(&lake, &path)
            .await
            .expect_err(name)
            .to_string();
        assert!(message.contains(expected), "{name}: {message}");
        assert_eq!(snapshot(&dir.path().join("lake")), before, "{name}");
        assert_eq!(lake.manifest().expect("manifest"), manifest, "{name}");
    }
    assert_eq!(stored(&lake).len(), 1);
}

#[tokio::test]
async fn conflicting_values_across_files_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = Lake::open(dir.path().join("lake")).expect("lake");
    let inputs = dir.path().join("inputs");
    std::fs::create_dir(&inputs).expect("mkdir");
    write(&inputs, "a.csv", "date,metric,value\n2026-10-01,orders,1\n");
    write(
        &inputs,
        "b.json",
        "[{\"date\": \"2026-10-01\", \"metric\": \"orders\", \"value\": 2}]",
    );
    let message = ingest_metrics(&lake, &inputs.display().to_string())
        .await
        .expect_err("conflict")
        .to_string();
    assert!(
        message.contains("duplicate of")
            && message.contains("a.csv, line 2")
            && message.contains("b.json, line 1"),
        "{message}"
    );
    assert!(
        lake.table_files("business_metrics")
            .expect("files")
            .is_empty()
    );
}
