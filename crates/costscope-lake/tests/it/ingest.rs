//! Ingest of CUR 2.0 exports of many shapes, restatements, idempotence, and every kind of
//! bad input leaving the lake exactly as it was.

use std::collections::BTreeMap;
use std::path::Path;

use arrow::array::{Array, AsArray};
use arrow::datatypes::Float64Type;
use costscope_lake::ingest::cur::ingest_cur;
use costscope_lake::lake::PartitionChange;
use costscope_lake::{Error, IngestOptions, Lake};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::fixtures::{Line, Shape, cur2_file, ms, snapshot, write_cur2};

/// Rows and unblended cost per billing period, read back from the lake's live files.
pub fn lake_totals(lake: &Lake) -> BTreeMap<String, (u64, f64)> {
    let mut totals: BTreeMap<String, (u64, f64)> = BTreeMap::new();
    for path in lake.table_files("cur").expect("files") {
        let file = std::fs::File::open(&path).expect("open");
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .expect("reader")
            .build()
            .expect("build");
        for batch in reader {
            let batch = batch.expect("batch");
            let periods = batch
                .column_by_name("billing_period")
                .expect("period")
                .as_string::<i32>()
                .clone();
            let costs = batch
                .column_by_name("line_item_unblended_cost")
                .expect("cost")
                .as_primitive::<Float64Type>()
                .clone();
            for i in 0..batch.num_rows() {
                let entry = totals.entry(periods.value(i).to_owned()).or_default();
                entry.0 += 1;
                if !costs.is_null(i) {
                    entry.1 += costs.value(i);
                }
            }
        }
    }
    totals
}

fn options() -> IngestOptions {
    IngestOptions::default()
}

fn lines(n: usize, cost: f64) -> Vec<Line> {
    (0..n)
        .map(|i| Line::usage("222222222222", "AmazonEC2", 1 + (i % 28) as u32, cost))
        .collect()
}

async fn ingest(
    lake: &Lake,
    source: &Path,
) -> costscope_lake::Result<costscope_lake::IngestReport> {
    ingest_cur(lake, &source.display().to_string(), &options()).await
}

#[tokio::test]
async fn export_root_with_several_periods_lands_partitioned_and_sorted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let export = dir.path().join("export");
    write_cur2(
        &cur2_file(&export, "2026-08", 1),
        &lines(10, 1.5),
        Shape::default(),
    );
    let mut september = lines(20, 2.0);
    for l in &mut september {
        l.start_ms = ms("2026-09", 1 + (l.cost as u32 % 3));
    }
    write_cur2(
        &cur2_file(&export, "2026-09", 1),
        &september,
        Shape::default(),
    );
    write_cur2(
        &cur2_file(&export, "2026-09", 2),
        &lines(5, 1.0),
        Shape::default(),
    );
    let lake = Lake::open(dir.path().join("lake")).expect("lake");
    let report = ingest(&lake, &export).await.expect("ingest");
    assert_eq!(report.rows, 35);
    assert_eq!(report.files_read, 3);
    let totals = lake_totals(&lake);
    assert_eq!(totals["2026-08"], (10, 15.0));
    assert_eq!(totals["2026-09"], (25, 45.0));
    for path in lake.table_files("cur").expect("files") {
        let text = path.display().to_string();
        assert!(text.contains("/cur/billing_period=2026-0"), "{text}");
    }
}

#[tokio::test]
async fn identical_input_twice_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let export = dir.path().join("export");
    write_cur2(
        &cur2_file(&export, "2026-09", 1),
        &lines(50, 0.25),
        Shape::default(),
    );
    let lake = Lake::open(dir.path().join("lake")).expect("lake");
    ingest(&lake, &export).await.expect("first");
    let before = snapshot(lake.root());
    let report = ingest(&lake, &export).await.expect("second");
    assert_eq!(report.partitions[0].change, PartitionChange::Unchanged);
    assert_eq!(snapshot(lake.root()), before);
}

#[tokio::test]
async fn restatement_replaces_exactly_its_period() {
    let dir = tempfile::tempdir().expect("tempdir");
    let export = dir.path().join("export");
    write_cur2(
        &cur2_file(&export, "2026-08", 1),
        &lines(10, 1.0),
        Shape::default(),
    );
    write_cur2(
        &cur2_file(&export, "2026-09", 1),
        &lines(10, 1.0),
        Shape::default(),
    );
    let lake = Lake::open(dir.path().join("lake")).expect("lake");
    ingest(&lake, &export).await.expect("first");
    // AWS re-delivers September with a credit: only that folder is ingested.
    let restated = dir.path().join("restated");
    let mut september = lines(10, 1.0);
    september.push(Line {
        line_item_type: "Credit",
        cost: -3.0,
        ..Line::usage("222222222222", "AmazonEC2", 30, 0.0)
    });
    let folder = restated.join("BILLING_PERIOD=2026-09");
    write_cur2(
        &folder.join("export-00001.snappy.parquet"),
        &september,
        Shape::default(),
    );
    let report = ingest(&lake, &folder).await.expect("restatement");
    assert_eq!(report.partitions.len(), 1);
    assert_eq!(report.partitions[0].change, PartitionChange::Replaced);
    let totals = lake_totals(&lake);
    assert_eq!(totals["2026-08"], (10, 10.0));
    assert_eq!(totals["2026-09"], (11, 7.0));
    // The replaced files are gone from disk, not just from the manifest.
    let on_disk = snapshot(&lake.root().join("cur")).len();
    assert_eq!(on_disk, lake.table_files("cur").expect("files").len());
}

#[tokio::test]
async fn exports_shaped_unlike_the_generator_are_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let export = dir.path().join("export");
    let shape = Shape {
        reversed: true,
        micros_utc: true,
        extra_column: true,
        arrow_map_names: true,
        drop_required: None,
    };
    // Lower-case partition key, as some deliveries write it.
    let file = export.join("data/billing_period=2026-09/export-00001.snappy.parquet");
    let mut input = lines(4, 2.5);
    input[2].team = None;
    write_cur2(&file, &input, shape);
    let lake = Lake::open(dir.path().join("lake")).expect("lake");
    let report = ingest(&lake, &export).await.expect("ingest");
    assert_eq!(
        report.ignored_columns,
        vec!["line_item_something_new".to_string()]
    );
    assert_eq!(lake_totals(&lake)["2026-09"], (4, 10.0));
    // Timestamps keep their instant; maps keep their entries under the lake's names.
    let path = &lake.table_files("cur").expect("files")[0];
    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(path).expect("open"))
        .expect("reader")
        .build()
        .expect("build");
    let batch = reader
        .into_iter()
        .next()
        .expect("one batch")
        .expect("batch");
    let starts = batch
        .column_by_name("line_item_usage_start_date")
        .expect("start")
        .as_primitive::<arrow::datatypes::TimestampMillisecondType>()
        .clone();
    let mut seen: Vec<i64> = starts.values().to_vec();
    seen.sort_unstable();
    let mut expected: Vec<i64> = input.iter().map(|l| l.start_ms).collect();
    expected.sort_unstable();
    assert_eq!(seen, expected);
    let tags = batch
        .column_by_name("resource_tags")
        .expect("tags")
        .as_map()
        .clone();
    assert_eq!(tags.entries().fields()[0].name(), "key");
    assert_eq!(tags.null_count(), 1);
    assert_eq!(tags.entries().len(), 2);
}

#[tokio::test]
async fn create_new_deliveries_read_only_the_newest_manifest_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let export = dir.path().join("export");
    let old = export
        .join("data/BILLING_PERIOD=2026-09/20260902T010000Z-aaaa/export-00001.snappy.parquet");
    let new = export
        .join("data/BILLING_PERIOD=2026-09/20260903T010000Z-bbbb/export-00001.snappy.parquet");
    write_cur2(&old, &lines(10, 1.0), Shape::default());
    write_cur2(&new, &lines(12, 1.0), Shape::default());
    let manifest_dir = export.join("metadata/BILLING_PERIOD=2026-09");
    std::fs::create_dir_all(&manifest_dir).expect("mkdir");
    let manifest = serde_json::json!({
        "executionId": "bbbb",
        "dataFiles": ["s3://bucket/prefix/export/data/BILLING_PERIOD=2026-09/20260903T010000Z-bbbb/export-00001.snappy.parquet"],
    });
    std::fs::write(
        manifest_dir.join("export-Manifest.json"),
        manifest.to_string(),
    )
    .expect("manifest");
    let lake = Lake::open(dir.path().join("lake")).expect("lake");
    ingest(&lake, &export).await.expect("ingest");
    assert_eq!(lake_totals(&lake)["2026-09"], (12, 12.0));
    // Without a manifest the newest delivery folder wins as well.
    std::fs::remove_dir_all(export.join("metadata")).expect("rm");
    let lake2 = Lake::open(dir.path().join("lake2")).expect("lake");
    ingest(&lake2, &export).await.expect("ingest");
    assert_eq!(lake_totals(&lake2)["2026-09"], (12, 12.0));
}

/// Ingests `bad` into a lake holding good data and checks the error and that nothing moved.
async fn assert_refused(bad: &Path, expected: &[&str]) -> Error {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("good");
    write_cur2(
        &cur2_file(&good, "2026-09", 1),
        &lines(8, 1.0),
        Shape::default(),
    );
    let lake = Lake::open(dir.path().join("lake")).expect("lake");
    ingest(&lake, &good).await.expect("good ingest");
    let before = snapshot(lake.root());
    let error = ingest(&lake, bad)
        .await
        .expect_err("bad input must be refused");
    let message = error.to_string();
    for part in expected {
        assert!(
            message.contains(part),
            "`{message}` should mention `{part}`"
        );
    }
    assert_eq!(
        snapshot(lake.root()),
        before,
        "the lake changed after: {message}"
    );
    assert_eq!(lake_totals(&lake)["2026-09"], (8, 8.0));
    error
}

#[tokio::test]
async fn corrupt_parquet_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad");
    let file = cur2_file(&bad, "2026-09", 1);
    std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
    std::fs::write(&file, b"PAR1 this is not parquet at all PAR1").expect("write");
    let error = assert_refused(&bad, &["export-00001.snappy.parquet", "Parquet"]).await;
    assert!(matches!(error, Error::Parquet { .. }), "{error:?}");
}

#[tokio::test]
async fn truncated_parquet_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad");
    let file = cur2_file(&bad, "2026-09", 1);
    write_cur2(&file, &lines(100, 1.0), Shape::default());
    let bytes = std::fs::read(&file).expect("read");
    std::fs::write(&file, &bytes[..bytes.len() / 2]).expect("truncate");
    assert_refused(&bad, &["export-00001.snappy.parquet"]).await;
}

#[tokio::test]
async fn a_later_bad_file_leaves_no_partial_period() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad");
    write_cur2(
        &cur2_file(&bad, "2026-09", 1),
        &lines(30, 5.0),
        Shape::default(),
    );
    let file = cur2_file(&bad, "2026-09", 2);
    std::fs::write(&file, b"garbage").expect("write");
    assert_refused(&bad, &["export-00002.snappy.parquet"]).await;
}

#[tokio::test]
async fn missing_required_column_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad");
    let shape = Shape {
        drop_required: Some("line_item_unblended_cost"),
        ..Shape::default()
    };
    write_cur2(&cur2_file(&bad, "2026-09", 1), &lines(3, 1.0), shape);
    assert_refused(
        &bad,
        &["line_item_unblended_cost", "export-00001.snappy.parquet"],
    )
    .await;
}

#[tokio::test]
async fn mixed_currencies_in_one_period_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad");
    let mut input = lines(4, 1.0);
    input[3].currency = "EUR";
    write_cur2(&cur2_file(&bad, "2026-09", 1), &input, Shape::default());
    assert_refused(&bad, &["2026-09", "USD", "EUR"]).await;
}

#[tokio::test]
async fn empty_source_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("empty");
    std::fs::create_dir_all(bad.join("data")).expect("mkdir");
    std::fs::write(bad.join("README.txt"), "nothing here").expect("write");
    let error = assert_refused(&bad, &["no data files"]).await;
    assert!(matches!(error, Error::EmptySource { .. }));
}

#[tokio::test]
async fn unrecognised_layout_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("flat");
    write_cur2(
        &bad.join("some-file.parquet"),
        &lines(3, 1.0),
        Shape::default(),
    );
    let error = assert_refused(&bad, &["some-file.parquet", "billing-period folder"]).await;
    assert!(matches!(error, Error::Layout { .. }));
}

#[tokio::test]
async fn unreachable_s3_is_refused() {
    // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    // SAFETY of env changes: this test binary sets these variables only here and reads
    // them only through `Source::open` in this test.
    let error = {
        let dir = tempfile::tempdir().expect("tempdir");
        let lake = Lake::open(dir.path().join("lake")).expect("lake");
        let before = snapshot(lake.root());
        let source = costscope_lake::source::Source::open_s3_with(
            "s3://no-such-bucket/cur",
            &[
                ("endpoint", "http://127.0.0.1:9"),
                ("access_key_id", "x"),
                ("secret_access_key", "y"),
            ],
        )
        .expect("source");
        let error = costscope_lake::ingest::cur::ingest_cur_from(&lake, source, &options())
            .await
            .expect_err("unreachable");
        assert_eq!(snapshot(lake.root()), before);
        error
    };
    let message = error.to_string();
    assert!(message.contains("s3://no-such-bucket/cur"), "{message}");
}
