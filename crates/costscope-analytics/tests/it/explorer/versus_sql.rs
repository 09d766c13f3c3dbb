//! Reports over each dimension, measure and granularity against hand-written SQL and
//! the generator's ledger.

use std::sync::Arc;

use costscope_core::TeamExpr;
use costscope_core::team::{Condition, Field, OwnerRule, OwnerRules, Pattern};

use super::*;

#[tokio::test]
async fn service_by_month_equals_sql_over_cur() {
    let session = fixture::admin_session().await;
    let report = explore(
        &session,
        &ExplorerOptions {
            group_by: dims(&["service"]),
            ..ExplorerOptions::default()
        },
    )
    .await;
    assert_eq!(report.from, date("2026-08-01"));
    assert_eq!(report.to, date("2026-11-01"));
    assert_eq!(report.dimension_columns, ["service", "service_name"]);
    let expected = hand(
        &session,
        "SELECT billing_period || '-01' AS k1, line_item_product_code AS k2, \
         element_at(product, 'product_name') AS k3, line_item_currency_code AS k4, \
         sum(line_item_unblended_cost) AS amount FROM cur GROUP BY 1, 2, 3, 4",
        &["?", "(none)", "(none)", "?"],
    )
    .await;
    assert_same("service by month", &report_amounts(&report), &expected);
}

#[tokio::test]
async fn accounts_and_tags_by_day_amortized_with_a_pattern_filter_equal_sql() {
    let session = fixture::admin_session().await;
    for tag in ["tag:team", "tag:user_team"] {
        let report = explore(
            &session,
            &ExplorerOptions {
                group_by: dims(&["account", tag]),
                granularity: Granularity::Daily,
                measure: Measure::Amortized,
                filters: filters(&["account=App-Team-%,666666666666"]),
                from: Some(date("2026-09-10")),
                to: Some(date("2026-09-20")),
                ..ExplorerOptions::default()
            },
        )
        .await;
        assert_eq!(report.dimension_columns, ["account", "account_name", tag]);
        let expected = hand(
            &session,
            "SELECT to_char(line_item_usage_start_date, '%Y-%m-%d') AS k1, \
             line_item_usage_account_id AS k2, line_item_usage_account_name AS k3, \
             resource_tags['user_team'] AS k4, line_item_currency_code AS k5, \
             sum(amortized_cost) AS amount FROM cur_amortized \
             WHERE line_item_usage_start_date >= '2026-09-10' AND line_item_usage_start_date < '2026-09-20' \
             AND (line_item_usage_account_name LIKE 'App-Team-%' OR line_item_usage_account_id = '666666666666') \
             GROUP BY 1, 2, 3, 4, 5",
            &["?", "(none)", "(none)", "(untagged)", "?"],
        )
        .await;
        assert_same(tag, &report_amounts(&report), &expected);
        assert!(expected.keys().any(|k| k[3] == "(untagged)"));
    }
}

#[tokio::test]
async fn region_and_purchase_option_by_week_net_unblended_with_an_exclusion_equal_sql() {
    let session = fixture::admin_session().await;
    let report = explore(
        &session,
        &ExplorerOptions {
            group_by: dims(&["region", "purchase-option"]),
            granularity: Granularity::Weekly,
            measure: Measure::NetUnblended,
            filters: filters(&["service!=AmazonBedrock,AWS Support%"]),
            ..ExplorerOptions::default()
        },
    )
    .await;
    // Purchase options derived another way: any reservation ARN means Reserved.
    let expected = hand(
        &session,
        "SELECT CAST(date_trunc('week', line_item_usage_start_date) AS VARCHAR) AS k1, \
         product_region_code AS k2, \
         CASE WHEN line_item_line_item_type IN ('SavingsPlanCoveredUsage', 'SavingsPlanNegation', \
              'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee') THEN 'Savings Plan' \
           WHEN coalesce(reservation_reservation_a_r_n, '') <> '' THEN 'Reserved' \
           WHEN line_item_line_item_type = 'Usage' AND pricing_term = 'Spot' THEN 'Spot' \
           WHEN line_item_line_item_type = 'Usage' THEN 'On-Demand' ELSE 'Other' END AS k3, \
         line_item_currency_code AS k4, sum(net_unblended_cost) AS amount FROM cur_amortized \
         WHERE line_item_product_code <> 'AmazonBedrock' \
           AND coalesce(product['product_name'], '') NOT LIKE 'AWS Support%' \
         GROUP BY 1, 2, 3, 4",
        &["?", "(none)", "?", "?"],
    )
    .await;
    // The weekly periods are ISO weeks (Mondays), printed as dates.
    let expected: Amounts = expected
        .into_iter()
        .map(|(mut key, amount)| {
            key[0].truncate(10);
            (key, amount)
        })
        .collect();
    for key in expected.keys() {
        let day = date(&key[0]);
        assert_eq!(chrono::Datelike::weekday(&day), chrono::Weekday::Mon);
    }
    assert_same(
        "region × purchase option",
        &report_amounts(&report),
        &expected,
    );
    let options: Vec<&str> = report
        .rows
        .iter()
        .map(|r| r.dimensions[1].as_str())
        .collect();
    for option in ["On-Demand", "Spot", "Savings Plan", "Reserved", "Other"] {
        assert!(options.contains(&option), "no {option} rows");
    }
}

#[tokio::test]
async fn az_by_hour_at_public_prices_equals_sql() {
    let session = fixture::admin_session().await;
    let report = explore(
        &session,
        &ExplorerOptions {
            group_by: dims(&["az"]),
            granularity: Granularity::Hourly,
            measure: Measure::Public,
            filters: filters(&["region=us-east-1", "line-item-type=Usage"]),
            from: Some(date("2026-10-05")),
            to: Some(date("2026-10-07")),
            ..ExplorerOptions::default()
        },
    )
    .await;
    let expected = hand(
        &session,
        "SELECT date_trunc('hour', line_item_usage_start_date) AS k1, \
         line_item_availability_zone AS k2, line_item_currency_code AS k3, \
         sum(pricing_public_on_demand_cost) AS amount FROM cur \
         WHERE product_region_code = 'us-east-1' AND line_item_line_item_type = 'Usage' \
         AND line_item_usage_start_date BETWEEN '2026-10-05 00:00:00' AND '2026-10-06 23:59:59' \
         GROUP BY 1, 2, 3",
        &["?", "(none)", "?"],
    )
    .await;
    assert_same("az by hour", &report_amounts(&report), &expected);
    assert_eq!(
        report
            .rows
            .iter()
            .map(|r| r.period.as_str())
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        48
    );
}

#[tokio::test]
async fn charge_type_category_and_team_expression_equal_sql() {
    let session = fixture::admin_session().await;
    let report = explore(
        &session,
        &ExplorerOptions {
            group_by: dims(&["charge-type", "category:business_unit", "team"]),
            measure: Measure::NetAmortized,
            team: TeamExpr::Rules(Arc::new(OwnerRules {
                origin: "test".into(),
                rules: vec![OwnerRule {
                    owner: "apps".into(),
                    conditions: vec![Condition {
                        field: Field::AccountName,
                        patterns: vec![Pattern::Like("App-Team-%".into())],
                    }],
                }],
            })),
            ..ExplorerOptions::default()
        },
    )
    .await;
    let expected = hand(
        &session,
        "SELECT billing_period || '-01' AS k1, \
         CASE line_item_line_item_type \
           WHEN 'DiscountedUsage' THEN 'Usage' WHEN 'SavingsPlanCoveredUsage' THEN 'Usage' \
           WHEN 'SavingsPlanNegation' THEN 'Savings Plan Negation' \
           WHEN 'SavingsPlanRecurringFee' THEN 'Recurring Fee' WHEN 'RIFee' THEN 'Recurring Fee' \
           WHEN 'Fee' THEN CASE WHEN reservation_reservation_a_r_n <> '' THEN 'Upfront Fee' ELSE 'Fee' END \
           ELSE line_item_line_item_type END AS k2, \
         cost_category['business_unit'] AS k3, \
         CASE WHEN line_item_usage_account_name LIKE 'App-Team-%' THEN 'apps' ELSE 'unallocated' END AS k4, \
         line_item_currency_code AS k5, sum(net_amortized_cost) AS amount FROM cur_amortized \
         GROUP BY 1, 2, 3, 4, 5",
        &["?", "?", "(uncategorized)", "(unallocated)", "?"],
    )
    .await;
    assert_same("charge type", &report_amounts(&report), &expected);
    let charge_types: std::collections::BTreeSet<&str> = report
        .rows
        .iter()
        .map(|r| r.dimensions[0].as_str())
        .collect();
    for kind in [
        "Usage",
        "Tax",
        "Credit",
        "Refund",
        "Fee",
        "Recurring Fee",
        "Upfront Fee",
    ] {
        assert!(charge_types.contains(kind), "no {kind} in {charge_types:?}");
    }
}

#[tokio::test]
async fn usage_is_summed_per_unit_over_usage_lines_only() {
    let session = fixture::admin_session().await;
    let report = explore(
        &session,
        &ExplorerOptions {
            group_by: dims(&["service"]),
            granularity: Granularity::Daily,
            measure: Measure::Usage,
            from: Some(date("2026-08-01")),
            to: Some(date("2026-08-08")),
            ..ExplorerOptions::default()
        },
    )
    .await;
    let expected = hand(
        &session,
        "SELECT CAST(CAST(line_item_usage_start_date AS DATE) AS VARCHAR) AS k1, \
         line_item_product_code AS k2, product['product_name'] AS k3, pricing_unit AS k4, \
         sum(line_item_usage_amount) AS amount FROM cur \
         WHERE line_item_line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage') \
         AND line_item_usage_start_date < '2026-08-08' GROUP BY 1, 2, 3, 4",
        &["?", "(none)", "(none)", "(none)"],
    )
    .await;
    assert_same("usage", &report_amounts(&report), &expected);
    // Lambda bills requests and GB-seconds: two rows a day, never one sum.
    let lambda_units: std::collections::BTreeSet<&str> = report
        .rows
        .iter()
        .filter(|r| r.dimensions[0] == "AWSLambda")
        .map(|r| r.unit.as_str())
        .collect();
    assert!(lambda_units.len() >= 2, "{lambda_units:?}");
    let units: std::collections::BTreeSet<&str> =
        report.rows.iter().map(|r| r.unit.as_str()).collect();
    assert_eq!(report.totals.len(), units.len());
    for total in &report.totals {
        let sum: f64 = report
            .rows
            .iter()
            .filter(|r| r.unit == total.unit)
            .map(|r| r.amount)
            .sum();
        assert!(close(sum, total.amount));
    }
}

#[tokio::test]
async fn account_totals_equal_the_generators_ledger() {
    let session = fixture::admin_session().await;
    let ledger = &fixture::organisation().await.summary.ledger;
    for measure in [Measure::Unblended, Measure::Amortized] {
        let report = explore(
            &session,
            &ExplorerOptions {
                group_by: dims(&["account", "line-item-type"]),
                granularity: Granularity::Daily,
                measure,
                ..ExplorerOptions::default()
            },
        )
        .await;
        let mut actual = Amounts::new();
        for row in &report.rows {
            let key = vec![
                row.period.clone(),
                row.dimensions[0].clone(),
                row.dimensions[2].clone(),
            ];
            *actual.entry(key).or_default() += row.amount;
        }
        let mut expected = Amounts::new();
        for (key, totals) in &ledger.entries {
            let amount = match measure {
                Measure::Unblended => totals.unblended,
                _ => totals.amortized,
            };
            *expected
                .entry(vec![
                    key.day.clone(),
                    key.usage_account_id.clone(),
                    key.line_item_type.clone(),
                ])
                .or_default() += amount;
        }
        assert_same(&format!("{measure} vs ledger"), &actual, &expected);
        let total = ledger.total_where(|_| true);
        let ledger_total = match measure {
            Measure::Unblended => total.unblended,
            _ => total.amortized,
        };
        assert!(close(report.totals[0].amount, ledger_total));
        assert_eq!(report.totals.len(), 1);
        assert_eq!(report.totals[0].unit, "USD");
    }
}

#[tokio::test]
async fn include_and_exclude_filters_partition_the_total() {
    let session = fixture::admin_session().await;
    let total = |filter: &'static [&'static str]| {
        let session = &session;
        async move {
            let report = explore(
                session,
                &ExplorerOptions {
                    filters: filters(filter),
                    ..ExplorerOptions::default()
                },
            )
            .await;
            report.totals.first().map_or(0.0, |t| t.amount)
        }
    };
    let all = total(&[]).await;
    let apps = total(&["account=App-Team-%"]).await;
    let others = total(&["account!=App-Team-%"]).await;
    assert!(apps > 0.0 && others > 0.0);
    assert!(close(apps + others, all));
    // Filters on different dimensions must all hold.
    let both = total(&["account=App-Team-%", "tag:team=(untagged)"]).await;
    let expected = hand(
        &session,
        "SELECT sum(line_item_unblended_cost) AS amount FROM cur \
         WHERE line_item_usage_account_name LIKE 'App-Team-%' AND resource_tags['user_team'] IS NULL",
        &[],
    )
    .await;
    assert!(close(both, expected[&Vec::<String>::new()]));
}
