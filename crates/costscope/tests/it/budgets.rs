//! `costscope budgets` end to end: the example budgets file in every format, a one-off
//! budget checked against SQL, the backtest, and errors for bad input.

use std::path::PathBuf;

use crate::cli::{costscope, fails, ingested_lake, ok};

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/budgets.yaml")
}

#[test]
fn the_example_budgets_print_as_table_csv_and_json() {
    let lake = ingested_lake();
    let run = |format: &str| {
        ok(costscope(lake.path())
            .args([
                "budgets",
                "--as-of",
                "2026-10-15",
                "--format",
                format,
                "--file",
            ])
            .arg(example()))
    };
    let json: serde_json::Value = serde_json::from_str(&run("json")).expect("json");
    assert_eq!(json["as_of"], "2026-10-15");
    let budgets = json["budgets"].as_array().expect("budgets");
    assert_eq!(budgets.len(), 6);
    for budget in budgets {
        let state = budget["state"].as_str().expect("state");
        assert!(["ok", "forecast_over", "over"].contains(&state), "{budget}");
        let actual = budget["actual"].as_f64().expect("actual");
        let forecast = &budget["forecast"];
        assert!(forecast["lower"].as_f64() <= forecast["mean"].as_f64());
        assert!(forecast["mean"].as_f64() <= forecast["upper"].as_f64());
        assert!(
            forecast["mean"].as_f64().expect("mean") >= actual,
            "{budget}"
        );
        assert_eq!(budget["currency"], "USD");
    }
    assert_eq!(budgets[4]["period"], "quarterly");
    assert_eq!(
        budgets[4]["period_start"], "2026-08-01",
        "quarters count from the start month"
    );

    let csv = run("csv");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "name,scope,measure,period,period_start,period_end,currency,budget,actual,\
             percent_used,forecast,forecast_lower,forecast_upper,state,alerts"
        )
    );
    assert_eq!(lines.count(), 6);
    let table = run("table");
    assert!(table.starts_with("== budgets as of 2026-10-15"), "{table}");
    assert!(table.contains("app-team-prod"), "{table}");
}

#[test]
fn a_one_off_budget_reports_the_actual_that_sql_reports() {
    let lake = ingested_lake();
    let out = ok(costscope(lake.path()).args([
        "budgets",
        "--scope",
        "account=App-Team-Prod",
        "--amount",
        "1",
        "--measure",
        "unblended",
        "--as-of",
        "2026-10-12",
        "--threshold",
        "80",
        "--format",
        "json",
    ]));
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    let budget = &json["budgets"][0];
    assert_eq!(budget["state"], "over");
    assert_eq!(budget["thresholds"][0]["actual_crossed"], true);
    let sql = ok(costscope(lake.path()).args([
        "sql",
        "SELECT sum(line_item_unblended_cost) AS total FROM cur \
         WHERE line_item_usage_account_name = 'App-Team-Prod' \
         AND line_item_usage_start_date >= TIMESTAMP '2026-10-01 00:00:00' \
         AND line_item_usage_start_date < TIMESTAMP '2026-10-13 00:00:00'",
        "--format",
        "json",
    ]));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&sql).expect("json");
    let expected = rows[0]["total"].as_f64().expect("total");
    let actual = budget["actual"].as_f64().expect("actual");
    assert!(
        (actual - expected).abs() < 1e-6 * expected,
        "{actual} vs {expected}"
    );
}

#[test]
fn the_backtest_reports_month_end_errors() {
    let lake = ingested_lake();
    let out = ok(costscope(lake.path()).args(["budgets", "--backtest", "--format", "json"]));
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(json["month"], "2026-10");
    assert!(json["mape"].as_f64().expect("mape") <= 10.0, "{json}");
    assert_eq!(json["scopes"][0]["scope"], "overall");
    // Coverage at the nominal levels beside the requested one, and how intervals are made.
    assert!(
        json["interval_method"]
            .as_str()
            .is_some_and(|m| m.starts_with("conformal")),
        "{json}"
    );
    let levels: Vec<f64> = json["coverage_by_level"]
        .as_array()
        .expect("levels")
        .iter()
        .map(|l| l["confidence"].as_f64().expect("confidence"))
        .collect();
    assert_eq!(levels, [0.5, 0.8, 0.95]);
    for scope in json["scopes"].as_array().expect("scopes") {
        assert_eq!(scope["coverage_by_level"].as_array().map(Vec::len), Some(3));
        for point in scope["points"].as_array().expect("points") {
            let bound = |i: usize, side: &str| point["intervals"][i][side].as_f64().expect("bound");
            // Wider coverage, wider interval.
            assert!(
                bound(2, "lower") <= bound(1, "lower") && bound(1, "lower") <= bound(0, "lower")
            );
            assert!(
                bound(0, "upper") <= bound(1, "upper") && bound(1, "upper") <= bound(2, "upper")
            );
        }
    }
    let table = ok(costscope(lake.path()).args(["budgets", "--backtest"]));
    assert!(table.contains("MAPE"), "{table}");
    assert!(table.contains("intervals: conformal"), "{table}");
    assert!(table.contains("coverage_95"), "{table}");
}

#[test]
fn generate_plants_changes_and_refuses_a_bad_plan() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("data");
    ok(costscope(dir.path())
        .args(["generate", "--months", "1", "--no-incidents"])
        .args(["--plant", "burst:Data-Platform:AmazonEC2:8:500"])
        .args(["--plant", "new-service:Sandbox:AmazonRDS:22:200"])
        .arg("--out")
        .arg(&out));
    let labels: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(out.join("labels.json")).expect("labels"))
            .expect("json");
    let planted: Vec<&str> = labels
        .iter()
        .filter_map(|l| l["id"].as_str())
        .filter(|id| id.starts_with("planted-"))
        .collect();
    assert_eq!(planted, ["planted-0-burst", "planted-1-new-service"]);
    let output = fails(
        costscope(dir.path())
            .args(["generate", "--plant", "burst:Data-Platform:AmazonEC2:8"])
            .arg("--out")
            .arg(&out),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("KIND:ACCOUNT:SERVICE:DAY:USD_PER_DAY"),
        "{stderr}"
    );
}

#[test]
fn bad_input_fails_with_a_clear_message() {
    let lake = ingested_lake();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("budgets.yaml");
    std::fs::write(&file, "budgets:\n  - scope: overall\n    amount: -3\n").expect("write");
    let output = fails(
        costscope(lake.path())
            .args(["budgets", "--file"])
            .arg(&file),
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("budgets.yaml:3:13"), "{stderr}");

    for (args, message) in [
        (vec!["budgets"], "no budgets"),
        (
            vec!["budgets", "--scope", "region=x", "--amount", "5"],
            "unknown scope",
        ),
        (
            vec!["budgets", "--scope", "overall", "--amount", "0"],
            "greater than zero",
        ),
        (
            vec![
                "budgets", "--scope", "overall", "--amount", "5", "--period", "weekly",
            ],
            "unknown period",
        ),
        (
            vec![
                "budgets",
                "--scope",
                "overall",
                "--amount",
                "5",
                "--as-of",
                "2026-10-32",
            ],
            "not a date",
        ),
    ] {
        let output = fails(costscope(lake.path()).args(&args));
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}
