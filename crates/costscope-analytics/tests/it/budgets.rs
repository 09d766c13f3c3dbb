//! Budgets over the generated organisation: actual to date against hand-written SQL and
//! the generator's ledger, states for budgets above and below the actual, the backtest's
//! month-end accuracy, and budgets files with errors at their line and column.

use chrono::NaiveDate;
use costscope_analytics::budgets::{
    BacktestOptions, Budget, BudgetOptions, BudgetReport, BudgetState, Measure, PeriodKind, Scope,
    backtest, parse_budgets, report,
};
use costscope_analytics::records::query;
use costscope_query::Session;

use crate::fixture;

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
}

async fn run(session: &Session, budgets: Vec<Budget>, as_of: Option<&str>) -> BudgetReport {
    report(
        session,
        &BudgetOptions {
            budgets,
            as_of: as_of.map(date),
            ..BudgetOptions::default()
        },
    )
    .await
    .expect("report")
}

async fn sql_total(session: &Session, sql: &str) -> f64 {
    #[derive(serde::Deserialize)]
    struct Row {
        total: Option<f64>,
    }
    let rows: Vec<Row> = query(session, sql).await.expect("query");
    rows[0].total.unwrap_or(0.0)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

#[tokio::test]
async fn actual_to_date_matches_hand_written_sql_and_the_ledger() {
    let session = fixture::admin_session().await;
    let budget = |scope: &str, measure| Budget {
        measure,
        name: format!("{scope} {measure}"),
        ..Budget::new(scope.parse().expect("scope"), 1000.0)
    };
    let report = run(
        &session,
        vec![
            budget("account=App-Team-Prod", Measure::Unblended),
            budget("account=222222222222", Measure::Amortized),
            budget("service=AmazonEC2", Measure::Unblended),
            budget("tag:user_app=clickstream", Measure::NetUnblended),
            budget("team=data-team", Measure::Unblended),
            budget("overall", Measure::NetAmortized),
        ],
        Some("2026-10-14"),
    )
    .await;
    assert_eq!(report.budgets.len(), 6);
    let window = "line_item_usage_start_date >= TIMESTAMP '2026-10-01 00:00:00' \
                  AND line_item_usage_start_date < TIMESTAMP '2026-10-15 00:00:00'";
    let expected = [
        format!(
            "SELECT sum(line_item_unblended_cost) AS total FROM cur WHERE line_item_usage_account_id = '222222222222' AND {window}"
        ),
        format!(
            "SELECT sum(amortized_cost) AS total FROM cur_amortized WHERE line_item_usage_account_name = 'App-Team-Prod' AND {window}"
        ),
        format!(
            "SELECT sum(line_item_unblended_cost) AS total FROM cur WHERE line_item_product_code = 'AmazonEC2' AND {window}"
        ),
        format!(
            "SELECT sum(net_unblended_cost) AS total FROM cur_amortized WHERE resource_tags['user_app'] = 'clickstream' AND {window}"
        ),
        format!(
            "SELECT sum(line_item_unblended_cost) AS total FROM cur WHERE resource_tags['user_team'] = 'data-team' AND {window}"
        ),
        format!("SELECT sum(net_amortized_cost) AS total FROM cur_amortized WHERE {window}"),
    ];
    for (status, sql) in report.budgets.iter().zip(&expected) {
        let total = sql_total(&session, sql).await;
        assert!(total > 0.0, "{sql}");
        assert!(
            close(status.actual, total),
            "{}: {} vs {total}",
            status.name,
            status.actual
        );
        assert_eq!(status.period_start, date("2026-10-01"));
        assert_eq!(status.period_end, date("2026-10-31"));
        assert_eq!((status.days_elapsed, status.days_remaining), (14, 17));
        assert_eq!(status.currency, "USD");
        assert!(status.forecast.lower <= status.forecast.mean);
        assert!(status.forecast.mean <= status.forecast.upper);
        assert!(status.forecast.mean > status.actual, "{status:?}");
    }

    // The generator's own ledger, summed independently of any SQL.
    let ledger = &fixture::organisation().await.summary.ledger;
    let in_window = |day: &str| ("2026-10-01"..="2026-10-14").contains(&day);
    let ledger_total =
        ledger.total_where(|k| k.usage_account_id == "222222222222" && in_window(&k.day));
    assert!(close(report.budgets[0].actual, ledger_total.unblended));
    assert!(close(report.budgets[1].actual, ledger_total.amortized));
}

#[tokio::test]
async fn quarterly_budgets_count_from_their_start_month() {
    let session = fixture::admin_session().await;
    let quarter = Budget {
        period: PeriodKind::Quarterly,
        start: Some(date("2026-08-01")),
        measure: Measure::Unblended,
        ..Budget::new(Scope::Overall, 100_000.0)
    };
    let later = Budget {
        name: "next year".into(),
        start: Some(date("2027-01-01")),
        ..Budget::new(Scope::Overall, 1.0)
    };
    let report = run(&session, vec![quarter, later], Some("2026-10-10")).await;
    assert_eq!(report.not_started, vec!["next year".to_string()]);
    let status = &report.budgets[0];
    assert_eq!(status.period_start, date("2026-08-01"));
    assert_eq!(status.period_end, date("2026-10-31"));
    let expected = sql_total(
        &session,
        "SELECT sum(line_item_unblended_cost) AS total FROM cur \
         WHERE line_item_usage_start_date < TIMESTAMP '2026-10-11 00:00:00'",
    )
    .await;
    assert!(
        close(status.actual, expected),
        "{} vs {expected}",
        status.actual
    );
}

#[tokio::test]
async fn states_follow_the_budget_amount() {
    let session = fixture::admin_session().await;
    let scope: Scope = "account=Data-Platform".parse().expect("scope");
    let probe = run(
        &session,
        vec![Budget::new(scope.clone(), 1.0)],
        Some("2026-10-12"),
    )
    .await;
    let measured = &probe.budgets[0];
    assert_eq!(measured.state, BudgetState::Over);
    let (actual, forecast) = (measured.actual, measured.forecast.mean);
    assert!(actual < forecast);

    let budget = |name: &str, amount: f64| Budget {
        name: name.into(),
        thresholds: vec![50.0, 80.0, 100.0],
        ..Budget::new(scope.clone(), amount)
    };
    let report = run(
        &session,
        vec![
            budget("over", actual * 0.9),
            budget("forecast over", (actual + forecast) / 2.0),
            budget("ok", forecast * 1.5),
        ],
        Some("2026-10-12"),
    )
    .await;
    let states: Vec<BudgetState> = report.budgets.iter().map(|b| b.state).collect();
    assert_eq!(
        states,
        [
            BudgetState::Over,
            BudgetState::ForecastOver,
            BudgetState::Ok
        ]
    );
    for status in &report.budgets {
        assert!(close(status.actual, actual));
        for threshold in &status.thresholds {
            assert_eq!(threshold.actual_crossed, actual >= threshold.amount);
            assert_eq!(
                threshold.forecast_crossed,
                status.forecast.mean >= threshold.amount
            );
        }
    }
    let ok = &report.budgets[2];
    assert!(!ok.thresholds[2].forecast_crossed && ok.thresholds[0].forecast_crossed);
    let json = serde_json::to_value(&report).expect("json");
    assert_eq!(json["budgets"][1]["state"], "forecast_over");
    assert_eq!(json["budgets"][0]["scope"], "account=Data-Platform");
    assert_eq!(json["as_of"], "2026-10-12");
}

#[tokio::test]
async fn the_default_as_of_is_the_last_day_with_usage() {
    let session = fixture::admin_session().await;
    let report = run(&session, vec![Budget::new(Scope::Overall, 1e6)], None).await;
    assert_eq!(report.as_of, date("2026-10-31"));
    let status = &report.budgets[0];
    assert_eq!(status.days_remaining, 0);
    assert!(close(status.forecast.mean, status.actual));
    assert_eq!(status.state, BudgetState::Ok);
}

#[tokio::test]
async fn a_scope_without_cost_is_reported_with_a_warning() {
    let session = fixture::admin_session().await;
    let report = run(
        &session,
        vec![Budget::new("team=nobody".parse().expect("scope"), 10.0)],
        Some("2026-10-12"),
    )
    .await;
    let status = &report.budgets[0];
    assert_eq!((status.actual, status.forecast.mean), (0.0, 0.0));
    assert_eq!(status.warnings.len(), 1, "{status:?}");
}

#[tokio::test]
async fn the_team_expression_can_be_replaced() {
    let session = fixture::admin_session().await;
    let options = BudgetOptions {
        budgets: vec![Budget::new("team=Data".parse().expect("scope"), 10.0)],
        as_of: Some(date("2026-10-12")),
        team: costscope_core::TeamExpr::Tag("user_department".into()),
        ..BudgetOptions::default()
    };
    let status = &report(&session, &options).await.expect("report").budgets[0];
    let expected = sql_total(
        &session,
        "SELECT sum(amortized_cost) AS total FROM cur_amortized \
         WHERE resource_tags['user_department'] = 'Data' \
         AND line_item_usage_start_date >= TIMESTAMP '2026-10-01 00:00:00' \
         AND line_item_usage_start_date < TIMESTAMP '2026-10-13 00:00:00'",
    )
    .await;
    assert!(expected > 0.0 && close(status.actual, expected));
}

#[tokio::test]
async fn month_end_forecasts_of_the_organisation_are_within_ten_percent() {
    let session = fixture::admin_session().await;
    for measure in [Measure::Amortized, Measure::Unblended] {
        let report = backtest(
            &session,
            &BacktestOptions {
                measure,
                ..BacktestOptions::default()
            },
        )
        .await
        .expect("backtest");
        assert_eq!(report.month, "2026-10");
        assert_eq!(report.as_of_dates.first(), Some(&date("2026-10-07")));
        assert_eq!(report.as_of_dates.last(), Some(&date("2026-10-30")));
        assert_eq!(report.scopes.len(), 9, "the organisation and 8 accounts");
        for scope in &report.scopes {
            eprintln!(
                "{measure} {:<28} actual {:>10.2} mape {:>6.2}% max {:>6.2}% coverage {:.2}",
                scope.scope.to_string(),
                scope.actual,
                scope.mape,
                scope.max_ape,
                scope.coverage
            );
        }
        assert!(report.mape <= 10.0, "{measure}: MAPE {}", report.mape);
        assert!(
            report.coverage >= 0.5,
            "{measure}: coverage {}",
            report.coverage
        );
        // The held-out actual is the month's whole bill, as the ledger has it.
        let ledger = &fixture::organisation().await.summary.ledger;
        let month = ledger.total_where(|k| k.day.starts_with("2026-10"));
        let expected = match measure {
            Measure::Unblended => month.unblended,
            _ => month.amortized,
        };
        assert!(close(report.scopes[0].actual, expected));
    }
}

#[test]
fn budgets_files_parse_with_defaults() {
    let budgets = parse_budgets(
        "defaults:
  measure: unblended
  thresholds: [80, 100]
budgets:
  - name: prod
    scope: account=App-Team-Prod
    amount: 30000
  - scope: tag:user_app=clickstream
    amount: 5000
    period: quarterly
    measure: net-amortized
    start: 2026-08
    thresholds: [90]
",
        "budgets.yaml",
    )
    .expect("parse");
    assert_eq!(budgets.len(), 2);
    assert_eq!(budgets[0].name, "prod");
    assert_eq!(budgets[0].measure, Measure::Unblended);
    assert_eq!(budgets[0].thresholds, vec![80.0, 100.0]);
    assert_eq!(budgets[1].name, "tag:user_app=clickstream");
    assert_eq!(budgets[1].period, PeriodKind::Quarterly);
    assert_eq!(budgets[1].measure, Measure::NetAmortized);
    assert_eq!(budgets[1].start, Some(date("2026-08-01")));
    assert_eq!(budgets[1].thresholds, vec![90.0]);
}

#[test]
fn bad_budgets_files_name_the_line_and_column() {
    let cases = [
        (
            "budgets:\n  - scope: region=us-east-1\n    amount: 10\n",
            "budgets.yaml:2:12",
            "unknown scope",
        ),
        (
            "budgets:\n  - scope: overall\n    amount: -5\n",
            "budgets.yaml:3:13",
            "greater than zero",
        ),
        (
            "budgets:\n  - scope: overall\n    amount: 5\n    period: weekly\n",
            "budgets.yaml:4:13",
            "unknown period",
        ),
        (
            "budgets:\n  - scope: overall\n    amount: 5\n    measure: blended\n",
            "budgets.yaml:4:14",
            "unknown measure",
        ),
        (
            "budgets:\n  - scope: overall\n    amount: 5\n    start: 2026-13\n",
            "budgets.yaml:4:12",
            "not a month",
        ),
        (
            "budgets:\n  - scope: overall\n    amount: lots\n",
            "budgets.yaml:3:",
            "",
        ),
        (
            "budgets:\n  - scope: overall\n    amount: 5\n    colour: red\n",
            "budgets.yaml:",
            "colour",
        ),
        (
            "budgets:\n  - scope: overall\n    amount: 5\n  - scope: overall\n    amount: 6\n",
            "budgets.yaml:4:12",
            "used twice",
        ),
        (
            "defaults:\n  thresholds: [0]\nbudgets: []\n",
            "budgets.yaml:2:16",
            "threshold",
        ),
    ];
    for (text, location, message) in cases {
        let error = parse_budgets(text, "budgets.yaml")
            .expect_err(text)
            .to_string();
        assert!(error.starts_with(location), "{text}\n=> {error}");
        assert!(error.contains(message), "{text}\n=> {error}");
    }
}
