//! Helpers to run the binary, and tests of its output formats and errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The binary under test with `--lake` set.
pub fn costscope(lake: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_costscope"));
    command.arg("--lake").arg(lake).arg("--quiet");
    command
}

/// Runs and asserts success, returning stdout.
pub fn ok(command: &mut Command) -> String {
    let output = command.output().expect("spawn costscope");
    assert!(
        output.status.success(),
        "costscope failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

/// Runs and asserts failure, returning the whole output.
pub fn fails(command: &mut Command) -> Output {
    let output = command.output().expect("spawn costscope");
    assert!(
        !output.status.success(),
        "expected a failure, got: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    output
}

/// A small generated organisation shared by the tests of this binary (generated once).
pub fn demo_data() -> &'static PathBuf {
    static DATA: OnceLock<PathBuf> = OnceLock::new();
    DATA.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("costscope-it-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        ok(Command::new(env!("CARGO_BIN_EXE_costscope"))
            .args([
                "--quiet", "generate", "--seed", "7", "--months", "2", "--out",
            ])
            .arg(&dir));
        dir
    })
}

/// The CUR 2.0 export root inside generated data.
pub fn export_root(data: &Path) -> PathBuf {
    data.join("cur").join("costscope-demo")
}

/// A fresh lake holding the shared organisation's CUR.
pub fn ingested_lake() -> tempfile::TempDir {
    let lake = tempfile::tempdir().expect("tempdir");
    ok(costscope(lake.path())
        .args(["ingest", "cur"])
        .arg(export_root(demo_data())));
    lake
}

#[test]
fn csv_output_has_a_header_plain_values_and_empty_nulls() {
    let lake = ingested_lake();
    let out = ok(costscope(lake.path()).args([
        "sql",
        "SELECT 'a' AS name, CAST(NULL AS DOUBLE) AS missing, 1.5 AS value",
        "--format",
        "csv",
    ]));
    assert_eq!(out, "name,missing,value\na,,1.5\n");
}

#[test]
fn json_output_is_an_array_of_objects() {
    let lake = ingested_lake();
    let out = ok(costscope(lake.path()).args([
        "sql",
        "SELECT billing_period, count(*) AS n FROM cur GROUP BY 1 ORDER BY 1",
        "--format",
        "json",
    ]));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).expect("json");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["billing_period"], "2026-09");
    assert!(rows[0]["n"].as_u64().expect("count") > 0);
}

#[test]
fn bad_sql_fails_with_a_clear_message() {
    let lake = ingested_lake();
    let output = fails(costscope(lake.path()).args(["sql", "SELECT no_such_column FROM cur"]));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no_such_column"), "{stderr}");
    let output = fails(costscope(lake.path()).args(["sql", "SELEC 1"]));
    assert!(String::from_utf8_lossy(&output.stderr).contains("error:"));
}

#[test]
fn ingest_errors_exit_non_zero_naming_the_file() {
    let lake = ingested_lake();
    let bad = tempfile::tempdir().expect("tempdir");
    let file = bad
        .path()
        .join("data/BILLING_PERIOD=2026-09/x-00001.snappy.parquet");
    std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
    std::fs::write(&file, b"garbage").expect("write");
    let output = fails(
        costscope(lake.path())
            .args(["ingest", "cur"])
            .arg(bad.path()),
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("x-00001.snappy.parquet"));
}

#[test]
fn tables_lists_published_partitions() {
    let lake = ingested_lake();
    let out = ok(costscope(lake.path()).args(["tables", "--format", "csv"]));
    assert!(
        out.starts_with("table,partition,files,rows,source,ingested_at\n"),
        "{out}"
    );
    assert!(out.contains("cur,2026-09,"), "{out}");
    assert!(out.contains("cur,2026-10,"), "{out}");
}

#[test]
fn other_inputs_ingest_and_are_queryable() {
    let lake = ingested_lake();
    let data = demo_data();
    let flows = ok(costscope(lake.path())
        .args(["ingest", "flowlogs", "--format", "json"])
        .arg(data.join("flowlogs")));
    let flows: serde_json::Value = serde_json::from_str(&flows).expect("json");
    assert!(flows["rows"].as_u64().expect("rows") > 0);
    ok(costscope(lake.path())
        .args(["ingest", "inventory"])
        .arg(data.join("inventory.jsonl")));
    ok(costscope(lake.path())
        .args(["ingest", "metrics"])
        .arg(data.join("business_metrics.csv")));
    let out = ok(costscope(lake.path()).args([
        "sql",
        "SELECT (SELECT count(*) FROM flow_logs WHERE srcaddr IS NOT NULL AND az_id IS NOT NULL) > 0 AS flows, \
         (SELECT count(*) FROM inventory) > 0 AS inventory, \
         (SELECT count(*) FROM business_metrics WHERE metric = 'invocations') > 0 AS metrics",
        "--format",
        "csv",
    ]));
    assert_eq!(out, "flows,inventory,metrics\ntrue,true,true\n");
}

#[test]
fn malformed_metrics_are_refused_with_file_and_line() {
    let lake = ingested_lake();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("metrics.csv");
    std::fs::write(
        &file,
        "date,metric,value,app,team\n2026-09-01,clicks,10,web,\n2026-09-02,clicks,lots,web,\n",
    )
    .expect("write");
    let output = fails(
        costscope(lake.path())
            .args(["ingest", "metrics"])
            .arg(&file),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("metrics.csv") && stderr.contains("line 3"),
        "{stderr}"
    );
    let out = ok(costscope(lake.path()).args([
        "sql",
        "SELECT count(*) AS n FROM business_metrics",
        "--format",
        "csv",
    ]));
    assert_eq!(out, "n\n0\n");
}

#[test]
fn the_shell_takes_multi_line_statements_survives_errors_and_keeps_history() {
    use std::io::Write;
    let lake = ingested_lake();
    let home = tempfile::tempdir().expect("home");
    let mut child = costscope(lake.path())
        .arg("sql")
        .env("HOME", home.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"SELECT billing_period,\n  count(*) AS n\nFROM cur GROUP BY 1\nORDER BY 1;\nSELECT nope;\nSELECT 40 + 2 AS answer;\n\\q\n")
        .expect("write");
    let output = child.wait_with_output().expect("wait");
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stdout.contains("| 2026-09 ") && stdout.contains("| 42 "),
        "{stdout}"
    );
    assert!(stderr.contains("nope"), "{stderr}");
    let history = std::fs::read_to_string(home.path().join(".costscope_history")).expect("history");
    assert!(history.contains("SELECT 40 + 2 AS answer;"), "{history}");
}

#[test]
fn demo_tells_the_nat_and_bedrock_stories() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = ok(std::process::Command::new(env!("CARGO_BIN_EXE_costscope"))
        .args(["--quiet", "demo", "--format", "json", "--dir"])
        .arg(dir.path()));
    let sections: Vec<serde_json::Value> = serde_json::from_str(&out).expect("json");
    let rows = |needle: &str| -> Vec<serde_json::Value> {
        let section = sections
            .iter()
            .find(|s| s["title"].as_str().is_some_and(|t| t.contains(needle)))
            .unwrap_or_else(|| panic!("no section about {needle}"));
        section["rows"].as_array().expect("rows").clone()
    };
    // NAT Gateway bytes grow month over month.
    let nat: Vec<f64> = rows("NAT Gateway")
        .iter()
        .filter(|r| r["usage_type"] == "NatGateway-Bytes")
        .map(|r| r["cost"].as_f64().expect("cost"))
        .collect();
    assert!(
        nat.len() >= 2 && nat.windows(2).all(|w| w[1] > w[0]),
        "{nat:?}"
    );
    // Sales pays several times what Dev pays for Bedrock.
    let bedrock = rows("Bedrock");
    let spend = |department: &str| -> f64 {
        bedrock
            .iter()
            .filter(|r| r["department"] == department)
            .map(|r| r["cost"].as_f64().expect("cost"))
            .sum()
    };
    assert!(spend("Sales") > 2.5 * spend("Dev"), "{bedrock:?}");
    assert!(dir.path().join("lake/manifest.json").exists());

    // Every dollar has an owner: the allocated teams add up to the bill.
    let allocated: f64 = rows("Cost by team")
        .iter()
        .map(|r| r["total"].as_f64().expect("total"))
        .sum();
    let billed: f64 = rows("Top accounts")
        .iter()
        .map(|r| r["amortized"].as_f64().expect("amortized"))
        .sum();
    assert!((allocated - billed).abs() < 0.1, "{allocated} vs {billed}");
    // The untagged sandbox shows in the tag coverage.
    let coverage = rows("Tag coverage");
    let sandbox = coverage
        .iter()
        .find(|r| r["account"] == "Sandbox")
        .expect("sandbox row");
    assert_eq!(sandbox["cost_tagged_pct"].as_f64(), Some(0.0));
    // clickstream's cost per invocation falls in the last month, and the title says so.
    let unit_section = sections
        .iter()
        .find(|s| {
            s["title"]
                .as_str()
                .is_some_and(|t| t.contains("clickstream"))
        })
        .expect("unit cost section");
    assert!(
        unit_section["title"]
            .as_str()
            .is_some_and(|t| t.contains("fell")),
        "{unit_section}"
    );
    let per_million: Vec<f64> = rows("clickstream")
        .iter()
        .map(|r| r["cost_per_million"].as_f64().expect("unit cost"))
        .collect();
    assert!(per_million.last() < per_million.first(), "{per_million:?}");
    // Budgets carry a state automation can act on.
    let states: Vec<String> = rows("Budgets")
        .iter()
        .map(|r| r["state"].as_str().expect("state").to_string())
        .collect();
    assert!(!states.is_empty());
    assert!(
        states
            .iter()
            .all(|s| ["ok", "forecast_over", "over"].contains(&s.as_str())),
        "{states:?}"
    );
}

#[test]
fn a_reader_that_stops_early_ends_the_command_quietly() {
    let lake = ingested_lake();
    // Far more than a pipe buffer of output, so writes continue after `head` has gone.
    let script = format!(
        "set -o pipefail; '{}' --lake '{}' --quiet tags --require department,team,app \
         --granularity daily | head -c 100 > /dev/null",
        env!("CARGO_BIN_EXE_costscope"),
        lake.path().display()
    );
    let output = Command::new("bash")
        .args(["-c", &script])
        .output()
        .expect("bash");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
