//! End-to-end tests of `costscope network`.

use std::collections::BTreeSet;

use crate::cli::{costscope, demo_data, fails, ingested_lake, ok};

/// A lake with the shared organisation's CUR, flow logs and inventory.
fn lake_with_flows() -> tempfile::TempDir {
    let lake = ingested_lake();
    let data = demo_data();
    ok(costscope(lake.path())
        .args(["ingest", "flowlogs"])
        .arg(data.join("flowlogs")));
    ok(costscope(lake.path())
        .args(["ingest", "inventory"])
        .arg(data.join("inventory.jsonl")));
    lake
}

fn json(lake: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let out = ok(costscope(lake)
        .arg("network")
        .args(args)
        .args(["--format", "json"]));
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn findings_name_the_nat_gateway_per_az_fix_with_a_positive_saving() {
    let lake = lake_with_flows();
    let findings = json(lake.path(), &["findings"]);
    let findings = findings.as_array().expect("array");
    let per_az = findings
        .iter()
        .find(|f| f["fix"]["kind"] == "nat-gateway-per-az")
        .expect("a per-AZ finding");
    assert_eq!(per_az["fix"]["az"], "us-east-1b");
    assert_eq!(per_az["source_az"], "us-east-1b");
    assert_eq!(per_az["nat_az"], "us-east-1a");
    assert_eq!(per_az["account_id"], "222222222222");
    assert!(per_az["monthly_saving"].as_f64().expect("saving") > 0.0);
    assert!(
        per_az["cause"]
            .as_str()
            .expect("cause")
            .contains("us-east-1a")
    );

    let table = ok(costscope(lake.path()).args(["network", "findings"]));
    assert!(table.contains("nat-gateway-per-az us-east-1b"), "{table}");

    let story = ok(costscope(lake.path()).args(["network", "story"]));
    assert!(
        story.contains("Fix: add a NAT gateway in us-east-1b"),
        "{story}"
    );
    assert!(story.contains("the bill agrees"), "{story}");
}

#[test]
fn nat_json_and_csv_agree_and_reconcile_matches_the_cur() {
    let lake = lake_with_flows();
    let report = json(lake.path(), &["nat"]);
    let gateways = report["gateways"].as_array().expect("gateways");
    assert_eq!(gateways.len(), 2, "the busy and the idle NAT gateway");
    assert!(gateways[0]["cross_az_share"].as_f64().expect("share") > 0.9);
    assert_eq!(gateways[1]["bytes"].as_f64(), Some(0.0));
    assert_eq!(report["window"]["days_with_flow_logs"], 14);

    let csv = ok(costscope(lake.path()).args(["network", "nat", "--format", "csv"]));
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "account_id,nat_gateway_id,nat_az,source_resource,source_type,source_team,\
             source_az,destination,bytes,gb,cross_az,processing_cost,cross_az_cost"
        )
    );
    let sources: BTreeSet<&str> = lines.map(|l| l.split(',').nth(3).expect("col")).collect();
    let json_sources: BTreeSet<&str> = report["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| s["source_resource"].as_str().expect("id"))
        .collect();
    assert_eq!(sources, json_sources);
    assert_eq!(sources.len(), 3);

    let reconcile = json(lake.path(), &["reconcile"]);
    let rows = reconcile["rows"].as_array().expect("rows");
    let busy = gateways[0]["nat_gateway_id"].as_str().expect("id");
    let nat_rows: Vec<_> = rows
        .iter()
        .filter(|r| r["usage_type"] == "NatGateway-Bytes" && r["resource_id"] == busy)
        .collect();
    assert_eq!(nat_rows.len(), 14);
    assert!(nat_rows.iter().all(|r| r["within_tolerance"] == true));
}

#[test]
fn limits_filters_and_an_empty_window() {
    let lake = lake_with_flows();
    let talkers = json(lake.path(), &["top-talkers", "--limit", "2"]);
    assert_eq!(talkers["rows"].as_array().expect("rows").len(), 2);
    let other = json(lake.path(), &["cross-az", "--account", "999999999999"]);
    assert!(other["rows"].as_array().expect("rows").is_empty());
    let empty = json(
        lake.path(),
        &["egress", "--from", "2020-01-01", "--to", "2020-02-01"],
    );
    assert!(empty["rows"].as_array().expect("rows").is_empty());
    assert_eq!(empty["window"]["days_with_flow_logs"], 0);
}

#[test]
fn bad_dates_and_accounts_fail_with_a_clear_message() {
    let lake = lake_with_flows();
    let output = fails(costscope(lake.path()).args(["network", "nat", "--from", "2026-02-30"]));
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("`2026-02-30` is not a YYYY-MM-DD date")
    );
    let output = fails(costscope(lake.path()).args([
        "network",
        "cross-az",
        "--from",
        "2026-10-20",
        "--to",
        "2026-10-10",
    ]));
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not before"));
    let output = fails(costscope(lake.path()).args(["network", "egress", "--account", "abc"]));
    assert!(String::from_utf8_lossy(&output.stderr).contains("`abc` is not a 12-digit"));
}
