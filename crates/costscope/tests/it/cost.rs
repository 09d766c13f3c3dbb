//! `costscope cost` end to end: output shapes and numbers against plain SQL.

use crate::cli::{costscope, fails, ingested_lake, ok};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// One number from `costscope sql … --format csv`.
fn sql_number(lake: &std::path::Path, query: &str) -> f64 {
    let out = ok(costscope(lake).args(["sql", query, "--format", "csv"]));
    out.lines()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no number in {out}"))
}

#[test]
fn csv_has_a_header_the_top_groups_and_others_summing_to_the_total() {
    let lake = ingested_lake();
    let out = ok(costscope(lake.path()).args([
        "cost",
        "--group-by",
        "service",
        "--top",
        "3",
        "--format",
        "csv",
    ]));
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some("period,service,service_name,amount,unit")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let periods: Vec<&str> = rows.iter().map(|r| r[0]).collect();
    assert!(periods.contains(&"2026-09-01") && periods.contains(&"2026-10-01"));
    for period in ["2026-09-01", "2026-10-01"] {
        let in_period: Vec<&Vec<&str>> = rows.iter().filter(|r| r[0] == period).collect();
        assert_eq!(in_period.len(), 4, "{out}");
        assert_eq!(in_period[3][1], "Others");
    }
    let sum: f64 = rows
        .iter()
        .map(|r| r[3].parse::<f64>().expect("amount"))
        .sum();
    let total = sql_number(
        lake.path(),
        "SELECT sum(line_item_unblended_cost) AS total FROM cur",
    );
    assert!(close(sum, total), "{sum} vs {total}");
}

#[test]
fn json_is_the_whole_report_with_the_comparison() {
    let lake = ingested_lake();
    let out = ok(costscope(lake.path()).args([
        "cost",
        "--group-by",
        "account",
        "--measure",
        "amortized",
        "--from",
        "2026-10-01",
        "--to",
        "2026-11-01",
        "--compare",
        "previous-period",
        "--filter",
        "account!=Sandbox",
        "--format",
        "json",
    ]));
    let report: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(report["measure"], "amortized");
    assert_eq!(
        report["columns"],
        serde_json::json!(["period", "account", "account_name", "amount", "unit"])
    );
    assert_eq!(report["filters"], serde_json::json!(["account!=Sandbox"]));
    let rows = report["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 7, "eight accounts but the sandbox");
    assert!(rows.iter().all(|r| r["account_name"] != "Sandbox"));
    let october = sql_number(
        lake.path(),
        "SELECT sum(amortized_cost) FROM cur_amortized WHERE line_item_usage_account_name <> 'Sandbox' \
         AND line_item_usage_start_date >= '2026-10-01'",
    );
    let september = sql_number(
        lake.path(),
        "SELECT sum(amortized_cost) FROM cur_amortized WHERE line_item_usage_account_name <> 'Sandbox' \
         AND line_item_usage_start_date < '2026-10-01'",
    );
    let total = report["totals"][0]["amount"].as_f64().expect("total");
    assert!(close(total, october), "{total} vs {october}");
    let comparison = &report["comparison"];
    assert_eq!(comparison["from"], "2026-09-01");
    assert_eq!(comparison["to"], "2026-10-01");
    let previous = comparison["totals"][0]["previous"]
        .as_f64()
        .expect("previous");
    assert!(close(previous, september), "{previous} vs {september}");
    let change = comparison["totals"][0]["change"].as_f64().expect("change");
    assert!(close(change, october - september));
}

#[test]
fn bad_options_exit_1_naming_the_problem() {
    let lake = ingested_lake();
    for (args, needle) in [
        (&["cost", "--group-by", "colour"][..], "colour"),
        (&["cost", "--measure", "blended"][..], "blended"),
        (&["cost", "--from", "2026-09-31"][..], "2026-09-31"),
        (&["cost", "--filter", "service"][..], "DIM=VALUE"),
    ] {
        let output = fails(costscope(lake.path()).args(args));
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}
