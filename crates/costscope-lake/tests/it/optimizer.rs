//! `ingest optimizer`: the generator's Compute Optimizer and Cost Optimization Hub samples
//! land in `optimizer_ec2` and `optimizer_recommendations` from CSV, CSV.gz and Parquet;
//! re-importing changes nothing; every malformed export is refused with its file, line and
//! column, leaving a lake that already holds data exactly as it was; S3 reads like disk.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, AsArray};
use arrow::datatypes::Float64Type;
use costscope_lake::ingest::optimizer::{ingest_optimizer, ingest_optimizer_from};
use costscope_lake::lake::PartitionChange;
use costscope_lake::source::Source;
use costscope_lake::{Error, Lake};
use costscope_synth::{GenerateOptions, OptimizerSamples, write_optimizer_samples};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::fixtures::snapshot;
use crate::s3_server::{S3Server, upload};

fn samples(dir: &Path) -> OptimizerSamples {
    write_optimizer_samples(
        dir,
        &GenerateOptions {
            seed: 42,
            ..GenerateOptions::default()
        },
    )
    .expect("samples")
}

fn text(path: &Path) -> String {
    path.display().to_string()
}

/// Every row of a table's live files as (text column values, one number column).
fn read_table(lake: &Lake, table: &str, key: &str, number: &str) -> Vec<(String, Option<f64>)> {
    let mut rows = Vec::new();
    for path in lake.table_files(table).expect("files") {
        let file = std::fs::File::open(&path).expect("open");
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .expect("reader")
            .build()
            .expect("build");
        for batch in reader {
            let batch = batch.expect("batch");
            let keys = batch.column_by_name(key).expect(key).clone();
            let numbers = batch.column_by_name(number).expect(number).clone();
            for i in 0..batch.num_rows() {
                rows.push((
                    keys.as_string::<i32>().value(i).to_string(),
                    (!numbers.is_null(i)).then(|| numbers.as_primitive::<Float64Type>().value(i)),
                ));
            }
        }
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows
}

#[tokio::test]
async fn generated_samples_land_in_both_tables_and_reimporting_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exports = dir.path().join("exports");
    let written = samples(&exports);
    assert!(written.instances >= 10, "{written:?}");
    assert!(written.overprovisioned >= 3, "{written:?}");
    assert!(
        written.hub_recommendations > written.overprovisioned,
        "{written:?}"
    );
    assert_eq!(written.export_date, "2026-10-31");

    let lake = Lake::open(dir.path().join("lake")).expect("lake");
    let report = ingest_optimizer(&lake, &text(&exports))
        .await
        .expect("ingest");
    assert_eq!(report.files_read, 2);
    assert_eq!(
        report.rows as usize,
        written.instances + written.hub_recommendations
    );
    let partitions: Vec<(&str, PartitionChange)> = report
        .partitions
        .iter()
        .map(|p| (p.partition.as_str(), p.change))
        .collect();
    assert_eq!(
        partitions,
        vec![
            (
                "optimizer_ec2/export_date=2026-10-31",
                PartitionChange::Added
            ),
            (
                "optimizer_recommendations/export_date=2026-10-31",
                PartitionChange::Added
            ),
        ]
    );

    let instances = read_table(
        &lake,
        "optimizer_ec2",
        "instance_id",
        "estimated_monthly_savings",
    );
    assert_eq!(instances.len(), written.instances);
    assert!(instances.iter().all(|(id, _)| id.starts_with("i-0")));
    let saving = instances
        .iter()
        .filter(|(_, s)| s.unwrap_or(0.0) > 0.0)
        .count();
    assert_eq!(saving, written.overprovisioned);
    let hub = read_table(
        &lake,
        "optimizer_recommendations",
        "resource_id",
        "estimated_monthly_savings",
    );
    assert_eq!(hub.len(), written.hub_recommendations);
    assert!(
        hub.iter()
            .any(|(id, s)| id.starts_with("vol-0") && s.is_some_and(|s| s > 0.0)),
        "gp2 volumes named by their CUR id"
    );

    let before = snapshot(lake.root());
    let again = ingest_optimizer(&lake, &text(&exports))
        .await
        .expect("again");
    assert!(
        again
            .partitions
            .iter()
            .all(|p| p.change == PartitionChange::Unchanged)
    );
    assert_eq!(snapshot(lake.root()), before);
}

/// The Compute Optimizer sample rewritten as Parquet with the types a reader infers.
fn as_parquet(csv_path: &Path, out: &Path) {
    let format = arrow::csv::reader::Format::default().with_header(true);
    let (schema, _) = format
        .infer_schema(std::fs::File::open(csv_path).expect("open"), None)
        .expect("schema");
    let schema = Arc::new(schema);
    let reader = arrow::csv::ReaderBuilder::new(schema.clone())
        .with_format(format)
        .build(std::fs::File::open(csv_path).expect("open"))
        .expect("csv reader");
    let file = std::fs::File::create(out).expect("create");
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, schema, None).expect("writer");
    for batch in reader {
        writer.write(&batch.expect("batch")).expect("write");
    }
    writer.close().expect("close");
}

fn gzip(path: &Path, out: &Path) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder
        .write_all(&std::fs::read(path).expect("read"))
        .expect("gzip");
    let bytes = encoder.finish().expect("finish");
    std::fs::write(out, &bytes).expect("write");
    bytes
}

#[tokio::test]
async fn gzip_and_parquet_exports_read_like_csv() {
    let dir = tempfile::tempdir().expect("tempdir");
    let written = samples(&dir.path().join("exports"));
    let stored = |name: &str| {
        let lake = Lake::open(dir.path().join(name)).expect("lake");
        read_table(&lake, "optimizer_ec2", "instance_arn", "cpu_max_percent")
    };
    let variants: [(&str, PathBuf); 3] = [
        ("csv", written.compute_optimizer_file.clone()),
        ("gz", dir.path().join("co.csv.gz")),
        ("parquet", dir.path().join("co.parquet")),
    ];
    gzip(&written.compute_optimizer_file, &variants[1].1);
    as_parquet(&written.compute_optimizer_file, &variants[2].1);
    for (name, path) in &variants {
        let lake = Lake::open(dir.path().join(name)).expect("lake");
        ingest_optimizer(&lake, &text(path))
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let csv = stored("csv");
    assert_eq!(csv.len(), written.instances);
    assert_eq!(stored("gz"), csv);
    assert_eq!(stored("parquet"), csv);
}

/// Rewrites line `line` (1 = header) of a CSV with `edit`.
fn edited(source: &Path, out: &Path, line: usize, edit: impl Fn(&str) -> String) -> String {
    let text = std::fs::read_to_string(source).expect("read");
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i + 1 == line {
                edit(l)
            } else {
                l.to_string()
            }
        })
        .collect();
    std::fs::write(out, lines.join("\n") + "\n").expect("write");
    text_of(out)
}

fn text_of(path: &Path) -> String {
    path.display().to_string()
}

/// Replaces field `column` (0-based) of a CSV line without quotes.
fn field(line: &str, column: usize, value: &str) -> String {
    let mut fields: Vec<&str> = line.split(',').collect();
    fields[column] = value;
    fields.join(",")
}

#[tokio::test]
async fn malformed_exports_name_file_line_and_column_and_change_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let written = samples(&dir.path().join("exports"));
    let lake = Lake::open(dir.path().join("lake")).expect("lake");
    ingest_optimizer(&lake, &text(&dir.path().join("exports")))
        .await
        .expect("first import");
    let before = snapshot(lake.root());
    let co = &written.compute_optimizer_file;
    let hub = &written.cost_optimization_hub_file;
    let bad = dir.path().join("bad");
    std::fs::create_dir_all(&bad).expect("mkdir");

    let mut cases: Vec<(String, Vec<String>)> = Vec::new();
    // Column 10 is utilizationMetrics_CPU_MAXIMUM.
    let path = edited(co, &bad.join("cpu.csv"), 3, |l| field(l, 9, "lots"));
    cases.push((
        path.clone(),
        vec![format!(
            "{path}, line 3, column `utilizationMetrics_CPU_MAXIMUM`: `lots` is not a number"
        )],
    ));
    let path = edited(co, &bad.join("account.csv"), 2, |l| field(l, 0, "12345"));
    cases.push((
        path.clone(),
        vec![
            format!("{path}, line 2, column `accountId`"),
            "12-digit".into(),
        ],
    ));
    let path = edited(co, &bad.join("finding.csv"), 4, |l| field(l, 4, "Sideways"));
    cases.push((
        path.clone(),
        vec![format!("{path}, line 4, column `finding`: `Sideways`")],
    ));
    let path = edited(co, &bad.join("missing.csv"), 1, |l| field(l, 4, "verdict"));
    cases.push((
        path.clone(),
        vec![format!("{path}, line 1, column `finding`: required column")],
    ));
    let unknown = bad.join("unknown.csv");
    std::fs::write(&unknown, "resource,saving\ni-1,3\n").expect("write");
    cases.push((
        text_of(&unknown),
        vec![format!(
            "{}, line 1, column `resource`: unrecognised header",
            text_of(&unknown)
        )],
    ));
    // Column 2 of the hub export is action_type.
    let path = edited(hub, &bad.join("action.csv"), 2, |l| field(l, 1, "Teleport"));
    cases.push((
        path.clone(),
        vec![format!("{path}, line 2, column `action_type`: `Teleport`")],
    ));
    // Column 8 is estimated_monthly_savings_after_discount.
    let path = edited(hub, &bad.join("saving.csv"), 3, |l| field(l, 7, "1.2.3"));
    cases.push((
        path.clone(),
        vec![format!(
            "{path}, line 3, column `estimated_monthly_savings_after_discount`: `1.2.3` is not a number"
        )],
    ));
    let gz = bad.join("truncated.csv.gz");
    let bytes = gzip(co, &gz);
    std::fs::write(&gz, &bytes[..bytes.len() / 2]).expect("truncate");
    cases.push((
        text_of(&gz),
        vec![format!("{}: corrupt or truncated gzip data", text_of(&gz))],
    ));
    // A folder whose second file is bad stores nothing of the first.
    let folder = dir.path().join("folder");
    std::fs::create_dir_all(&folder).expect("mkdir");
    std::fs::copy(hub, folder.join("a-hub.csv")).expect("copy");
    let path = edited(co, &folder.join("b-co.csv"), 5, |l| field(l, 10, "-"));
    cases.push((
        text_of(&folder),
        vec![
            format!("line 5, column `utilizationMetrics_MEMORY_MAXIMUM`"),
            path,
        ],
    ));

    for (source, expected) in cases {
        let error = ingest_optimizer(&lake, &source)
            .await
            .expect_err(&source)
            .to_string();
        for part in &expected {
            let part = part.replace(&text_of(&folder), "");
            assert!(error.contains(&part), "{source}: `{error}` lacks `{part}`");
        }
        assert_eq!(snapshot(lake.root()), before, "{source} changed the lake");
    }
    // An error names the file as the user named it.
    let e = ingest_optimizer(&lake, &text(&unknown))
        .await
        .expect_err("unknown");
    assert!(
        matches!(e, Error::InvalidValue { line: Some(1), .. }),
        "{e:?}"
    );
}

#[tokio::test]
async fn rows_refreshed_on_earlier_days_belong_to_their_files_export() {
    let dir = tempfile::tempdir().expect("tempdir");
    let written = samples(&dir.path().join("exports"));
    // Column 24 is lastRefreshTimestamp_UTC.
    let path = edited(
        &written.compute_optimizer_file,
        &dir.path().join("co.csv"),
        2,
        |l| field(l, 23, "2026-10-29 23:59:01"),
    );
    let lake = Lake::open(dir.path().join("lake")).expect("lake");
    let report = ingest_optimizer(&lake, &path).await.expect("ingest");
    let partitions: Vec<(&str, u64)> = report
        .partitions
        .iter()
        .map(|p| (p.partition.as_str(), p.rows))
        .collect();
    assert_eq!(
        partitions,
        vec![(
            "optimizer_ec2/export_date=2026-10-31",
            written.instances as u64
        )]
    );
}

#[tokio::test]
async fn ingest_from_s3_equals_ingest_from_disk() {
    let server = S3Server::start();
    server.create_bucket("exports");
    let dir = tempfile::tempdir().expect("tempdir");
    let exports = dir.path().join("exports");
    let written = samples(&exports);
    let bucket = Source::open_s3_with("s3://exports", &server.settings()).expect("bucket");
    upload(bucket.store().as_ref(), &exports, "optimizer/2026-10-31").await;

    let source =
        Source::open_s3_with("s3://exports/optimizer", &server.settings()).expect("source");
    let s3_lake = Lake::open(dir.path().join("s3-lake")).expect("lake");
    let report = ingest_optimizer_from(&s3_lake, source)
        .await
        .expect("s3 ingest");
    assert_eq!(
        report.rows as usize,
        written.instances + written.hub_recommendations
    );
    let disk_lake = Lake::open(dir.path().join("disk-lake")).expect("lake");
    ingest_optimizer(&disk_lake, &text(&exports))
        .await
        .expect("disk ingest");
    for (table, key) in [
        ("optimizer_ec2", "instance_arn"),
        ("optimizer_recommendations", "recommendation_id"),
    ] {
        assert_eq!(
            read_table(&s3_lake, table, key, "estimated_monthly_savings"),
            read_table(&disk_lake, table, key, "estimated_monthly_savings"),
            "{table}"
        );
    }
}
