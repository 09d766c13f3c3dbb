//! Ingest from a real S3-compatible server (moto's server mode, started here on loopback).

use costscope_lake::ingest::cur::ingest_cur_from;
use costscope_lake::source::Source;
use costscope_lake::{IngestOptions, Lake};
use object_store::ObjectStoreExt;
use object_store::path::Path as ObjectPath;

use crate::fixtures::{Line, Shape, cur2_file, write_cur2};
use crate::ingest::lake_totals;
use crate::s3_server::{S3Server, upload};

#[tokio::test]
async fn ingest_from_s3_equals_ingest_from_disk() {
    let server = S3Server::start();
    server.create_bucket("billing");
    let dir = tempfile::tempdir().expect("tempdir");
    let export = dir.path().join("export");
    let input: Vec<Line> = (0..40)
        .map(|i| Line::usage("333333333333", "AmazonS3", 1 + i % 28, 0.5 + i as f64))
        .collect();
    write_cur2(&cur2_file(&export, "2026-09", 1), &input, Shape::default());
    write_cur2(
        &cur2_file(&export, "2026-10", 1),
        &input[..10],
        Shape::default(),
    );
    let bucket = Source::open_s3_with("s3://billing", &server.settings()).expect("bucket");
    upload(bucket.store().as_ref(), &export, "cur/export").await;

    let source =
        Source::open_s3_with("s3://billing/cur/export", &server.settings()).expect("source");
    let s3_lake = Lake::open(dir.path().join("s3-lake")).expect("lake");
    let report = ingest_cur_from(&s3_lake, source, &IngestOptions::default())
        .await
        .expect("s3 ingest");
    assert_eq!(report.rows, 50);
    let disk_lake = Lake::open(dir.path().join("disk-lake")).expect("lake");
    let local = Source::open(&export.display().to_string()).expect("local");
    ingest_cur_from(&disk_lake, local, &IngestOptions::default())
        .await
        .expect("disk ingest");
    assert_eq!(lake_totals(&s3_lake), lake_totals(&disk_lake));
}

#[tokio::test]
async fn corrupt_object_in_s3_is_refused_naming_its_url() {
    let server = S3Server::start();
    server.create_bucket("billing");
    let bucket = Source::open_s3_with("s3://billing", &server.settings()).expect("bucket");
    let key = ObjectPath::from("bad/data/BILLING_PERIOD=2026-09/bad-00001.snappy.parquet");
    bucket
        .store()
        .put(&key, b"not parquet".to_vec().into())
        .await
        .expect("put");
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = Lake::open(dir.path()).expect("lake");
    let source = Source::open_s3_with("s3://billing/bad", &server.settings()).expect("source");
    let error = ingest_cur_from(&lake, source, &IngestOptions::default())
        .await
        .expect_err("corrupt");
    let message = error.to_string();
    assert!(
        message.contains("s3://billing/bad/data/BILLING_PERIOD=2026-09/bad-00001.snappy.parquet"),
        "{message}"
    );
    assert!(lake.manifest().expect("manifest").tables.is_empty());
}
