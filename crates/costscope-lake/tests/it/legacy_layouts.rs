//! Legacy CUR deliveries end to end: CSV.gz with `category/Name` headers in the
//! `<yyyymmdd-yyyymmdd>/<assemblyId>/` layout (only the newest manifest's files), and the
//! Athena Parquet artefact in `year=/month=` folders.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{Float64Array, RecordBatch, StringArray, TimestampMillisecondArray};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use costscope_lake::ingest::cur::ingest_cur;
use costscope_lake::{IngestOptions, Lake};
use parquet::arrow::ArrowWriter;

use crate::fixtures::{Line, Shape, cur2_file, ms, snapshot, write_cur2};
use crate::ingest::lake_totals;

const HEADER: &str = "identity/LineItemId,bill/PayerAccountId,lineItem/UsageAccountId,lineItem/LineItemType,\
lineItem/UsageStartDate,lineItem/ProductCode,lineItem/UnblendedCost,lineItem/CurrencyCode,\
product/ProductName,product/instanceType,resourceTags/user:team,costCategory/business_unit";

fn csv_gz(path: &Path, rows: &[(&str, f64, &str)]) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    let mut text = format!("{HEADER}\n");
    for (i, (day, cost, team)) in rows.iter().enumerate() {
        text.push_str(&format!(
            "id{i},111111111111,222222222222,Usage,2026-09-{day}T00:00:00Z,AmazonEC2,{cost},USD,Amazon Elastic Compute Cloud,m5.large,{team},Engineering\n"
        ));
    }
    let file = std::fs::File::create(path).expect("create");
    let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    gz.write_all(text.as_bytes()).expect("write");
    gz.finish().expect("finish");
}

#[tokio::test]
async fn legacy_csv_reads_only_the_newest_assembly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let report = dir.path().join("prefix/report");
    let period = report.join("20260901-20261001");
    csv_gz(
        &period.join("old-assembly/report-1.csv.gz"),
        &[("01", 1.0, "web")],
    );
    csv_gz(
        &period.join("new-assembly/report-1.csv.gz"),
        &[("01", 2.0, "web"), ("02", 3.0, "")],
    );
    csv_gz(
        &period.join("new-assembly/report-2.csv.gz"),
        &[("03", 4.0, "data")],
    );
    let manifest = serde_json::json!({
        "assemblyId": "new-assembly",
        "billingPeriod": {"start": "20260901T000000.000Z", "end": "20261001T000000.000Z"},
        "reportKeys": [
            "prefix/report/20260901-20261001/new-assembly/report-1.csv.gz",
            "prefix/report/20260901-20261001/new-assembly/report-2.csv.gz"
        ]
    });
    std::fs::write(period.join("report-Manifest.json"), manifest.to_string()).expect("manifest");
    let lake = Lake::open(dir.path().join("lake")).expect("lake");
    let result = ingest_cur(
        &lake,
        &report.display().to_string(),
        &IngestOptions::default(),
    )
    .await
    .expect("ingest");
    assert_eq!(result.rows, 3);
    assert_eq!(lake_totals(&lake)["2026-09"], (3, 9.0));
}

#[tokio::test]
async fn legacy_parquet_in_year_month_folders() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir
        .path()
        .join("cur/report/report/year=2026/month=9/report-00001.snappy.parquet");
    std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
    let schema = Arc::new(Schema::new(vec![
        Field::new("bill_payer_account_id", DataType::Utf8, true),
        Field::new("line_item_usage_account_id", DataType::Utf8, true),
        Field::new("line_item_line_item_type", DataType::Utf8, true),
        Field::new(
            "line_item_usage_start_date",
            DataType::Timestamp(TimeUnit::Millisecond, None),
            true,
        ),
        Field::new("line_item_product_code", DataType::Utf8, true),
        Field::new("line_item_unblended_cost", DataType::Float64, true),
        Field::new("resource_tags_user_team", DataType::Utf8, true),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from(vec!["111111111111"; 3])),
            Arc::new(StringArray::from(vec!["222222222222"; 3])),
            Arc::new(StringArray::from(vec!["Usage"; 3])),
            Arc::new(TimestampMillisecondArray::from(vec![
                ms("2026-09", 1),
                ms("2026-09", 2),
                ms("2026-09", 3),
            ])),
            Arc::new(StringArray::from(vec!["AmazonS3"; 3])),
            Arc::new(Float64Array::from(vec![1.25, 2.5, 5.0])),
            Arc::new(StringArray::from(vec![Some("web"), None, Some("data")])),
        ],
    )
    .expect("batch");
    let mut writer =
        ArrowWriter::try_new(std::fs::File::create(&file).expect("create"), schema, None)
            .expect("writer");
    writer.write(&batch).expect("write");
    writer.close().expect("close");
    let lake = Lake::open(dir.path().join("lake")).expect("lake");
    ingest_cur(
        &lake,
        &dir.path().join("cur").display().to_string(),
        &IngestOptions::default(),
    )
    .await
    .expect("ingest");
    assert_eq!(lake_totals(&lake)["2026-09"], (3, 8.75));
}

#[tokio::test]
async fn corrupt_legacy_gzip_leaves_the_lake_as_it_was() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("good");
    write_cur2(
        &cur2_file(&good, "2026-09", 1),
        &[Line::usage("222222222222", "AmazonEC2", 1, 1.0)],
        Shape::default(),
    );
    let lake = Lake::open(dir.path().join("lake")).expect("lake");
    ingest_cur(
        &lake,
        &good.display().to_string(),
        &IngestOptions::default(),
    )
    .await
    .expect("good");
    let before = snapshot(lake.root());
    let bad = dir
        .path()
        .join("bad/report/20260901-20261001/a/report-1.csv.gz");
    csv_gz(&bad, &[("01", 2.0, "web"); 200]);
    let bytes = std::fs::read(&bad).expect("read");
    std::fs::write(&bad, &bytes[..bytes.len() / 2]).expect("truncate");
    let error = ingest_cur(
        &lake,
        &dir.path().join("bad").display().to_string(),
        &IngestOptions::default(),
    )
    .await
    .expect_err("truncated gzip");
    assert!(error.to_string().contains("report-1.csv.gz"), "{error}");
    assert_eq!(snapshot(lake.root()), before);
}
