//! `costscope tags` end to end: every format over an ingested organisation, and its
//! errors.

use crate::cli::{costscope, fails, ingested_lake, ok};

const REQUIRE: [&str; 2] = ["--require", "department,team,app"];

#[test]
fn json_is_the_whole_report_and_reconciles_with_sql() {
    let lake = ingested_lake();
    let out = ok(costscope(lake.path())
        .arg("tags")
        .args(REQUIRE)
        .args(["--format", "json"]));
    let report: serde_json::Value = serde_json::from_str(&out).expect("json");
    for field in [
        "required",
        "measure",
        "granularity",
        "currency",
        "taggable_line_item_types",
        "totals",
        "coverage",
        "untaggable_cost",
        "untaggable",
        "top_untagged",
        "inconsistent_values",
    ] {
        assert!(report.get(field).is_some(), "no {field}");
    }
    assert_eq!(report["measure"], "amortized");
    assert_eq!(report["required"][0]["tag_key"], "user_department");
    let overall = report["totals"]
        .as_array()
        .expect("totals")
        .iter()
        .find(|r| r["scope"] == "overall" && r["key"] == "*")
        .expect("overall row");
    let sql = ok(costscope(lake.path()).args([
        "sql",
        "SELECT sum(amortized_cost) AS cost FROM cur_amortized \
         WHERE line_item_line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')",
        "--format",
        "json",
    ]));
    let sql: serde_json::Value = serde_json::from_str(&sql).expect("sql json");
    let expected = sql[0]["cost"].as_f64().expect("cost");
    let actual = overall["cost_total"].as_f64().expect("cost_total");
    assert!(
        (actual - expected).abs() < 1e-6 * expected,
        "{actual} vs {expected}"
    );
    // Two months, overall + 8 accounts + teams, four keys (three and `*`) per line.
    let periods: std::collections::BTreeSet<&str> = report["coverage"]
        .as_array()
        .expect("coverage")
        .iter()
        .filter_map(|r| r["period"].as_str())
        .collect();
    assert_eq!(periods.len(), 2, "{periods:?}");
    let sales = report["inconsistent_values"]
        .as_array()
        .expect("values")
        .iter()
        .find(|g| g["key"] == "department" && g["normalized"] == "sales")
        .expect("Sales / sales");
    assert_eq!(sales["variants"].as_array().expect("variants").len(), 2);
}

#[test]
fn csv_prints_one_section_with_one_header() {
    let lake = ingested_lake();
    let csv = |section: &str| {
        ok(costscope(lake.path()).arg("tags").args(REQUIRE).args([
            "--format",
            "csv",
            "--section",
            section,
            "--granularity",
            "weekly",
        ]))
    };
    let coverage = csv("coverage");
    let mut lines = coverage.lines();
    assert_eq!(
        lines.next(),
        Some(
            "period,scope,scope_id,scope_name,key,cost_tagged,cost_total,cost_pct,\
             resources_tagged,resources_total,resources_pct"
        )
    );
    assert!(lines.any(|l| l.contains(",account,888888888888,Sandbox,department,0.0,")));
    assert!(coverage.lines().skip(1).all(|l| !l.starts_with("period")));
    let untagged = csv("untagged");
    assert!(
        untagged.starts_with(
            "resource_id,account_id,account_name,service,usage_type,cost,missing_keys\n"
        ),
        "{untagged}"
    );
    assert!(untagged.contains("department;team;app"), "{untagged}");
    let values = csv("values");
    assert!(values.starts_with("key,normalized,suggested,value,cost,resources\n"));
    assert!(values.contains("department,sales,Sales,sales,"), "{values}");
    assert!(csv("totals").lines().skip(1).all(|l| l.starts_with(",")));
    assert!(csv("untaggable").contains("Tax,"));
    // No rows: the header alone.
    let none = ok(costscope(lake.path()).arg("tags").args(REQUIRE).args([
        "--format",
        "csv",
        "--section",
        "untagged",
        "--top",
        "0",
    ]));
    assert_eq!(
        none,
        "resource_id,account_id,account_name,service,usage_type,cost,missing_keys\n"
    );
}

#[test]
fn table_prints_titled_sections() {
    let lake = ingested_lake();
    let out = ok(costscope(lake.path())
        .arg("tags")
        .args(REQUIRE)
        .args(["--top", "2"]));
    for title in [
        "== Tag coverage over the whole range (amortized cost, USD",
        "== Tag coverage by period",
        "== Untaggable cost, not in the coverage:",
        "== Top untagged resources",
        "== Inconsistent tag values",
    ] {
        assert!(out.contains(title), "no {title}:\n{out}");
    }
    assert!(out.contains("| all keys"), "{out}");
    assert!(out.contains("Sandbox (888888888888)"), "{out}");
    assert!(out.contains("0.0% / 0.0%"), "{out}");
}

#[test]
fn bad_arguments_fail_with_a_clear_message() {
    let lake = ingested_lake();
    let cases: [(&[&str], &str); 4] = [
        (&["--require", ""], "empty key"),
        (&["--require", "departmnet"], "departmnet"),
        (&["--require", "team", "--from", "2026-13-01"], "--from"),
        (&["--require", "team", "--measure", "blended"], "blended"),
    ];
    for (args, needle) in cases {
        let output = fails(costscope(lake.path()).arg("tags").args(args));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        if needle != "blended" {
            assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        }
    }
}
