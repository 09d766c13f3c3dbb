//! End-to-end tests of `costscope anomalies`: the NAT incident found as of two days after
//! its onset, `show`, feedback that persists and silences, unknown ids and bad monitors files
//! refused without changing the store, and `evaluate` against the generator's labels.

use std::path::Path;

use crate::cli::{costscope, demo_data, fails, ingested_lake, ok};

/// The NAT deploy's onset, from the generator's labels.
fn nat_onset() -> String {
    let labels: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(demo_data().join("labels.json")).expect("labels.json"),
    )
    .expect("labels");
    labels
        .as_array()
        .expect("array")
        .iter()
        .find(|l| l["id"] == "nat-catalog-sync-deploy")
        .and_then(|l| l["onset"].as_str())
        .expect("NAT label")
        .to_string()
}

fn scan(lake: &Path, as_of: &str, extra: &[&str]) -> serde_json::Value {
    let text = ok(costscope(lake)
        .args(["anomalies", "--as-of", as_of, "--format", "json"])
        .args(extra));
    serde_json::from_str(&text).expect("json")
}

fn ids(report: &serde_json::Value) -> Vec<String> {
    report["anomalies"]
        .as_array()
        .expect("anomalies")
        .iter()
        .map(|a| a["id"].as_str().expect("id").to_string())
        .collect()
}

#[test]
fn nat_anomaly_feedback_and_history_end_to_end() {
    let lake = ingested_lake();
    let onset = nat_onset();
    let as_of =
        chrono::NaiveDate::parse_from_str(&onset, "%Y-%m-%d").expect("date") + chrono::Days::new(2);
    let as_of = as_of.to_string();
    let report = scan(lake.path(), &as_of, &[]);
    assert_eq!(report["as_of"], as_of.as_str());
    let nat = report["anomalies"]
        .as_array()
        .expect("anomalies")
        .iter()
        .find(|a| a["monitor"] == "usage-types" && a["value"] == "NatGateway-Bytes")
        .expect("NatGateway-Bytes anomaly")
        .clone();
    assert_eq!(nat["start"], onset.as_str());
    assert!(nat["end"].is_null(), "{nat}");
    assert!(nat["impact"].as_f64().expect("impact") > 50.0);
    let explanation = nat["explanation"].as_str().expect("explanation");
    assert!(explanation.contains("NatGateway-Bytes") && explanation.contains("natgateway/nat-"));
    let id = nat["id"].as_str().expect("id").to_string();

    // show: the stored anomaly with its tree, as table and JSON.
    let table = ok(costscope(lake.path()).args(["anomalies", "show", &id]));
    assert!(table.contains("root cause") && table.contains("usage_type NatGateway-Bytes"));
    let shown: serde_json::Value = serde_json::from_str(&ok(costscope(lake.path()).args([
        "anomalies",
        "show",
        &id,
        "--format",
        "json",
    ])))
    .expect("json");
    assert_eq!(shown["id"], id.as_str());
    assert_eq!(shown["runs"], 1);

    // Unknown id: exit 1, nothing stored changes.
    let before = scan(lake.path(), &as_of, &["--all"]);
    let output = fails(costscope(lake.path()).args([
        "anomalies",
        "feedback",
        "an-0000000000000000",
        "--state",
        "expected",
    ]));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("an-0000000000000000"), "{stderr}");
    let output = fails(costscope(lake.path()).args(["anomalies", "show", "an-nope"]));
    assert_eq!(output.status.code(), Some(1));
    let output =
        fails(costscope(lake.path()).args(["anomalies", "feedback", &id, "--state", "maybe"]));
    assert_eq!(output.status.code(), Some(1));
    let after = scan(lake.path(), &as_of, &["--all"]);
    assert_eq!(ids(&before), ids(&after));
    assert!(
        after["anomalies"]
            .as_array()
            .expect("list")
            .iter()
            .all(|a| a["feedback"].is_null())
    );

    // Feedback persists and silences the anomaly in later runs; --all still shows it.
    ok(costscope(lake.path()).args([
        "anomalies",
        "feedback",
        &id,
        "--state",
        "expected",
        "--note",
        "planned deploy",
    ]));
    let later = scan(lake.path(), &as_of, &[]);
    assert!(!ids(&later).contains(&id));
    assert!(later["suppressed"].as_u64().expect("suppressed") >= 1);
    let all = scan(lake.path(), &as_of, &["--all"]);
    let kept = all["anomalies"]
        .as_array()
        .expect("list")
        .iter()
        .find(|a| a["id"] == id.as_str())
        .expect("shown with --all")
        .clone();
    assert_eq!(kept["feedback"], "expected");
    assert_eq!(kept["first_detected"], as_of.as_str());
    assert!(kept["runs"].as_u64().expect("runs") >= 4);

    // Table and CSV list the same anomalies.
    let csv = ok(costscope(lake.path()).args([
        "anomalies",
        "--as-of",
        &as_of,
        "--all",
        "--format",
        "csv",
    ]));
    assert!(csv.starts_with("id,severity,monitor,value,start,end"));
    assert_eq!(csv.lines().count(), ids(&all).len() + 1);
}

#[test]
fn bad_monitors_files_are_refused_by_line_and_column() {
    let lake = ingested_lake();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("monitors.yaml");
    std::fs::write(
        &path,
        "monitors:\n  - name: teams\n    kind: tag\n    key: user_team\n  - name: x\n    kind: colour\n",
    )
    .expect("write");
    let output = fails(
        costscope(lake.path())
            .args(["anomalies", "--monitors"])
            .arg(&path),
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("monitors.yaml:6:11"), "{stderr}");
    assert!(stderr.contains("colour"), "{stderr}");
    // Nothing was detected or stored.
    assert_eq!(stored_anomalies(lake.path()), 0);

    std::fs::write(
        &path,
        "monitors:\n  - name: bu\n    kind: cost_category\n    key: business_unit\n    min_impact: 10\n",
    )
    .expect("write");
    let report: serde_json::Value = serde_json::from_str(&ok(costscope(lake.path())
        .args(["anomalies", "--format", "json", "--monitors"])
        .arg(&path)))
    .expect("json");
    let monitors = report["monitors"].as_array().expect("monitors");
    assert_eq!(monitors.len(), 1);
    assert_eq!(monitors[0]["kind"], "cost_category");
}

#[test]
fn evaluate_scores_detection_against_the_labels() {
    let lake = ingested_lake();
    let text = ok(costscope(lake.path())
        .args(["anomalies", "evaluate", "--format", "json", "--labels"])
        .arg(demo_data().join("labels.json")));
    let report: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert!(
        report["precision"].as_f64().expect("precision") >= 0.9,
        "{report}"
    );
    assert!(
        report["recall"].as_f64().expect("recall") >= 0.9,
        "{report}"
    );
    let nat = &report["nat"];
    assert!(nat["days_to_detect"].as_i64().expect("delay") <= 2, "{nat}");
    assert_eq!(nat["top_is_right"], true, "{nat}");
}

#[test]
fn hourly_mode_flags_the_hours_of_the_backfill_spike() {
    let lake = ingested_lake();
    let labels: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(demo_data().join("labels.json")).expect("labels.json"),
    )
    .expect("labels");
    let spike = labels
        .as_array()
        .expect("array")
        .iter()
        .find(|l| l["shape"] == "spike")
        .expect("spike label");
    let onset = spike["onset"].as_str().expect("onset");
    let text = ok(costscope(lake.path()).args([
        "anomalies",
        "--granularity",
        "hourly",
        "--days",
        "1",
        "--as-of",
        onset,
        "--format",
        "json",
    ]));
    let found: serde_json::Value = serde_json::from_str(&text).expect("json");
    let account = found
        .as_array()
        .expect("list")
        .iter()
        .find(|a| a["kind"] == "account" && a["value"] == spike["monitor"]["value"])
        .expect("the spike's account, by the hour");
    assert!(account["start"].as_str().expect("start").starts_with(onset));
    assert!(account["hours"].as_u64().expect("hours") >= 20, "{account}");
    // Hourly mode stores no anomaly.
    assert_eq!(stored_anomalies(lake.path()), 0);
    let output = fails(costscope(lake.path()).args(["anomalies", "--granularity", "weekly"]));
    assert_eq!(output.status.code(), Some(1));
}

/// Anomalies in the lake's store (the store itself exists from the first request on: it
/// holds the audit log).
fn stored_anomalies(lake: &std::path::Path) -> i64 {
    let connection =
        rusqlite::Connection::open(lake.join(costscope_store::STORE_PATH)).expect("store");
    connection
        .query_row("SELECT count(*) FROM anomalies", [], |row| row.get(0))
        .expect("count")
}
