//! End-to-end tests of `costscope recommend`: the listing in every format, price overrides
//! (and their errors at file:line:column), and the lifecycle through the command line,
//! persisted in the lake's metadata store.

use crate::cli::{costscope, fails, ingested_lake, ok};

fn listing(lake: &std::path::Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["recommend", "--format", "json"];
    args.extend_from_slice(extra);
    serde_json::from_str(&ok(costscope(lake).args(&args))).expect("json")
}

#[test]
fn recommendations_list_in_every_format_and_follow_price_overrides() {
    let lake = ingested_lake();
    let json = listing(lake.path(), &[]);
    let recs = json["recommendations"].as_array().expect("recommendations");
    assert!(!recs.is_empty());
    let total: f64 = recs
        .iter()
        .map(|r| r["monthly_saving"].as_f64().unwrap())
        .sum();
    let reported = json["total_monthly_saving"].as_f64().unwrap();
    assert!((total - reported).abs() < 0.05, "{total} vs {reported}");
    assert!(json["prices"]["as_of"].is_string());
    let table = ok(costscope(lake.path()).args(["recommend"]));
    assert!(table.contains("gp2-to-gp3:"), "{table}");
    assert!(table.contains("total: $"), "{table}");
    let csv = ok(costscope(lake.path()).args(["recommend", "--format", "csv"]));
    assert!(csv.starts_with("category,team,id,"), "{csv}");

    // Only storage; only one team.
    let storage = listing(lake.path(), &["--category", "storage"]);
    for r in storage["recommendations"].as_array().unwrap() {
        assert_eq!(r["category"], "storage");
    }
    let team = listing(lake.path(), &["--team", "sales-eng"]);
    for r in team["recommendations"].as_array().unwrap() {
        assert_eq!(r["team"], "sales-eng");
    }

    // gp3 as expensive as gp2: no gp2 → gp3 recommendation is left.
    let dir = tempfile::tempdir().expect("tempdir");
    let prices = dir.path().join("prices.yaml");
    std::fs::write(
        &prices,
        "as_of: 2026-11-01\nsource: negotiated\nprices:\n  ebs/gp3: 0.10\n",
    )
    .unwrap();
    let overridden = listing(lake.path(), &["--prices", prices.to_str().unwrap()]);
    assert_eq!(overridden["prices"]["as_of"], "2026-11-01");
    assert!(
        overridden["recommendations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["rule"] != "gp2-to-gp3")
    );

    // A bad price is named at its line and column.
    std::fs::write(&prices, "prices:\n  ebs/gp3: 0.08\n  ebs/gp2: cheap\n").unwrap();
    let out = fails(
        costscope(lake.path())
            .args(["recommend", "--prices"])
            .arg(&prices),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("prices.yaml:3:"), "{stderr}");
    assert_eq!(out.status.code(), Some(1));
    // An unknown category is refused.
    fails(costscope(lake.path()).args(["recommend", "--category", "furniture"]));
}

#[test]
fn the_lifecycle_is_kept_in_the_lake_and_invalid_changes_are_refused() {
    let lake = ingested_lake();
    let json = listing(lake.path(), &["--category", "storage"]);
    let id = json["recommendations"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let other = json["recommendations"][1]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let accepted: serde_json::Value = serde_json::from_str(&ok(costscope(lake.path()).args([
        "recommend",
        "--format",
        "json",
        "accept",
        &id,
    ])))
    .unwrap();
    assert_eq!(accepted["status"], "accepted");
    ok(costscope(lake.path()).args(["recommend", "dismiss", &other, "--reason", "kept for audit"]));
    ok(costscope(lake.path()).args(["recommend", "implement", &id, "--on", "2026-10-20"]));

    // A new process sees the states; dismissed → implemented is refused.
    let dismissed = listing(lake.path(), &["--status", "dismissed"]);
    let ids: Vec<&str> = dismissed["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [other.as_str()]);
    assert_eq!(dismissed["recommendations"][0]["reason"], "kept for audit");
    let out = fails(costscope(lake.path()).args(["recommend", "implement", &other]));
    assert_eq!(out.status.code(), Some(1));

    let shown: serde_json::Value = serde_json::from_str(&ok(costscope(lake.path()).args([
        "recommend",
        "--format",
        "json",
        "show",
        &id,
    ])))
    .unwrap();
    assert_eq!(shown["status"], "implemented");
    assert_eq!(shown["implemented_on"], "2026-10-20");
    assert!(shown["realized_monthly_saving"].is_number(), "{shown}");
    assert_eq!(shown["history"].as_array().unwrap().len(), 2);

    // Unknown id: named, exit 1, and nothing stored changes.
    let before = listing(lake.path(), &[]);
    let out = fails(costscope(lake.path()).args(["recommend", "accept", "gp2-to-gp3:vol-nope"]));
    assert!(String::from_utf8_lossy(&out.stderr).contains("gp2-to-gp3:vol-nope"));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(listing(lake.path(), &[]), before);
}
