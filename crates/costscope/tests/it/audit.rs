//! `costscope audit` and `costscope history` on the real binary: every command recorded,
//! tampering named with exit code 1 (by costscope and by the documented third-party
//! script), a head kept elsewhere, and a store that cannot record failing the command.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cli::{costscope, demo_data, fails, ingested_lake, ok};

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("json")
}

fn state(lake: &Path) -> PathBuf {
    lake.join("_state")
}

/// Runs SQL on the store as someone with write access to its file would.
fn tamper(lake: &Path, sql: &str) {
    let connection =
        rusqlite::Connection::open(state(lake).join("costscope.sqlite")).expect("open");
    connection
        .execute_batch(&format!(
            "DROP TRIGGER IF EXISTS audit_log_no_update;
             DROP TRIGGER IF EXISTS audit_log_no_delete;
             {sql}"
        ))
        .expect("tamper");
}

/// The documented verifier, run with the system's Python.
fn third_party(lake: &Path, head: Option<&str>) -> std::process::Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/verify_audit.py");
    let mut command = Command::new("python3");
    command.arg(script).arg(lake);
    if let Some(head) = head {
        command.arg(head);
    }
    command.output().expect("python3")
}

fn actions(lake: &Path) -> Vec<(String, String)> {
    let log = json(&ok(
        costscope(lake).args(["audit", "log", "--format", "json"])
    ));
    log.as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["action"].as_str().expect("action").to_string(),
                e["status"].as_str().expect("status").to_string(),
            )
        })
        .collect()
}

#[test]
fn every_command_is_recorded_and_the_log_verifies() {
    let lake = ingested_lake();
    ok(costscope(lake.path()).args(["sql", "SELECT count(*) AS n FROM cur"]));
    fails(costscope(lake.path()).args(["sql", "SELECT nope FROM cur"]));
    ok(costscope(lake.path()).args(["cost", "--group-by", "service"]));
    ok(costscope(lake.path()).arg("tables"));
    let recorded = actions(lake.path());
    let expected = [
        ("ingest", "started"),
        ("ingest", "ok"),
        ("sql", "ok"),
        ("sql", "error"),
        ("analysis.cost", "ok"),
        ("tables", "ok"),
    ];
    assert_eq!(
        recorded
            .iter()
            .map(|(a, s)| (a.as_str(), s.as_str()))
            .collect::<Vec<_>>(),
        expected
    );

    let log = json(&ok(costscope(lake.path()).args([
        "audit",
        "log",
        "--action",
        "sql",
        "--principal",
        "admin",
        "--format",
        "json",
    ])));
    let log = log.as_array().expect("entries");
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["principal"], "admin");
    assert_eq!(log[0]["rows"], 1);
    assert!(
        log[0]["parameters"]
            .as_str()
            .expect("text")
            .contains("count(*)")
    );
    assert_eq!(log[1]["error_kind"], "user");
    let table = ok(costscope(lake.path()).args(["audit", "log", "--action", "analysis.*"]));
    assert!(
        table.contains("analysis.cost") && !table.contains("| sql "),
        "{table}"
    );
    let csv = ok(costscope(lake.path()).args([
        "audit",
        "log",
        "--since",
        "2000-01-01",
        "--format",
        "csv",
    ]));
    assert!(
        csv.starts_with("seq,at,principal,workgroup,action,parameters,status"),
        "{csv}"
    );
    let refused = fails(costscope(lake.path()).args(["audit", "log", "--since", "last week"]));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("last week"));

    let history = json(&ok(
        costscope(lake.path()).args(["history", "--format", "json"])
    ));
    let history = history.as_array().expect("queries");
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["status"], "error");
    assert_eq!(history[1]["query"], "SELECT count(*) AS n FROM cur");
    assert_eq!(history[1]["rows"], 1);
    let table = ok(costscope(lake.path()).arg("history"));
    assert!(table.contains("SELECT count(*) AS n FROM cur"), "{table}");

    let verified = ok(costscope(lake.path()).args(["audit", "verify"]));
    assert!(verified.contains("intact"), "{verified}");
    let report = json(&ok(
        costscope(lake.path()).args(["audit", "verify", "--format", "json"])
    ));
    assert_eq!(report["problem"], serde_json::Value::Null);
    assert_eq!(report["head"], report["anchor"]);
    let script = third_party(lake.path(), None);
    assert!(
        script.status.success(),
        "{}",
        String::from_utf8_lossy(&script.stdout)
    );
    let head = ok(costscope(lake.path()).args(["audit", "head"]));
    assert!(
        String::from_utf8_lossy(&script.stdout)
            .trim_end()
            .ends_with(head.trim()),
        "the script and costscope agree on the head"
    );
}

#[test]
fn verify_names_the_first_bad_entry_and_exits_1() {
    let lake = ingested_lake();
    for query in ["SELECT 1", "SELECT 2", "SELECT 3"] {
        ok(costscope(lake.path()).args(["sql", query]));
    }
    tamper(
        lake.path(),
        "UPDATE audit_log SET parameters = '{\"query\":\"SELECT 42\"}' WHERE seq = 4",
    );
    let output = fails(costscope(lake.path()).args(["audit", "verify"]));
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stdout.contains("NOT INTACT at entry 4 (altered)"),
        "{stdout}"
    );
    assert!(stderr.contains("entry 4"), "{stderr}");
    let script = third_party(lake.path(), None);
    assert_eq!(script.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&script.stdout).starts_with("entry 4:"));

    tamper(lake.path(), "DELETE FROM audit_log WHERE seq = 2");
    let report = fails(costscope(lake.path()).args(["audit", "verify", "--format", "json"]));
    let report = json(&String::from_utf8_lossy(&report.stdout));
    assert_eq!(report["problem"]["seq"], 2);
    assert_eq!(report["problem"]["fault"], "missing");
    // Cut the end too: costscope refuses to record (and so to answer) after a log that no
    // longer ends at its anchor.
    tamper(lake.path(), "DELETE FROM audit_log WHERE seq = 5");
    let refused = fails(costscope(lake.path()).args(["sql", "SELECT 1"]));
    assert_eq!(refused.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("audit verify"));
}

#[test]
fn a_head_kept_elsewhere_catches_a_log_cut_with_its_anchor() {
    let lake = ingested_lake();
    ok(costscope(lake.path()).args(["sql", "SELECT 1"]));
    let kept = ok(costscope(lake.path()).args(["audit", "head"]))
        .trim()
        .to_string();
    assert_eq!(kept.len(), 64);
    let head = json(&ok(
        costscope(lake.path()).args(["audit", "head", "--format", "json"])
    ));
    assert_eq!(
        (head["seq"].as_u64(), head["hash"].as_str()),
        (Some(3), Some(kept.as_str()))
    );
    ok(costscope(lake.path()).args(["sql", "SELECT 2"]));
    ok(costscope(lake.path()).args(["audit", "verify", "--head", &kept]));

    // Cut the log back to entry 2 and rewrite the anchor to match.
    tamper(lake.path(), "DELETE FROM audit_log WHERE seq > 2");
    let connection =
        rusqlite::Connection::open(state(lake.path()).join("costscope.sqlite")).expect("open");
    let hash: String = connection
        .query_row("SELECT hash FROM audit_log WHERE seq = 2", [], |row| {
            row.get(0)
        })
        .expect("entry 2");
    std::fs::write(
        state(lake.path()).join("audit.head"),
        format!("{{\"seq\":2,\"hash\":\"{hash}\"}}\n"),
    )
    .expect("rewrite anchor");
    ok(costscope(lake.path()).args(["audit", "verify"]));
    assert!(
        third_party(lake.path(), None).status.success(),
        "the documented limit"
    );
    let output = fails(costscope(lake.path()).args(["audit", "verify", "--head", &kept]));
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains(&kept));
    assert_eq!(third_party(lake.path(), Some(&kept)).status.code(), Some(1));
    let bad = fails(costscope(lake.path()).args(["audit", "verify", "--head", "xyz"]));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("xyz"));
}

#[test]
fn reanchoring_after_a_cut_is_recorded() {
    let lake = ingested_lake();
    ok(costscope(lake.path()).args(["sql", "SELECT 1"]));
    tamper(lake.path(), "DELETE FROM audit_log WHERE seq = 3");
    fails(costscope(lake.path()).args(["sql", "SELECT 2"]));
    let output = ok(costscope(lake.path()).args(["audit", "reanchor"]));
    assert!(output.contains("re-anchored at entry 3"), "{output}");
    ok(costscope(lake.path()).args(["sql", "SELECT 2"]));
    ok(costscope(lake.path()).args(["audit", "verify"]));
    let recorded = actions(lake.path());
    assert!(recorded.contains(&("audit.reanchor".into(), "ok".into())));
}

#[test]
fn a_store_that_cannot_record_fails_the_command_and_changes_nothing() {
    let lake = ingested_lake();
    let manifest = std::fs::read(lake.path().join("manifest.json")).expect("manifest");
    let metrics = demo_data().join("business_metrics.csv");

    // The anchor cannot be written.
    let staged = state(lake.path()).join("audit.head.new");
    std::fs::create_dir(&staged).expect("mkdir");
    let output = fails(
        costscope(lake.path())
            .args(["ingest", "metrics"])
            .arg(&metrics),
    );
    assert_eq!(
        output.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("audit.head.new"));
    fails(costscope(lake.path()).args(["sql", "SELECT 1"]));
    std::fs::remove_dir(&staged).expect("rmdir");
    assert_eq!(
        std::fs::read(lake.path().join("manifest.json")).expect("manifest"),
        manifest
    );
    assert_eq!(actions(lake.path()).len(), 2, "only the first ingest");

    // The database is read-only (its header says so: this holds for root too).
    let database = state(lake.path()).join("costscope.sqlite");
    let original = std::fs::read(&database).expect("read");
    let mut read_only = original.clone();
    read_only[18] = 3;
    std::fs::write(&database, &read_only).expect("write");
    let output = fails(
        costscope(lake.path())
            .args(["ingest", "metrics"])
            .arg(&metrics),
    );
    assert!(
        matches!(output.status.code(), Some(1) | Some(4)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        std::fs::read(lake.path().join("manifest.json")).expect("manifest"),
        manifest
    );
    fails(costscope(lake.path()).args(["cost"]));
    std::fs::write(&database, &original).expect("restore");
    ok(costscope(lake.path()).args(["audit", "verify"]));
}
