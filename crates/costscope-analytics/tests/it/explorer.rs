//! The cost explorer against hand-written SQL over `cur` / `cur_amortized` and against
//! the generator's ledger.

use std::collections::BTreeMap;

use costscope_analytics::explorer::{
    self, Compare, CostReport, Dimension, ExplorerOptions, Filter, Granularity, Measure,
};
use costscope_analytics::{Error, records};
use costscope_query::Session;

use crate::fixture;

/// Amounts keyed by their group: period (for reports), dimension values, unit.
type Amounts = BTreeMap<Vec<String>, f64>;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn assert_same(what: &str, actual: &Amounts, expected: &Amounts) {
    assert!(
        !expected.is_empty(),
        "{what}: the hand-written query found nothing"
    );
    let missing: Vec<_> = expected
        .keys()
        .filter(|k| !actual.contains_key(*k))
        .collect();
    let extra: Vec<_> = actual
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: missing groups {missing:?}, unexpected groups {extra:?}"
    );
    for (key, value) in expected {
        assert!(
            close(actual[key], *value),
            "{what}: {key:?} is {} but hand-written SQL says {value}",
            actual[key]
        );
    }
}

fn date(text: &str) -> chrono::NaiveDate {
    explorer::parse_date("date", text).expect("date")
}

fn dims(names: &[&str]) -> Vec<Dimension> {
    names.iter().map(|n| n.parse().expect(n)).collect()
}

fn filters(texts: &[&str]) -> Vec<Filter> {
    texts.iter().map(|t| t.parse().expect(t)).collect()
}

async fn explore(session: &Session, options: &ExplorerOptions) -> CostReport {
    explorer::explore(session, options).await.expect("explore")
}

fn report_amounts(report: &CostReport) -> Amounts {
    let mut amounts = Amounts::new();
    for row in &report.rows {
        let mut key = vec![row.period.clone()];
        key.extend(row.dimensions.iter().cloned());
        key.push(row.unit.clone());
        assert!(
            amounts.insert(key.clone(), row.amount).is_none(),
            "group {key:?} appears twice"
        );
    }
    amounts
}

/// Runs hand-written SQL whose columns are `k1`, `k2` … (the key, in order; NULL or ''
/// shown as the label given for that column) and `amount`.
async fn hand(session: &Session, sql: &str, null_labels: &[&str]) -> Amounts {
    let rows: Vec<BTreeMap<String, serde_json::Value>> =
        records::query(session, sql).await.expect(sql);
    let mut amounts = Amounts::new();
    for row in rows {
        let key: Vec<String> = null_labels
            .iter()
            .enumerate()
            .map(|(i, label)| match &row.get(&format!("k{}", i + 1)) {
                Some(serde_json::Value::String(s)) if !s.is_empty() => s.clone(),
                _ => label.to_string(),
            })
            .collect();
        let amount = row.get("amount").and_then(|v| v.as_f64()).unwrap_or(0.0);
        *amounts.entry(key).or_default() += amount;
    }
    amounts
}

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
            team_sql: Some(
                "CASE WHEN line_item_usage_account_name LIKE 'App-Team-%' THEN 'apps' END".into(),
            ),
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
         CASE WHEN line_item_usage_account_name LIKE 'App-Team-%' THEN 'apps' END AS k4, \
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

#[tokio::test]
async fn top_n_keeps_the_largest_groups_and_sums_the_rest_as_others() {
    let session = fixture::admin_session().await;
    let options = ExplorerOptions {
        group_by: dims(&["service", "region"]),
        granularity: Granularity::Weekly,
        ..ExplorerOptions::default()
    };
    let full = explore(&session, &options).await;
    let top = explore(
        &session,
        &ExplorerOptions {
            top: Some(3),
            ..options.clone()
        },
    )
    .await;
    // The three largest groups over the whole range, computed from the full report.
    let mut by_group: BTreeMap<Vec<String>, f64> = BTreeMap::new();
    for row in &full.rows {
        *by_group.entry(row.dimensions.clone()).or_default() += row.amount;
    }
    let mut ranked: Vec<(Vec<String>, f64)> = by_group.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let kept: Vec<Vec<String>> = ranked.iter().take(3).map(|(g, _)| g.clone()).collect();
    let others = vec![explorer::OTHERS_LABEL.to_string(); 3];
    let mut expected = Amounts::new();
    for row in &full.rows {
        let group = if kept.contains(&row.dimensions) {
            row.dimensions.clone()
        } else {
            others.clone()
        };
        let mut key = vec![row.period.clone()];
        key.extend(group);
        key.push(row.unit.clone());
        *expected.entry(key).or_default() += row.amount;
    }
    assert_same("top 3", &report_amounts(&top), &expected);
    assert!(close(top.totals[0].amount, full.totals[0].amount));
    // Others comes last in each period.
    for period in top.rows.chunk_by(|a, b| a.period == b.period) {
        assert!(period.len() <= 4);
        assert_eq!(period.last().map(|r| &r.dimensions), Some(&others));
    }
}

#[tokio::test]
async fn previous_period_comparison_equals_two_independent_queries() {
    let session = fixture::admin_session().await;
    for (from, to, previous_from, top) in [
        ("2026-10-01", "2026-11-01", "2026-09-01", None),
        ("2026-09-15", "2026-09-22", "2026-09-08", Some(4)),
    ] {
        let report = explore(
            &session,
            &ExplorerOptions {
                group_by: dims(&["usage-type"]),
                measure: Measure::Amortized,
                filters: filters(&["service=AmazonVPC,AmazonEC2"]),
                from: Some(date(from)),
                to: Some(date(to)),
                top,
                compare: Some(Compare::PreviousPeriod),
                ..ExplorerOptions::default()
            },
        )
        .await;
        let comparison = report.comparison.as_ref().expect("comparison");
        assert_eq!(
            (comparison.from, comparison.to),
            (date(previous_from), date(from))
        );
        let window = |start: &str, end: &str| {
            format!(
                "SELECT line_item_usage_type AS k1, line_item_currency_code AS k2, \
                 sum(amortized_cost) AS amount FROM cur_amortized \
                 WHERE line_item_product_code IN ('AmazonVPC', 'AmazonEC2') \
                 AND line_item_usage_start_date >= '{start}' AND line_item_usage_start_date < '{end}' \
                 GROUP BY 1, 2"
            )
        };
        let labels = ["(none)", "?"];
        let current = hand(&session, &window(from, to), &labels).await;
        let previous = hand(&session, &window(previous_from, from), &labels).await;
        let cut = |amounts: &Amounts| -> Amounts {
            let Some(n) = top else {
                return amounts.clone();
            };
            let mut ranked: Vec<_> = current.iter().collect();
            ranked.sort_by(|a, b| b.1.total_cmp(a.1));
            let kept: Vec<&Vec<String>> = ranked.iter().take(n).map(|(k, _)| *k).collect();
            let mut out = Amounts::new();
            for (key, amount) in amounts {
                let key = if kept.contains(&key) {
                    key.clone()
                } else {
                    vec![explorer::OTHERS_LABEL.to_string(), key[1].clone()]
                };
                *out.entry(key).or_default() += amount;
            }
            out
        };
        let (current, previous) = (cut(&current), cut(&previous));
        let mut seen = 0;
        for row in &comparison.rows {
            let key = vec![row.dimensions[0].clone(), row.unit.clone()];
            let now = current.get(&key).copied().unwrap_or(0.0);
            let before = previous.get(&key).copied().unwrap_or(0.0);
            assert!(close(row.current, now), "{key:?}: {} vs {now}", row.current);
            assert!(
                close(row.previous, before),
                "{key:?}: {} vs {before}",
                row.previous
            );
            assert!(close(row.change, now - before));
            match row.change_pct {
                Some(pct) => assert!(close(pct, (now - before) / before.abs() * 100.0)),
                None => assert_eq!(row.previous, 0.0),
            }
            seen += 1;
        }
        let groups: std::collections::BTreeSet<_> = current.keys().chain(previous.keys()).collect();
        assert_eq!(
            seen,
            groups.len(),
            "every group of either period appears once"
        );
        let total = &comparison.totals[0];
        assert!(close(total.current, current.values().sum()));
        assert!(close(total.previous, previous.values().sum()));
    }
}

#[tokio::test]
async fn quotes_in_filter_values_stay_values() {
    let session = fixture::admin_session().await;
    let report = explore(
        &session,
        &ExplorerOptions {
            group_by: dims(&["tag:team"]),
            filters: filters(&["tag:team=app-team,o'brien' OR 1=1 --"]),
            ..ExplorerOptions::default()
        },
    )
    .await;
    assert!(!report.rows.is_empty());
    assert!(report.rows.iter().all(|r| r.dimensions[0] == "app-team"));
    let weird = explore(
        &session,
        &ExplorerOptions {
            filters: filters(&["tag:it's=x"]),
            ..ExplorerOptions::default()
        },
    )
    .await;
    assert!(weird.rows.is_empty());
}

#[tokio::test]
async fn bad_arguments_are_refused_with_clear_messages() {
    let session = fixture::admin_session().await;
    let message = |error: Error| {
        assert!(matches!(error, Error::InvalidArgument(_)), "{error:?}");
        error.to_string()
    };
    let text = message("size".parse::<Dimension>().expect_err("dimension"));
    assert!(
        text.contains("'size'") && text.contains("tag:KEY"),
        "{text}"
    );
    let text = message("blended".parse::<Measure>().expect_err("measure"));
    assert!(
        text.contains("'blended'") && text.contains("net-amortized"),
        "{text}"
    );
    let text = message(
        "fortnightly"
            .parse::<Granularity>()
            .expect_err("granularity"),
    );
    assert!(text.contains("fortnightly"), "{text}");
    let text = message(explorer::parse_date("--from", "2026-02-30").expect_err("date"));
    assert!(
        text.contains("--from") && text.contains("2026-02-30"),
        "{text}"
    );
    let text = message("service~AmazonEC2".parse::<Filter>().expect_err("filter"));
    assert!(text.contains("service~AmazonEC2"), "{text}");
    let text = message("previous-year".parse::<Compare>().expect_err("compare"));
    assert!(text.contains("previous-year"), "{text}");

    let refused = |options: ExplorerOptions| {
        let session = &session;
        async move {
            message(
                explorer::explore(session, &options)
                    .await
                    .expect_err("refused"),
            )
        }
    };
    let text = refused(ExplorerOptions {
        from: Some(date("2026-10-01")),
        to: Some(date("2026-09-01")),
        ..ExplorerOptions::default()
    })
    .await;
    assert!(
        text.contains("2026-10-01") && text.contains("2026-09-01"),
        "{text}"
    );
    let text = refused(ExplorerOptions {
        from: Some(date("2027-01-01")),
        ..ExplorerOptions::default()
    })
    .await;
    assert!(text.contains("2027-01-01"), "{text}");
    let text = refused(ExplorerOptions {
        group_by: dims(&["service", "region", "az", "operation"]),
        ..ExplorerOptions::default()
    })
    .await;
    assert!(text.contains("at most 3"), "{text}");
    let text = refused(ExplorerOptions {
        group_by: dims(&["az", "availability-zone"]),
        ..ExplorerOptions::default()
    })
    .await;
    assert!(text.contains("twice"), "{text}");
    let text = refused(ExplorerOptions {
        top: Some(0),
        ..ExplorerOptions::default()
    })
    .await;
    assert!(text.contains("top"), "{text}");
}

#[tokio::test]
async fn json_rows_are_flat_objects_named_by_column() {
    let session = fixture::admin_session().await;
    let report = explore(
        &session,
        &ExplorerOptions {
            group_by: dims(&["account", "tag:team"]),
            from: Some(date("2026-10-01")),
            to: Some(date("2026-11-01")),
            top: Some(2),
            compare: Some(Compare::PreviousPeriod),
            ..ExplorerOptions::default()
        },
    )
    .await;
    let json = serde_json::to_value(&report).expect("json");
    assert_eq!(json["measure"], "unblended");
    assert_eq!(json["granularity"], "monthly");
    assert_eq!(json["group_by"], serde_json::json!(["account", "tag:team"]));
    assert_eq!(
        json["columns"],
        serde_json::json!([
            "period",
            "account",
            "account_name",
            "tag:team",
            "amount",
            "unit"
        ])
    );
    assert_eq!(json["from"], "2026-10-01");
    assert_eq!(json["to"], "2026-11-01");
    let first = &json["rows"][0];
    assert_eq!(first["period"], "2026-10-01");
    assert_eq!(first["account"], report.rows[0].dimensions[0].as_str());
    assert_eq!(first["tag:team"], report.rows[0].dimensions[2].as_str());
    assert_eq!(first["amount"].as_f64(), Some(report.rows[0].amount));
    assert_eq!(first["unit"], "USD");
    assert_eq!(json["totals"][0]["unit"], "USD");
    let comparison = &json["comparison"];
    assert_eq!(comparison["from"], "2026-09-01");
    assert_eq!(comparison["rows"][0]["unit"], "USD");
    assert!(comparison["rows"][0]["current"].is_number());
    assert!(comparison["rows"][0].get("change_pct").is_some());
    assert!(comparison["totals"][0]["change"].is_number());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// Whatever a filter value holds (quotes, `%`, `--`, backslashes), it stays a value:
    /// the query runs and keeps only rows whose tag matches it.
    #[test]
    fn any_filter_value_is_quoted(value in "[^,]{1,12}") {
        proptest::prop_assume!(!value.trim().is_empty());
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let report = runtime.block_on(async {
            let session = fixture::admin_session().await;
            explorer::explore(
                &session,
                &ExplorerOptions {
                    group_by: dims(&["tag:team"]),
                    filters: vec![Filter {
                        dimension: Dimension::Tag("team".into()),
                        exclude: false,
                        values: vec![value.trim().to_string()],
                    }],
                    ..ExplorerOptions::default()
                },
            )
            .await
        });
        let report = report.expect("a filter value never breaks the query");
        let pattern = value.trim().contains('%');
        for row in &report.rows {
            proptest::prop_assert!(pattern || row.dimensions[0] == value.trim());
        }
    }
}
