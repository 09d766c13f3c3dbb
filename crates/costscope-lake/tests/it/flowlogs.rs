//! Flow-log ingest: header-driven field order, NODATA records, malformed lines counted
//! with file and line (or refused with `strict`), corrupt gzip refused with the lake intact.

use std::io::Write;
use std::path::Path;

use costscope_lake::ingest::flowlogs::ingest_flow_logs;
use costscope_lake::{IngestOptions, Lake};

use crate::fixtures::snapshot;

const HEADER: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status az-id flow-direction";

fn write_gz(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(path).expect("create"),
        flate2::Compression::default(),
    );
    gz.write_all(text.as_bytes()).expect("write");
    gz.finish().expect("finish");
}

fn log_path(root: &Path, day: &str) -> std::path::PathBuf {
    root.join(format!(
        "AWSLogs/222222222222/vpcflowlogs/us-east-1/2026/10/{day}/222222222222_vpcflowlogs_us-east-1_fl-1_202610{day}T0000Z_abc.log.gz"
    ))
}

fn good_lines() -> String {
    // 2026-10-01T00:00:00Z = 1790812800
    format!(
        "{HEADER}\n\
         5 222222222222 eni-1 10.0.1.5 10.0.0.9 44321 443 6 10 5000 1790812800 1790812860 ACCEPT OK use1-az2 egress\n\
         5 222222222222 eni-1 10.0.1.5 10.0.0.9 44322 443 6 4 2000 1790812900 1790812960 ACCEPT OK use1-az2 egress\n\
         5 222222222222 eni-2 - - - - - - - 1790812800 1790812860 - NODATA use1-az1 -\n"
    )
}

#[tokio::test]
async fn malformed_lines_are_counted_with_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("flows");
    let text = format!(
        "{}5 222222222222 eni-1 only five fields\n5 222222222222 eni-1 10.0.1.5 10.0.0.9 1 2 6 x 100 1790812800 1790812860 ACCEPT OK use1-az2 egress\n",
        good_lines()
    );
    write_gz(&log_path(&root, "01"), &text);
    let lake = Lake::open(dir.path().join("lake")).expect("lake");
    let source = root.display().to_string();
    let report = ingest_flow_logs(&lake, &source, &IngestOptions::default())
        .await
        .expect("ingest");
    assert_eq!(report.rows, 3);
    assert_eq!(report.malformed_count, 2);
    assert!(
        report.malformed[0].contains("_abc.log.gz, line 5"),
        "{:?}",
        report.malformed
    );
    assert!(
        report.malformed[1].contains("line 6") && report.malformed[1].contains("packets"),
        "{:?}",
        report.malformed
    );

    let strict = IngestOptions {
        strict: true,
        ..IngestOptions::default()
    };
    let before = snapshot(lake.root());
    let error = ingest_flow_logs(&lake, &source, &strict)
        .await
        .expect_err("strict");
    assert!(error.to_string().contains("line 5"), "{error}");
    assert_eq!(snapshot(lake.root()), before);
}

#[tokio::test]
async fn corrupt_gzip_is_refused_and_the_lake_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("good");
    write_gz(&log_path(&good, "01"), &good_lines());
    let lake = Lake::open(dir.path().join("lake")).expect("lake");
    ingest_flow_logs(
        &lake,
        &good.display().to_string(),
        &IngestOptions::default(),
    )
    .await
    .expect("good");
    let before = snapshot(lake.root());
    let bad = dir.path().join("bad");
    let path = log_path(&bad, "02");
    write_gz(&path, &good_lines().repeat(200));
    let bytes = std::fs::read(&path).expect("read");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("truncate");
    let error = ingest_flow_logs(&lake, &bad.display().to_string(), &IngestOptions::default())
        .await
        .expect_err("truncated gzip");
    assert!(error.to_string().contains("_abc.log.gz"), "{error}");
    assert_eq!(snapshot(lake.root()), before);
}
