//! Flow-log ingest across layouts and accounts: per-(date, account) replacement, both S3
//! delivery layouts, Parquet flow logs, NODATA/SKIPDATA kept, every documented field,
//! unrelated files skipped, idempotence, and the lake unchanged when an ingest fails.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Int32Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{Field, Int32Type, Int64Type, Schema};
use costscope_lake::ingest::flowlogs::ingest_flow_logs;
use costscope_lake::lake::PartitionChange;
use costscope_lake::{IngestOptions, Lake};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::fixtures::snapshot;

const V2: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";
/// 2026-10-01T00:00:00Z.
const DAY1: i64 = 1_790_812_800;

fn write_gz(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(path).expect("create"),
        flate2::Compression::default(),
    );
    gz.write_all(text.as_bytes()).expect("write");
    gz.finish().expect("finish");
}

/// The plain S3 key of an account's log file for 2026-10-`day`.
fn plain_key(root: &Path, account: &str, day: u32) -> PathBuf {
    root.join(format!(
        "AWSLogs/{account}/vpcflowlogs/us-east-1/2026/10/{day:02}/{account}_vpcflowlogs_us-east-1_fl-1_202610{day:02}T0000Z_ab.log.gz"
    ))
}

/// Version-2 records of `account` on 2026-10-`day`, each of `bytes` bytes.
fn v2_records(account: &str, day: u32, bytes: &[i64]) -> String {
    let start = DAY1 + i64::from(day - 1) * 86_400;
    let mut text = format!("{V2}\n");
    for (i, b) in bytes.iter().enumerate() {
        text.push_str(&format!(
            "2 {account} eni-{i} 10.0.0.{i} 10.0.1.9 4000{i} 443 6 3 {b} {} {} ACCEPT OK\n",
            start + i as i64 * 60,
            start + i as i64 * 60 + 60,
        ));
    }
    text
}

/// Every stored flow-log row: (aws_account_id, date) → (rows, bytes summed).
fn stored(lake: &Lake) -> BTreeMap<(String, String), (u64, i64)> {
    let mut out = BTreeMap::new();
    for batch in stored_batches(lake) {
        let accounts = batch
            .column_by_name("aws_account_id")
            .expect("aws_account_id")
            .as_string::<i32>();
        let dates = batch
            .column_by_name("date")
            .expect("date")
            .as_string::<i32>();
        let bytes = batch
            .column_by_name("bytes")
            .expect("bytes")
            .as_primitive::<Int64Type>();
        for row in 0..batch.num_rows() {
            let entry = out
                .entry((accounts.value(row).to_owned(), dates.value(row).to_owned()))
                .or_insert((0, 0));
            entry.0 += 1;
            entry.1 += if bytes.is_null(row) {
                0
            } else {
                bytes.value(row)
            };
        }
    }
    out
}

fn stored_batches(lake: &Lake) -> Vec<RecordBatch> {
    let mut out = Vec::new();
    for path in lake.table_files("flow_logs").expect("files") {
        let file = std::fs::File::open(&path).expect("open");
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .expect("parquet")
            .build()
            .expect("reader");
        out.extend(reader.map(|b| b.expect("batch")));
    }
    out
}

async fn ingest(lake: &Lake, root: &Path) -> costscope_lake::IngestReport {
    ingest_flow_logs(lake, &root.display().to_string(), &IngestOptions::default())
        .await
        .expect("ingest")
}

fn key(account: &str, date: &str) -> (String, String) {
    (account.to_owned(), date.to_owned())
}

#[tokio::test]
async fn each_account_and_date_is_replaced_on_its_own() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = Lake::open(dir.path().join("lake")).expect("lake");
    let a = dir.path().join("a");
    write_gz(
        &plain_key(&a, "222222222222", 1),
        &v2_records("222222222222", 1, &[100, 200]),
    );
    write_gz(
        &plain_key(&a, "222222222222", 2),
        &v2_records("222222222222", 2, &[5]),
    );
    let b = dir.path().join("b");
    write_gz(
        &plain_key(&b, "333333333333", 1),
        &v2_records("333333333333", 1, &[7, 8, 9]),
    );
    ingest(&lake, &a).await;
    let report = ingest(&lake, &b).await;
    assert_eq!(report.partitions.len(), 1);
    assert_eq!(
        report.partitions[0].partition,
        "date=2026-10-01/aws_account_id=333333333333"
    );
    let expected = BTreeMap::from([
        (key("222222222222", "2026-10-01"), (2, 300)),
        (key("222222222222", "2026-10-02"), (1, 5)),
        (key("333333333333", "2026-10-01"), (3, 24)),
    ]);
    assert_eq!(stored(&lake), expected);
    // The partitions are Hive folders below the table.
    assert!(
        dir.path()
            .join("lake/flow_logs/date=2026-10-01/aws_account_id=333333333333")
            .is_dir()
    );

    // A restated day of account A replaces only that (date, account).
    let a2 = dir.path().join("a2");
    write_gz(
        &plain_key(&a2, "222222222222", 1),
        &v2_records("222222222222", 1, &[1000]),
    );
    let report = ingest(&lake, &a2).await;
    assert_eq!(report.partitions[0].change, PartitionChange::Replaced);
    let mut expected = expected;
    expected.insert(key("222222222222", "2026-10-01"), (1, 1000));
    assert_eq!(stored(&lake), expected);

    // Ingesting the same source again changes nothing.
    let before = snapshot(lake.root());
    let report = ingest(&lake, &a2).await;
    assert!(
        report
            .partitions
            .iter()
            .all(|p| p.change == PartitionChange::Unchanged),
        "{:?}",
        report.partitions
    );
    assert_eq!(snapshot(lake.root()), before);
}

#[tokio::test]
async fn a_failed_ingest_leaves_every_account_as_it_was() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = Lake::open(dir.path().join("lake")).expect("lake");
    let a = dir.path().join("a");
    write_gz(
        &plain_key(&a, "222222222222", 1),
        &v2_records("222222222222", 1, &[100]),
    );
    write_gz(
        &plain_key(&a, "333333333333", 1),
        &v2_records("333333333333", 1, &[7]),
    );
    ingest(&lake, &a).await;
    let before = snapshot(lake.root());
    // New data for account 2's day, then a malformed line in account 3's file.
    let bad = dir.path().join("bad");
    write_gz(
        &plain_key(&bad, "222222222222", 1),
        &v2_records("222222222222", 1, &[1, 2]),
    );
    let broken = format!(
        "{}2 333333333333 eni-9 too few\n",
        v2_records("333333333333", 1, &[3])
    );
    write_gz(&plain_key(&bad, "333333333333", 1), &broken);
    let strict = IngestOptions {
        strict: true,
        ..IngestOptions::default()
    };
    let error = ingest_flow_logs(&lake, &bad.display().to_string(), &strict)
        .await
        .expect_err("strict refuses the malformed line");
    let message = error.to_string();
    assert!(
        message.contains("333333333333_vpcflowlogs") && message.contains("line 3"),
        "{message}"
    );
    assert_eq!(snapshot(lake.root()), before);
}

#[tokio::test]
async fn nodata_and_skipdata_records_are_kept_not_malformed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("flows");
    let text = format!(
        "{V2}\n\
         2 222222222222 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 500 {DAY1} {} ACCEPT OK\n\
         2 222222222222 eni-2 - - - - - - - {DAY1} {} - NODATA\n\
         2 222222222222 eni-3 - - - - - - - {DAY1} {} - SKIPDATA\n",
        DAY1 + 60,
        DAY1 + 60,
        DAY1 + 60
    );
    write_gz(&plain_key(&root, "222222222222", 1), &text);
    let lake = Lake::open(dir.path().join("lake")).expect("lake");
    let report = ingest(&lake, &root).await;
    assert_eq!((report.rows, report.malformed_count), (3, 0));
    let mut statuses = BTreeMap::new();
    for batch in stored_batches(&lake) {
        let status = batch
            .column_by_name("log_status")
            .expect("log_status")
            .as_string::<i32>();
        let bytes = batch
            .column_by_name("bytes")
            .expect("bytes")
            .as_primitive::<Int64Type>();
        for row in 0..batch.num_rows() {
            statuses.insert(status.value(row).to_owned(), bytes.is_null(row));
        }
    }
    assert_eq!(
        statuses,
        BTreeMap::from([
            ("NODATA".to_owned(), true),
            ("OK".to_owned(), false),
            ("SKIPDATA".to_owned(), true),
        ])
    );
}

#[tokio::test]
async fn later_version_fields_are_stored_and_unknown_ones_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("flows");
    // Fields in a custom order, with v7 ECS fields, v8 reject-reason, v10 fields and one
    // field the lake does not know.
    let header = "start bytes account-id interface-id ecs-cluster-name ecs-task-id reject-reason resource-id encryption-status instance-tag log-status";
    let text = format!(
        "{header}\n\
         {DAY1} 1234 222222222222 eni-1 web-cluster 0123abcd - i-0abc 1 web OK\n\
         {} 66 222222222222 eni-2 - - BPA - - - OK\n",
        DAY1 + 30
    );
    write_gz(&plain_key(&root, "222222222222", 1), &text);
    let lake = Lake::open(dir.path().join("lake")).expect("lake");
    let report = ingest(&lake, &root).await;
    assert_eq!((report.rows, report.malformed_count), (2, 0));
    assert_eq!(report.ignored_columns, vec!["instance-tag".to_owned()]);
    let batches = stored_batches(&lake);
    let batch = &batches[0];
    let text_of = |name: &str, row: usize| -> Option<String> {
        let column = batch.column_by_name(name).expect(name).as_string::<i32>();
        (!column.is_null(row)).then(|| column.value(row).to_owned())
    };
    assert_eq!(
        text_of("ecs_cluster_name", 0).as_deref(),
        Some("web-cluster")
    );
    assert_eq!(text_of("ecs_task_id", 0).as_deref(), Some("0123abcd"));
    assert_eq!(text_of("resource_id", 0).as_deref(), Some("i-0abc"));
    assert_eq!(text_of("reject_reason", 1).as_deref(), Some("BPA"));
    assert_eq!(text_of("srcaddr", 0), None);
    let encryption = batch
        .column_by_name("encryption_status")
        .expect("encryption_status")
        .as_primitive::<Int32Type>();
    assert_eq!((encryption.value(0), encryption.is_null(1)), (1, true));
}

/// Writes a Parquet flow-log file with AWS's typed, underscored columns, GZIP-compressed as
/// AWS writes them.
fn write_parquet(path: &Path, account: &str, rows: &[(i64, i64)], null_start_row: bool) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    let n = rows.len();
    let mut starts: Vec<Option<i64>> = rows.iter().map(|(s, _)| Some(*s)).collect();
    if null_start_row {
        starts.push(None);
    }
    let total = starts.len();
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("version", Arc::new(Int32Array::from(vec![5; total]))),
        (
            "account_id",
            Arc::new(StringArray::from(vec![account; total])),
        ),
        (
            "interface_id",
            Arc::new(StringArray::from(vec!["eni-p"; total])),
        ),
        (
            "srcaddr",
            Arc::new(StringArray::from(vec!["10.0.0.1"; total])),
        ),
        ("srcport", Arc::new(Int32Array::from(vec![443; total]))),
        (
            "bytes",
            Arc::new(Int64Array::from(
                rows.iter()
                    .map(|(_, b)| Some(*b))
                    .chain((total > n).then_some(Some(1)))
                    .collect::<Vec<_>>(),
            )),
        ),
        ("start", Arc::new(Int64Array::from(starts))),
        ("log_status", Arc::new(StringArray::from(vec!["OK"; total]))),
        (
            "traffic_path",
            Arc::new(Int32Array::from(vec![Some(1); total])),
        ),
        (
            "flow_direction",
            Arc::new(StringArray::from(vec!["egress"; total])),
        ),
        (
            "vendor_extra",
            Arc::new(StringArray::from(vec!["x"; total])),
        ),
    ];
    let schema = Arc::new(Schema::new(
        columns
            .iter()
            .map(|(name, c)| Field::new(*name, c.data_type().clone(), true))
            .collect::<Vec<_>>(),
    ));
    let batch = RecordBatch::try_new(
        schema.clone(),
        columns.into_iter().map(|(_, c)| c).collect(),
    )
    .expect("batch");
    let file = std::fs::File::create(path).expect("create");
    let properties = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::GZIP(Default::default()))
        .build();
    let mut writer = ArrowWriter::try_new(file, schema, Some(properties)).expect("writer");
    writer.write(&batch).expect("write");
    writer.close().expect("close");
}

#[tokio::test]
async fn parquet_flow_logs_in_the_hive_layout_are_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("bucket");
    let hive = |account: &str, day: u32| {
        root.join(format!(
            "AWSLogs/aws-account-id={account}/aws-service=vpcflowlogs/aws-region=us-east-1/year=2026/month=10/day={day:02}/{account}_vpcflowlogs_us-east-1_fl-1_202610{day:02}T0000Z_ab.log.parquet"
        ))
    };
    write_parquet(
        &hive("444444444444", 1),
        "444444444444",
        &[(DAY1, 10), (DAY1 + 86_400 - 1, 20), (DAY1 + 86_400, 40)],
        true,
    );
    // A text file in the Hive layout, and files that are not flow logs.
    write_gz(
        &hive("555555555555", 1).with_extension("gz"),
        &v2_records("555555555555", 1, &[3]),
    );
    std::fs::write(root.join("AWSLogs/aws-logs-write-test"), "test").expect("write");
    let other = root.join("AWSLogs/444444444444/CloudTrail/us-east-1/2026/10/01/trail.json.gz");
    write_gz(&other, "{}");
    let lake = Lake::open(dir.path().join("lake")).expect("lake");
    let report = ingest(&lake, &root).await;
    assert_eq!(report.files_read, 2);
    assert_eq!((report.rows, report.malformed_count), (4, 1));
    assert!(
        report.malformed[0].contains("line 4"),
        "{:?}",
        report.malformed
    );
    assert_eq!(report.ignored_columns, vec!["vendor_extra".to_owned()]);
    assert!(
        report.notes.iter().any(|n| n.contains("skipped 2 file(s)")
            && n.contains("CloudTrail")
            && n.contains("aws-logs-write-test")),
        "{:?}",
        report.notes
    );
    assert_eq!(
        stored(&lake),
        BTreeMap::from([
            (key("444444444444", "2026-10-01"), (2, 30)),
            (key("444444444444", "2026-10-02"), (1, 40)),
            (key("555555555555", "2026-10-01"), (1, 3)),
        ])
    );
}

#[tokio::test]
async fn files_outside_the_delivery_layout_use_the_record_account() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("flows.log");
    let text = format!(
        "{V2}\n\
         2 666666666666 eni-6 10.0.0.6 10.0.0.8 1 2 6 1 11 {DAY1} {DAY1} ACCEPT OK\n\
         2 777777777777 eni-7 10.0.0.7 10.0.0.8 1 2 6 1 70 {DAY1} {DAY1} ACCEPT OK\n\
         2 unknown eni-9 - - - - - - - {DAY1} {DAY1} - NODATA\n"
    );
    std::fs::write(&file, text).expect("write");
    let lake = Lake::open(dir.path().join("lake")).expect("lake");
    ingest(&lake, &file).await;
    assert_eq!(
        stored(&lake),
        BTreeMap::from([
            (key("666666666666", "2026-10-01"), (1, 11)),
            (key("777777777777", "2026-10-01"), (1, 70)),
            (key("unknown", "2026-10-01"), (1, 0)),
        ])
    );
}

#[tokio::test]
async fn lines_across_read_chunks_and_without_a_header_are_parsed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("flows");
    // No header (the default format), CRLF endings and no final newline; more than one
    // 1 MiB read chunk, so lines straddle chunk boundaries.
    let mut text = String::new();
    let mut total = 0i64;
    let lines = 20_000;
    for i in 0..lines {
        let bytes = 1000 + i;
        total += bytes;
        text.push_str(&format!(
            "2 222222222222 eni-0123456789abcdef{i} 10.0.0.1 10.0.0.2 40000 443 6 10 {bytes} {} {} ACCEPT OK                    \r\n",
            DAY1 + i,
            DAY1 + i + 60
        ));
    }
    let text = text.trim_end().to_owned();
    assert!(text.len() > 1 << 21);
    write_gz(&plain_key(&root, "222222222222", 1), &text);
    let lake = Lake::open(dir.path().join("lake")).expect("lake");
    let report = ingest(&lake, &root).await;
    assert_eq!((report.rows, report.malformed_count), (lines as u64, 0));
    assert_eq!(
        stored(&lake),
        BTreeMap::from([(key("222222222222", "2026-10-01"), (lines as u64, total))])
    );
}

#[tokio::test]
async fn date_only_partitions_of_an_older_lake_are_replaced_not_doubled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = Lake::open(dir.path().join("lake")).expect("lake");
    let a = dir.path().join("a");
    write_gz(
        &plain_key(&a, "222222222222", 1),
        &v2_records("222222222222", 1, &[100]),
    );
    ingest(&lake, &a).await;
    // Rewrite the manifest as the date-only layout named its partition.
    let path = lake.root().join("manifest.json");
    let manifest = std::fs::read_to_string(&path).expect("manifest");
    std::fs::write(
        &path,
        manifest.replace(
            "\"date=2026-10-01/aws_account_id=222222222222\"",
            "\"2026-10-01\"",
        ),
    )
    .expect("write");
    assert!(
        lake.manifest().expect("manifest").tables["flow_logs"]
            .partitions
            .contains_key("2026-10-01")
    );
    let report = ingest(&lake, &a).await;
    assert!(
        report.notes.iter().any(|n| n.contains("`2026-10-01`")),
        "{:?}",
        report.notes
    );
    let partitions = &lake.manifest().expect("manifest").tables["flow_logs"].partitions;
    assert_eq!(
        partitions.keys().collect::<Vec<_>>(),
        vec!["date=2026-10-01/aws_account_id=222222222222"]
    );
    assert_eq!(
        stored(&lake),
        BTreeMap::from([(key("222222222222", "2026-10-01"), (1, 100))])
    );
}
