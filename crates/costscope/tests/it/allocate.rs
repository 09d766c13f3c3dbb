//! `costscope allocate` end to end: the example rules over an ingested organisation in
//! every format, and bad rules files or arguments refused with a clear message.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::cli::{costscope, fails, ingested_lake, ok};

fn example_rules() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/allocation.yaml")
}

/// Cents from a `1234.56` / `-0.05` string.
fn cents(text: &str) -> i64 {
    let negative = text.starts_with('-');
    let (units, hundredths) = text
        .trim_start_matches('-')
        .split_once('.')
        .expect("two decimals");
    assert_eq!(hundredths.len(), 2, "{text}");
    let value: i64 =
        units.parse::<i64>().expect("units") * 100 + hundredths.parse::<i64>().expect("cents");
    if negative { -value } else { value }
}

/// Each period's amortized bill, by SQL.
fn bills(lake: &Path) -> BTreeMap<String, f64> {
    let out = ok(costscope(lake).args([
        "sql",
        "SELECT billing_period, sum(amortized_cost) AS bill FROM cur_amortized GROUP BY 1",
        "--format",
        "json",
    ]));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).expect("json");
    rows.iter()
        .map(|r| {
            (
                r["billing_period"].as_str().expect("period").to_string(),
                r["bill"].as_f64().expect("bill"),
            )
        })
        .collect()
}

#[test]
fn allocate_prints_teams_in_every_format_and_adds_up_to_the_bill() {
    let lake = ingested_lake();
    let rules = example_rules();
    let bills = bills(lake.path());
    assert_eq!(bills.len(), 2);

    // CSV: the team rows, to the cent, adding up to each period's rounded bill.
    let csv = ok(costscope(lake.path())
        .args(["allocate", "--format", "csv", "--rules"])
        .arg(&rules));
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("period,currency,team,direct,shared,total")
    );
    let mut totals: BTreeMap<String, i64> = BTreeMap::new();
    let mut teams = Vec::new();
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields.len(), 6, "{line}");
        assert_eq!(fields[1], "USD");
        assert_eq!(
            cents(fields[3]) + cents(fields[4]),
            cents(fields[5]),
            "{line}"
        );
        *totals.entry(fields[0].to_string()).or_default() += cents(fields[5]);
        teams.push(fields[2].to_string());
    }
    for (period, bill) in &bills {
        assert_eq!(totals[period], (bill * 100.0).round() as i64, "{period}");
    }
    for team in ["app-team", "data-team", "sales-eng", "unallocated"] {
        assert_eq!(teams.iter().filter(|t| *t == team).count(), 2, "{team}");
    }

    // JSON: the whole report, unrounded.
    let json = ok(costscope(lake.path())
        .args(["allocate", "--format", "json", "--rules"])
        .arg(&rules));
    let report: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(report["measure"], "amortized");
    assert_eq!(report["teams"].as_array().expect("teams").len(), 6);
    for period in report["periods"].as_array().expect("periods") {
        let bill = bills[period["period"].as_str().expect("period")];
        let allocated = period["allocated"].as_f64().expect("allocated");
        assert!((allocated - bill).abs() < 1e-9 * bill, "{period}");
        assert!((period["bill"].as_f64().expect("bill") - bill).abs() < 1e-9 * bill);
    }
    let rows = report["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 2 * 7);
    for key in ["period", "currency", "team", "direct", "shared", "total"] {
        assert!(rows[0].get(key).is_some(), "rows have {key}");
    }
    let pool = &report["pools"][0];
    for key in [
        "period", "currency", "pool", "method", "applied", "cost", "shares",
    ] {
        assert!(pool.get(key).is_some(), "pools have {key}");
    }
    assert!(
        report["team_totals"]
            .as_array()
            .is_some_and(|t| t.len() == 7)
    );
    let total_bill: f64 = bills.values().sum();
    let reported = report["totals"][0]["bill"].as_f64().expect("total bill");
    assert!((reported - total_bill).abs() < 1e-9 * total_bill);

    // Table: three sections.
    let table = ok(costscope(lake.path())
        .args(["allocate", "--rules"])
        .arg(&rules));
    for section in [
        "== Allocation by team (amortized cost)",
        "== Shared pools",
        "== Reconciliation with the bill",
    ] {
        assert!(table.contains(section), "{table}");
    }
    assert!(table.contains("| unallocated "), "{table}");
    assert!(table.contains("| tax "), "{table}");

    // Another measure over one period.
    let last = bills.keys().last().expect("a period").clone();
    let json = ok(costscope(lake.path())
        .args(["allocate", "--format", "json", "--measure", "unblended"])
        .args(["--from", &last, "--to", &last, "--rules"])
        .arg(&rules));
    let report: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(report["measure"], "unblended");
    assert_eq!(report["from"], last.as_str());
    let periods = report["periods"].as_array().expect("periods");
    assert_eq!(periods.len(), 1);
    let out = ok(costscope(lake.path()).args([
        "sql",
        &format!(
            "SELECT sum(line_item_unblended_cost) AS bill FROM cur WHERE billing_period = '{last}'"
        ),
        "--format",
        "json",
    ]));
    let unblended: Vec<serde_json::Value> = serde_json::from_str(&out).expect("json");
    let unblended = unblended[0]["bill"].as_f64().expect("bill");
    let allocated = periods[0]["allocated"].as_f64().expect("allocated");
    assert!((allocated - unblended).abs() < 1e-9 * unblended);
}

#[test]
fn bad_rules_files_and_arguments_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = dir.path().join("lake");
    let rules = dir.path().join("rules.yaml");
    let run = |text: &str| {
        std::fs::write(&rules, text).expect("write");
        let output = fails(costscope(&lake).args(["allocate", "--rules"]).arg(&rules));
        assert_eq!(output.status.code(), Some(1));
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let name = rules.display().to_string();

    let stderr = run("teams: [a, b]\nrules:\n  - team: c\n    service: AmazonEC2\n");
    assert!(
        stderr.contains(&format!("{name}:3:11: unknown team `c`")),
        "{stderr}"
    );

    let stderr = run("teams: [a]\nrules:\n  - team: a\n    servce: AmazonEC2\n");
    assert!(
        stderr.contains(&format!("{name}:4:5: Unknown field `servce`")),
        "{stderr}"
    );

    let stderr = run("teams: [a, b]\nshared:\n  p:\n    split: {fixed: {a: 70, b: 20}}\n");
    assert!(stderr.contains(&format!("{name}:4:12:")), "{stderr}");
    assert!(stderr.contains("sum to 100"), "{stderr}");

    let stderr = run("teams: [a\nrules: []\n");
    assert!(stderr.contains(&format!("{name}:")), "{stderr}");

    let missing = dir.path().join("missing.yaml");
    let output = fails(costscope(&lake).args(["allocate", "--rules"]).arg(&missing));
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing.yaml"));

    let output = fails(
        costscope(&lake)
            .args(["allocate", "--from", "2026-13", "--rules"])
            .arg(example_rules()),
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("2026-13"));

    let output = fails(
        costscope(&lake)
            .args(["allocate", "--measure", "gross", "--rules"])
            .arg(example_rules()),
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("gross"));
}
