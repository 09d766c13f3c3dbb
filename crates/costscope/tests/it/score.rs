//! End-to-end tests of `costscope score`.

use std::path::PathBuf;

use crate::cli::{costscope, fails, ingested_lake, ok};

fn rules() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/allocation.yaml")
}

#[test]
fn the_league_table_prints_as_table_csv_and_json() {
    let lake = ingested_lake();
    let run = |args: &[&str]| {
        ok(costscope(lake.path())
            .args(["score", "--week", "2026-W43"])
            .args(args))
    };
    let json: serde_json::Value = serde_json::from_str(&run(&["--format", "json"])).expect("json");
    assert_eq!(json["week"], "2026-W43");
    assert_eq!(json["previous_week"], "2026-W42");
    let teams = json["teams"].as_array().expect("teams");
    assert!(teams.len() >= 6);
    for team in teams {
        let score = team["score"].as_f64().expect("score");
        assert!((300.0..=850.0).contains(&score), "{team}");
    }
    let csv = run(&["--format", "csv"]);
    assert!(
        csv.starts_with("rank,team,score,previous,change,eligible_spend,top_action"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), teams.len() + 1);
    let table = run(&[]);
    assert!(
        table.contains("== Efficiency score, week 2026-W43") && table.contains("app-team"),
        "{table}"
    );
    // A day names its week.
    let by_day: serde_json::Value = serde_json::from_str(&ok(costscope(lake.path()).args([
        "score",
        "--week",
        "2026-10-21",
        "--format",
        "json",
    ])))
    .expect("json");
    assert_eq!(by_day["week"], "2026-W43");
}

#[test]
fn one_team_is_explained_and_kpis_print_per_account() {
    let lake = ingested_lake();
    let team = ok(costscope(lake.path())
        .args(["score", "--week", "2026-W43", "--team", "app-team"])
        .arg("--rules")
        .arg(rules()));
    assert!(
        team.contains("== app-team in 2026-W43") && team.contains("Actions that raise"),
        "{team}"
    );
    let csv = ok(costscope(lake.path()).args([
        "score", "--week", "2026-W43", "--team", "app-team", "--format", "csv",
    ]));
    assert!(csv.starts_with("team,kpi,value_pct,goal_pct"), "{csv}");
    let kpis =
        ok(costscope(lake.path())
            .args(["score", "--kpis", "--week", "2026-W43", "--format", "json"]));
    let json: serde_json::Value = serde_json::from_str(&kpis).expect("json");
    assert!(
        json["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .any(|r| r["kpi"] == "graviton")
    );
    assert_eq!(json["utilisation"]["status"], "unavailable");
    let table = ok(costscope(lake.path()).args(["score", "--kpis", "--week", "2026-W43"]));
    assert!(
        table.contains("== Idle resources") && table.contains("unattached-volume"),
        "{table}"
    );
}

#[test]
fn bad_input_is_refused_with_its_location() {
    let lake = ingested_lake();
    let dir = tempfile::tempdir().expect("dir");
    let config = dir.path().join("score.yaml");
    std::fs::write(&config, "components:\n  graviton:\n    goal: 7\n").expect("write");
    let output = fails(
        costscope(lake.path())
            .args(["score", "--config"])
            .arg(&config),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("score.yaml:3:11"), "{stderr}");
    assert_eq!(output.status.code(), Some(1));
    let output = fails(costscope(lake.path()).args(["score", "--week", "someday"]));
    assert!(String::from_utf8_lossy(&output.stderr).contains("someday"));
    let output =
        fails(costscope(lake.path()).args(["score", "--week", "2026-W43", "--team", "nobody"]));
    assert!(String::from_utf8_lossy(&output.stderr).contains("nobody"));
}
