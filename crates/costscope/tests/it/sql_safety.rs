//! SQL that would change the lake or reach outside it is refused, and the lake is intact.

use crate::cli::{costscope, fails, ingested_lake, ok};

#[test]
fn hostile_statements_are_refused_and_change_nothing() {
    let lake = ingested_lake();
    let count = "SELECT count(*) AS n FROM cur";
    let before = ok(costscope(lake.path()).args(["sql", count, "--format", "csv"]));
    let outside = lake.path().join("stolen");
    for statement in [
        "DROP TABLE cur".to_string(),
        "CREATE TABLE t AS SELECT 1".to_string(),
        "CREATE EXTERNAL TABLE x STORED AS CSV LOCATION '/etc/passwd'".to_string(),
        "INSERT INTO cur SELECT * FROM cur".to_string(),
        format!(
            "COPY (SELECT * FROM cur) TO '{}' STORED AS PARQUET",
            outside.display()
        ),
        "CREATE VIEW v AS SELECT 1".to_string(),
    ] {
        let output = fails(costscope(lake.path()).args(["sql", &statement]));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("not supported")
                || stderr.contains("not allowed")
                || stderr.contains("Unsupported"),
            "{statement}: {stderr}"
        );
    }
    assert!(!outside.exists());
    assert_eq!(
        ok(costscope(lake.path()).args(["sql", count, "--format", "csv"])),
        before
    );
}

#[test]
fn reading_files_by_path_is_refused() {
    let lake = ingested_lake();
    let output = fails(costscope(lake.path()).args(["sql", "SELECT * FROM '/etc/passwd'"]));
    assert_eq!(output.status.code(), Some(1));
}
