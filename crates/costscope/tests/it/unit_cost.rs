//! `costscope unit-cost` and `costscope ingest metrics` end to end.

use std::path::Path;

use crate::cli::{costscope, demo_data, fails, ingested_lake, ok};

/// A lake with the shared organisation's CUR and business metrics.
fn lake_with_metrics() -> tempfile::TempDir {
    let lake = ingested_lake();
    ok(costscope(lake.path())
        .args(["ingest", "metrics"])
        .arg(demo_data().join("business_metrics.csv")));
    lake
}

fn unit_cost(lake: &Path, extra: &[&str]) -> String {
    ok(costscope(lake)
        .args([
            "unit-cost",
            "--metric",
            "invocations",
            "--scope",
            "tag:app=clickstream",
        ])
        .args(extra))
}

#[test]
fn json_tells_that_clickstream_cost_per_invocation_falls() {
    let lake = lake_with_metrics();
    let out = unit_cost(lake.path(), &["--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&out).expect("json");
    for key in [
        "metric",
        "metric_source",
        "scope",
        "granularity",
        "measure",
        "currency",
        "revenue_metric",
        "periods",
        "changes",
        "summary",
        "notes",
    ] {
        assert!(report.get(key).is_some(), "missing {key}: {out}");
    }
    assert_eq!(report["measure"], "amortized");
    assert_eq!(report["scope"][0], "tag:app=clickstream");
    let periods = report["periods"].as_array().expect("periods");
    assert_eq!(periods.len(), 2);
    let last = periods.last().expect("last");
    assert_eq!(report["summary"]["trend"], "falling");
    assert_eq!(report["summary"]["period"], last["period"]);
    let text = report["summary"]["text"].as_str().expect("text");
    assert!(text.starts_with("cost per invocation fell"), "{text}");
    let (cost, fixed, variable) = (
        last["cost"].as_f64().expect("cost"),
        last["static_cost"].as_f64().expect("static"),
        last["variable_cost"].as_f64().expect("variable"),
    );
    assert!((fixed + variable - cost).abs() < 1e-6 * cost);
    let change = &report["changes"][0];
    let effects = change["volume_effect"].as_f64().expect("volume")
        + change["unit_cost_effect"].as_f64().expect("unit cost");
    assert!((effects - change["cost_change"].as_f64().expect("change")).abs() < 1e-6);
}

#[test]
fn table_and_csv_show_the_periods() {
    let lake = lake_with_metrics();
    let table = unit_cost(lake.path(), &[]);
    assert!(
        table.starts_with("== cost per unit of invocations"),
        "{table}"
    );
    assert!(table.contains("| period"), "{table}");
    assert!(table.contains("cost per invocation fell"), "{table}");

    let csv = unit_cost(lake.path(), &["--format", "csv", "--granularity", "weekly"]);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "period,cost,static_cost,variable_cost,units,cost_per_unit,variable_cost_per_unit,\
             revenue,roi,margin,cost_change,volume_effect,unit_cost_effect"
        )
    );
    let first = lines.next().expect("a week");
    assert!(first.contains("-W"), "{first}");
}

#[test]
fn unknown_metrics_and_bad_scopes_are_user_errors() {
    let lake = lake_with_metrics();
    let output = fails(costscope(lake.path()).args(["unit-cost", "--metric", "clicks-per-day"]));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unknown metric `clicks-per-day`")
            && stderr.contains("invocations")
            && stderr.contains("lambda-requests"),
        "{stderr}"
    );
    let output = fails(costscope(lake.path()).args([
        "unit-cost",
        "--metric",
        "invocations",
        "--scope",
        "region=us-east-1",
    ]));
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown scope `region`"));

    let rules = lake.path().join("classes.yaml");
    std::fs::write(&rules, "rules:\n  - class: fixed\n    service: AmazonEC2\n").expect("write");
    let output = fails(
        costscope(lake.path())
            .args(["unit-cost", "--metric", "invocations", "--classification"])
            .arg(&rules),
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("classes.yaml:2:"), "{stderr}");
}

#[test]
fn a_bad_metrics_file_is_refused_with_its_line() {
    let lake = lake_with_metrics();
    let before = ok(costscope(lake.path()).args([
        "sql",
        "SELECT count(*) AS n, sum(value) AS total FROM business_metrics",
        "--format",
        "csv",
    ]));
    let bad = lake.path().join("bad-metrics.csv");
    std::fs::write(
        &bad,
        "date,metric,value\n2026-10-01,orders,1\n2026-10-02,orders,n/a\n",
    )
    .expect("write");
    let output = fails(costscope(lake.path()).args(["ingest", "metrics"]).arg(&bad));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad-metrics.csv, line 3: column `value`"),
        "{stderr}"
    );
    let after = ok(costscope(lake.path()).args([
        "sql",
        "SELECT count(*) AS n, sum(value) AS total FROM business_metrics",
        "--format",
        "csv",
    ]));
    assert_eq!(before, after);
}
