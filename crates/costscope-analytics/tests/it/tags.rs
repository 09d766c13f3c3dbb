//! Tag policy compliance over the generated organisation, checked against hand-written
//! SQL over `cur_amortized` and against the generator's ledger.

use costscope_analytics::Error;
use costscope_analytics::records::query;
use costscope_analytics::tags::{
    ALL_REQUIRED, CoverageRow, Granularity, Measure, Scope, TAGGABLE_LINE_ITEM_TYPES, TagOptions,
    TagReport, tag_report,
};
use serde::Deserialize;

use std::sync::Arc;

use costscope_core::TeamExpr;
use costscope_core::team::{Condition, Field, OwnerRule, OwnerRules, Pattern};

use crate::fixture;

const DEV_ACCOUNT: &str = "333333333333";

fn options(required: &[&str]) -> TagOptions {
    TagOptions {
        required: required.iter().map(|k| k.to_string()).collect(),
        ..TagOptions::default()
    }
}

async fn report(options: &TagOptions) -> TagReport {
    let session = fixture::admin_session().await;
    tag_report(&session, options).await.expect("tag report")
}

async fn refused(options: &TagOptions) -> String {
    let session = fixture::admin_session().await;
    match tag_report(&session, options).await {
        Err(error @ Error::InvalidArgument(_)) => error.to_string(),
        other => panic!("expected an invalid-argument error, got {other:?}"),
    }
}

fn assert_close(actual: f64, expected: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= 1e-6 * expected.abs().max(1.0),
        "{what}: {actual} vs {expected}"
    );
}

fn taggable_sql() -> String {
    TAGGABLE_LINE_ITEM_TYPES
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A row of `rows` by period, scope, scope id and key.
fn find<'a>(
    rows: &'a [CoverageRow],
    period: Option<&str>,
    scope: Scope,
    scope_id: Option<&str>,
    key: &str,
) -> &'a CoverageRow {
    rows.iter()
        .find(|r| {
            r.period.as_deref() == period
                && r.scope == scope
                && r.scope_id.as_deref() == scope_id
                && r.key == key
        })
        .unwrap_or_else(|| panic!("no row {period:?} {scope:?} {scope_id:?} {key}"))
}

#[derive(Debug, Deserialize)]
struct Expected {
    billing_period: String,
    cost_tagged: f64,
    cost_total: f64,
    resources_tagged: i64,
    resources_total: i64,
}

#[tokio::test]
async fn coverage_of_a_key_in_an_account_equals_hand_written_sql() {
    for measure in [Measure::Amortized, Measure::Unblended] {
        let report = report(&TagOptions {
            measure,
            ..options(&["department", "user_team", "app"])
        })
        .await;
        let cost = match measure {
            Measure::Unblended => "line_item_unblended_cost",
            _ => "amortized_cost",
        };
        let session = fixture::admin_session().await;
        let expected: Vec<Expected> = query(
            &session,
            &format!(
                "SELECT billing_period, \
                   sum(CASE WHEN trim(resource_tags['user_department']) <> '' THEN {cost} ELSE 0 END) AS cost_tagged, \
                   sum({cost}) AS cost_total, \
                   count(DISTINCT CASE WHEN trim(resource_tags['user_department']) <> '' \
                     AND line_item_resource_id <> '' THEN line_item_resource_id END) AS resources_tagged, \
                   count(DISTINCT CASE WHEN line_item_resource_id <> '' THEN line_item_resource_id END) AS resources_total \
                 FROM cur_amortized \
                 WHERE line_item_usage_account_id = '{DEV_ACCOUNT}' AND line_item_line_item_type IN ({}) \
                 GROUP BY billing_period ORDER BY billing_period",
                taggable_sql()
            ),
        )
        .await
        .expect("hand-written coverage");
        assert_eq!(expected.len(), 3);
        for month in &expected {
            let period = format!("{}-01", month.billing_period);
            let row = find(
                &report.coverage,
                Some(&period),
                Scope::Account,
                Some(DEV_ACCOUNT),
                "department",
            );
            assert_close(row.cost_tagged, month.cost_tagged, "cost tagged");
            assert_close(row.cost_total, month.cost_total, "cost total");
            assert_eq!(row.resources_tagged, month.resources_tagged);
            assert_eq!(row.resources_total, month.resources_total);
            assert_eq!(row.scope_name.as_deref(), Some("App-Team-Dev"));
            // The Dev account has an untagged snapshot, so coverage is partial.
            let pct = row.cost_pct.expect("a cost");
            assert!(pct > 0.0 && pct < 100.0, "{pct}");
            assert_close(pct, 100.0 * month.cost_tagged / month.cost_total, "cost %");
        }
        // The CUR 2.0 key form names the key as users write it.
        assert!(report.coverage.iter().any(|r| r.key == "team"));
    }
}

#[tokio::test]
async fn taggable_and_untaggable_cost_reconcile_with_the_ledger() {
    let report = report(&options(&["department"])).await;
    let ledger = &fixture::organisation().await.summary.ledger;
    let taggable = |t: &str| TAGGABLE_LINE_ITEM_TYPES.contains(&t);
    let overall = find(&report.totals, None, Scope::Overall, None, "department");
    let expected = ledger.total_where(|k| taggable(&k.line_item_type));
    assert_close(overall.cost_total, expected.amortized, "taggable cost");
    let expected = ledger.total_where(|k| !taggable(&k.line_item_type));
    assert_close(
        report.untaggable_cost,
        expected.amortized,
        "untaggable cost",
    );
    for item in &report.untaggable {
        let expected = ledger.total_where(|k| k.line_item_type == item.line_item_type);
        assert_close(item.cost, expected.amortized, &item.line_item_type);
    }
    assert!(report.untaggable.iter().any(|u| u.line_item_type == "Tax"));
    // Accounts and teams each partition the overall cost.
    for scope in [Scope::Account, Scope::Team] {
        let sum: f64 = report
            .totals
            .iter()
            .filter(|r| r.scope == scope && r.key == "department")
            .map(|r| r.cost_total)
            .sum();
        assert_close(sum, overall.cost_total, &format!("{scope:?} sum"));
    }
    assert_eq!(report.currency.as_deref(), Some("USD"));
}

#[tokio::test]
async fn the_sales_department_spelt_two_ways_is_found() {
    let report = report(&options(&["department", "team"])).await;
    let group = report
        .inconsistent_values
        .iter()
        .find(|g| g.key == "department" && g.normalized == "sales")
        .expect("a group for Sales / sales");
    let mut values: Vec<&str> = group.variants.iter().map(|v| v.value.as_str()).collect();
    values.sort();
    assert_eq!(values, ["Sales", "sales"]);
    #[derive(Deserialize)]
    struct Value {
        value: String,
        cost: f64,
        resources: i64,
    }
    let session = fixture::admin_session().await;
    let expected: Vec<Value> = query(
        &session,
        &format!(
            "SELECT resource_tags['user_department'] AS value, sum(amortized_cost) AS cost, \
               count(DISTINCT line_item_resource_id) AS resources \
             FROM cur_amortized WHERE lower(resource_tags['user_department']) = 'sales' \
               AND line_item_line_item_type IN ({}) GROUP BY 1 ORDER BY 2 DESC",
            taggable_sql()
        ),
    )
    .await
    .expect("values");
    assert_eq!(group.suggested, expected[0].value);
    for variant in &group.variants {
        let hand = expected
            .iter()
            .find(|e| e.value == variant.value)
            .expect("variant");
        assert_close(variant.cost, hand.cost, &variant.value);
        assert_eq!(variant.resources, hand.resources);
    }
    // Consistently spelt keys are not reported.
    assert!(report.inconsistent_values.iter().all(|g| g.key != "team"));
}

#[tokio::test]
async fn every_tag_key_can_be_checked_for_inconsistent_values() {
    let report = report(&TagOptions {
        values_of_all_keys: true,
        ..options(&["department"])
    })
    .await;
    let keys: Vec<&str> = report
        .inconsistent_values
        .iter()
        .map(|g| g.key.as_str())
        .collect();
    assert_eq!(keys.iter().filter(|k| **k == "department").count(), 1);
    // `env` is spelt `prod` and `production`: not a case variant, so not reported;
    // whatever is reported really differs only in case or separators.
    for group in &report.inconsistent_values {
        let forms: Vec<String> = group
            .variants
            .iter()
            .map(|v| v.value.to_lowercase().replace(['-', '_', ' '], ""))
            .collect();
        assert!(forms.iter().all(|f| *f == forms[0]), "{group:?}");
    }
}

#[derive(Debug, Deserialize)]
struct Untagged {
    resource_id: String,
    cost: f64,
}

#[tokio::test]
async fn the_top_untagged_resources_equal_hand_written_sql() {
    let report = report(&TagOptions {
        top: 3,
        ..options(&["department", "team", "app"])
    })
    .await;
    let session = fixture::admin_session().await;
    let missing = "(coalesce(trim(resource_tags['user_department']), '') = '' \
        OR coalesce(trim(resource_tags['user_team']), '') = '' \
        OR coalesce(trim(resource_tags['user_app']), '') = '')";
    let expected: Vec<Untagged> = query(
        &session,
        &format!(
            "SELECT line_item_resource_id AS resource_id, sum(amortized_cost) AS cost \
             FROM cur_amortized WHERE {missing} AND line_item_resource_id <> '' \
               AND line_item_line_item_type IN ({}) \
             GROUP BY 1 ORDER BY round(sum(amortized_cost), 6) DESC, 1 LIMIT 3",
            taggable_sql()
        ),
    )
    .await
    .expect("hand-written top list");
    assert_eq!(report.top_untagged.len(), expected.len());
    assert_eq!(expected.len(), 3);
    for (row, hand) in report.top_untagged.iter().zip(&expected) {
        assert_eq!(row.resource_id, hand.resource_id);
        assert_close(row.cost, hand.cost, &row.resource_id);
        assert_eq!(row.missing_keys, ["department", "team", "app"]);
        assert!(row.service.is_some() && row.usage_type.is_some());
    }
    assert!(
        report
            .top_untagged
            .iter()
            .any(|r| r.account_name.as_deref() == Some("Sandbox"))
    );
}

#[tokio::test]
async fn all_keys_coverage_is_never_above_any_single_key() {
    // `created` is on a few resources only, so "all keys" is well below `department`.
    let report = report(&options(&["department", "created"])).await;
    let mut strictly_below = false;
    for rows in [&report.coverage, &report.totals] {
        for all in rows.iter().filter(|r| r.key == ALL_REQUIRED) {
            for key in ["department", "created"] {
                let single = find(
                    rows,
                    all.period.as_deref(),
                    all.scope,
                    all.scope_id.as_deref(),
                    key,
                );
                assert!(
                    all.cost_tagged <= single.cost_tagged + 1e-9,
                    "{all:?} {single:?}"
                );
                assert!(all.resources_tagged <= single.resources_tagged);
                assert_eq!(all.cost_total, single.cost_total);
                strictly_below |= all.cost_tagged < single.cost_tagged;
            }
        }
    }
    assert!(strictly_below);
}

#[tokio::test]
async fn granularity_and_range_slice_the_same_costs() {
    let monthly = report(&options(&["department"])).await;
    let daily = report(&TagOptions {
        granularity: Granularity::Daily,
        ..options(&["department"])
    })
    .await;
    let overall = |rows: &[CoverageRow]| -> f64 {
        rows.iter()
            .filter(|r| r.scope == Scope::Overall && r.key == "department")
            .map(|r| r.cost_tagged)
            .sum()
    };
    assert_close(
        overall(&daily.coverage),
        overall(&monthly.coverage),
        "daily",
    );
    assert!(
        daily
            .coverage
            .iter()
            .any(|r| r.period.as_deref() == Some("2026-09-17"))
    );

    let weekly = report(&TagOptions {
        granularity: Granularity::Weekly,
        ..options(&["department"])
    })
    .await;
    for row in &weekly.coverage {
        let day =
            chrono::NaiveDate::parse_from_str(row.period.as_deref().expect("period"), "%Y-%m-%d")
                .expect("a date");
        assert_eq!(chrono::Datelike::weekday(&day), chrono::Weekday::Mon);
    }

    let september = report(&TagOptions {
        from: chrono::NaiveDate::from_ymd_opt(2026, 9, 1),
        to: chrono::NaiveDate::from_ymd_opt(2026, 10, 1),
        ..options(&["department"])
    })
    .await;
    let periods: Vec<Option<&str>> = september
        .coverage
        .iter()
        .map(|r| r.period.as_deref())
        .collect();
    assert!(
        periods.iter().all(|p| *p == Some("2026-09-01")),
        "{periods:?}"
    );
    let whole = find(&september.totals, None, Scope::Overall, None, "department");
    let month = find(
        &monthly.coverage,
        Some("2026-09-01"),
        Scope::Overall,
        None,
        "department",
    );
    assert_close(whole.cost_tagged, month.cost_tagged, "september");
    assert_eq!(whole.resources_total, month.resources_total);
}

#[tokio::test]
async fn a_team_expression_replaces_the_team_tag() {
    // Rules naming every line's team after its account.
    #[derive(Deserialize)]
    struct Account {
        name: String,
    }
    let session = fixture::admin_session().await;
    let names: Vec<Account> = query(
        &session,
        "SELECT DISTINCT line_item_usage_account_name AS name FROM cur ORDER BY 1",
    )
    .await
    .expect("accounts");
    let rules = OwnerRules {
        origin: "accounts".into(),
        rules: names
            .into_iter()
            .map(|account| OwnerRule {
                conditions: vec![Condition {
                    field: Field::AccountName,
                    patterns: vec![Pattern::Exact(account.name.clone())],
                }],
                owner: account.name,
            })
            .collect(),
    };
    let report = report(&TagOptions {
        team: TeamExpr::Rules(Arc::new(rules)),
        ..options(&["department"])
    })
    .await;
    let accounts: Vec<&CoverageRow> = report
        .totals
        .iter()
        .filter(|r| r.scope == Scope::Account)
        .collect();
    for account in accounts {
        let team = find(
            &report.totals,
            None,
            Scope::Team,
            account.scope_name.as_deref(),
            &account.key,
        );
        assert_close(team.cost_tagged, account.cost_tagged, "team = account");
    }
}

#[tokio::test]
async fn a_key_with_a_quote_is_quoted_not_executed() {
    let key = "it's'); DROP TABLE cur; --";
    let report = report(&TagOptions {
        allow_absent_keys: true,
        ..options(&[key, "department"])
    })
    .await;
    let row = find(&report.totals, None, Scope::Overall, None, key);
    assert_eq!((row.cost_tagged, row.resources_tagged), (0.0, 0));
    assert!(row.cost_total > 0.0);
    let message = refused(&options(&[key])).await;
    assert!(message.contains(key), "{message}");
}

#[tokio::test]
async fn unknown_empty_and_repeated_keys_are_refused_clearly() {
    let message = refused(&options(&["departmnet", "team"])).await;
    assert!(
        message.contains("`departmnet`") && message.contains("department"),
        "{message}"
    );
    assert!(!message.contains("`team`"), "{message}");
    let message = refused(&options(&[])).await;
    assert!(message.contains("no required tag keys"), "{message}");
    let message = refused(&options(&["department", ""])).await;
    assert!(message.contains("empty key"), "{message}");
    let message = refused(&options(&["team", "user_team"])).await;
    assert!(message.contains("twice"), "{message}");
    let message = refused(&TagOptions {
        currency: Some("EUR".into()),
        ..options(&["team"])
    })
    .await;
    assert!(
        message.contains("EUR") && message.contains("USD"),
        "{message}"
    );
    let message = refused(&TagOptions {
        from: chrono::NaiveDate::from_ymd_opt(2026, 9, 2),
        to: chrono::NaiveDate::from_ymd_opt(2026, 9, 1),
        ..options(&["team"])
    })
    .await;
    assert!(message.contains("empty"), "{message}");
}

#[tokio::test]
async fn a_range_without_data_gives_an_empty_report() {
    let report = report(&TagOptions {
        from: chrono::NaiveDate::from_ymd_opt(2030, 1, 1),
        ..options(&["team"])
    })
    .await;
    assert!(report.currency.is_none());
    assert!(report.coverage.is_empty() && report.top_untagged.is_empty());
}
