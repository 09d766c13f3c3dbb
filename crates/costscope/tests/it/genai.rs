//! End-to-end tests of `costscope genai`.

use crate::cli::{costscope, fails, ingested_lake, ok};

#[test]
fn genai_prints_as_table_csv_and_json() {
    let lake = ingested_lake();
    let run = |args: &[&str]| ok(costscope(lake.path()).arg("genai").args(args));
    let json: serde_json::Value = serde_json::from_str(&run(&[
        "--group-by",
        "department,model",
        "--format",
        "json",
    ]))
    .expect("json");
    let rows = json["rows"].as_array().expect("rows");
    let cost = |group: &str| {
        rows.iter()
            .find(|r| r["group"] == group)
            .and_then(|r| r["cost"].as_f64())
            .expect(group)
    };
    let ratio = cost("Sales / Claude Sonnet 4.6") / cost("Dev / Claude Haiku 4.5");
    assert!((2.5..3.5).contains(&ratio), "{ratio}");
    assert_eq!(json["unattributed_flag"], false);
    let csv = run(&["--group-by", "provider", "--format", "csv"]);
    assert!(csv.starts_with("group,cost,share,tokens"), "{csv}");
    assert!(
        csv.contains("third-party") && csv.lines().last().is_some_and(|l| l.starts_with("total,")),
        "{csv}"
    );
    let table = run(&["--group-by", "department"]);
    assert!(
        table.contains("Why: Sales pays") && table.contains("Claude Haiku"),
        "{table}"
    );
    let october: serde_json::Value = serde_json::from_str(&run(&[
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-31",
        "--format",
        "json",
    ]))
    .expect("json");
    let all = json["total"]["cost"].as_f64().expect("total");
    let part = october["total"]["cost"].as_f64().expect("october");
    assert!(part > 0.0 && part < all);
}

#[test]
fn bad_groupings_and_ranges_are_refused() {
    let lake = ingested_lake();
    let output = fails(costscope(lake.path()).args(["genai", "--group-by", "colour"]));
    assert!(String::from_utf8_lossy(&output.stderr).contains("colour"));
    assert_eq!(output.status.code(), Some(1));
    let output =
        fails(costscope(lake.path()).args(["genai", "--from", "2026-10-05", "--to", "2026-10-01"]));
    assert!(String::from_utf8_lossy(&output.stderr).contains("empty range"));
}
