//! `ingest cur s3://…` configured only by the standard AWS variables, against a real
//! S3-compatible server on loopback.

use costscope_lake::source::Source;

use crate::cli::{costscope, demo_data, export_root, fails, ok};
use crate::s3_server::{S3Server, upload};

fn with_aws_env(command: &mut std::process::Command, endpoint: &str) {
    command
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1");
}

#[tokio::test]
async fn ingest_from_s3_through_the_aws_environment() {
    let server = S3Server::start();
    server.create_bucket("org-billing");
    let bucket = Source::open_s3_with("s3://org-billing", &server.settings()).expect("bucket");
    upload(
        bucket.store().as_ref(),
        &export_root(demo_data()),
        "exports/costscope-demo",
    )
    .await;

    let from_s3 = tempfile::tempdir().expect("tempdir");
    let mut ingest = costscope(from_s3.path());
    ingest.args(["ingest", "cur", "s3://org-billing/exports/costscope-demo"]);
    with_aws_env(&mut ingest, &server.endpoint);
    ok(&mut ingest);
    let from_disk = tempfile::tempdir().expect("tempdir");
    ok(costscope(from_disk.path())
        .args(["ingest", "cur"])
        .arg(export_root(demo_data())));
    let query = "SELECT billing_period, line_item_usage_account_id, count(*) AS n, sum(line_item_unblended_cost) AS c \
                 FROM cur GROUP BY 1, 2 ORDER BY 1, 2";
    let s3 = ok(costscope(from_s3.path()).args(["sql", query, "--format", "csv"]));
    let disk = ok(costscope(from_disk.path()).args(["sql", query, "--format", "csv"]));
    assert_eq!(s3, disk);

    // A bucket that does not exist is an error naming the location, and nothing lands.
    let mut missing = costscope(from_s3.path());
    missing.args(["ingest", "cur", "s3://no-such-bucket/cur"]);
    with_aws_env(&mut missing, &server.endpoint);
    let output = fails(&mut missing);
    assert!(String::from_utf8_lossy(&output.stderr).contains("s3://no-such-bucket/cur"));
    assert_eq!(
        ok(costscope(from_s3.path()).args(["sql", query, "--format", "csv"])),
        s3
    );
}
