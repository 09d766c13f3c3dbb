//! Unit cost over the generated organisation, checked against hand-written SQL.

use std::collections::BTreeMap;

use costscope_analytics::records::query;
use costscope_analytics::unit_cost::{
    Classification, Granularity, MetricSource, Scope, Trend, UnitCostOptions, UnitCostReport,
    unit_cost,
};
use costscope_query::Session;
use serde::Deserialize;

use crate::fixture;

fn clickstream(metric: &str) -> UnitCostOptions {
    UnitCostOptions {
        scope: vec!["tag:app=clickstream".parse::<Scope>().expect("scope")],
        ..UnitCostOptions::new(metric)
    }
}

async fn report(options: &UnitCostOptions) -> UnitCostReport {
    let session = fixture::admin_session().await;
    unit_cost(&session, options).await.expect("unit cost")
}

#[derive(Deserialize)]
struct Total {
    period: String,
    total: Option<f64>,
}

/// `period → total` of a query returning (period, total).
async fn totals(session: &Session, sql: &str) -> BTreeMap<String, f64> {
    query::<Total>(session, sql)
        .await
        .expect(sql)
        .into_iter()
        .map(|t| (t.period, t.total.unwrap_or(0.0)))
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
}

#[tokio::test]
async fn clickstream_cost_per_invocation_falls_in_the_last_month() {
    let report = report(&clickstream("invocations")).await;
    let periods: Vec<&str> = report.periods.iter().map(|p| p.period.as_str()).collect();
    assert_eq!(periods, ["2026-08", "2026-09", "2026-10"]);
    assert_eq!(report.metric_source, MetricSource::Business);
    assert_eq!(report.currency.as_deref(), Some("USD"));
    let per_unit: Vec<f64> = report
        .periods
        .iter()
        .map(|p| p.cost_per_unit.expect("invocations every month"))
        .collect();
    assert!(per_unit[2] < per_unit[1], "{per_unit:?}");
    assert_eq!(report.summary.trend, Trend::Falling);
    assert_eq!(report.summary.period.as_deref(), Some("2026-10"));
    assert_eq!(report.summary.previous_period.as_deref(), Some("2026-09"));
    let change = report.summary.cost_per_unit_change.expect("change");
    assert!(close(change, per_unit[2] / per_unit[1] - 1.0));
    let text = &report.summary.text;
    assert!(
        text.starts_with(&format!(
            "cost per invocation fell {:.1}% in 2026-10",
            -change * 100.0
        )),
        "{text}"
    );
    // Invocations kept growing, so the volume effect is positive and efficiency negative.
    let last = report.changes.last().expect("changes");
    assert!(last.units_change > 0.0);
    assert!(last.volume_effect.expect("volume") > 0.0);
    assert!(last.unit_cost_effect.expect("unit cost") < 0.0);
    assert!(
        text.contains("from volume") && text.contains("of revenue"),
        "{text}"
    );
}

#[tokio::test]
async fn cost_units_and_revenue_equal_hand_written_sql() {
    let session = fixture::admin_session().await;
    let report = unit_cost(&session, &clickstream("invocations"))
        .await
        .expect("unit cost");
    let cost = totals(
        &session,
        "SELECT date_format(line_item_usage_start_date, '%Y-%m') AS period, sum(amortized_cost) AS total \
         FROM cur_amortized WHERE resource_tags['user_app'] = 'clickstream' GROUP BY 1",
    )
    .await;
    let metric = |name: &str| {
        format!(
            "SELECT substr(CAST(date AS VARCHAR), 1, 7) AS period, sum(value) AS total \
             FROM business_metrics WHERE metric = '{name}' AND app = 'clickstream' GROUP BY 1"
        )
    };
    let invocations = totals(&session, &metric("invocations")).await;
    let revenue = totals(&session, &metric("revenue")).await;
    assert_eq!(report.periods.len(), cost.len());
    assert_eq!(report.revenue_metric.as_deref(), Some("revenue"));
    for p in &report.periods {
        assert!(close(p.cost, cost[&p.period]), "{}", p.period);
        assert!(close(p.units, invocations[&p.period]), "{}", p.period);
        assert!(close(p.cost_per_unit.expect("units"), p.cost / p.units));
        let r = p.revenue.expect("revenue");
        assert!(close(r, revenue[&p.period]), "{}", p.period);
        assert!(close(p.roi.expect("roi"), (r - p.cost) / p.cost));
        assert!(close(p.margin.expect("margin"), (r - p.cost) / r));
    }
}

#[tokio::test]
async fn static_is_capacity_and_static_plus_variable_is_total() {
    let session = fixture::admin_session().await;
    let report = unit_cost(&session, &clickstream("invocations"))
        .await
        .expect("unit cost");
    // clickstream's capacity: EC2 instance hours, EBS volumes, Aurora instance hours.
    let capacity = totals(
        &session,
        "SELECT date_format(line_item_usage_start_date, '%Y-%m') AS period, sum(amortized_cost) AS total \
         FROM cur_amortized WHERE resource_tags['user_app'] = 'clickstream' \
           AND (line_item_usage_type LIKE '%BoxUsage%' OR line_item_usage_type LIKE '%EBS:%' \
                OR line_item_usage_type LIKE '%InstanceUsage%') GROUP BY 1",
    )
    .await;
    for p in &report.periods {
        assert!(
            close(p.static_cost + p.variable_cost, p.cost),
            "{}",
            p.period
        );
        assert!(close(p.static_cost, capacity[&p.period]), "{}", p.period);
        assert!(p.variable_cost > 0.0);
        assert!(close(
            p.variable_cost_per_unit.expect("units"),
            p.variable_cost / p.units
        ));
    }
}

#[tokio::test]
async fn volume_and_unit_cost_effects_sum_to_the_cost_change() {
    for granularity in [Granularity::Monthly, Granularity::Weekly] {
        let options = UnitCostOptions {
            granularity,
            ..clickstream("invocations")
        };
        let report = report(&options).await;
        assert_eq!(report.changes.len(), report.periods.len() - 1);
        for (change, pair) in report.changes.iter().zip(report.periods.windows(2)) {
            assert_eq!(
                (&change.from, &change.to),
                (&pair[0].period, &pair[1].period)
            );
            assert!(close(change.cost_change, pair[1].cost - pair[0].cost));
            let effects =
                change.volume_effect.expect("volume") + change.unit_cost_effect.expect("rate");
            assert!(close(effects, change.cost_change), "{change:?}");
        }
    }
}

#[tokio::test]
async fn daily_periods_add_up_to_the_months() {
    let monthly = report(&clickstream("invocations")).await;
    let daily = report(&UnitCostOptions {
        granularity: Granularity::Daily,
        ..clickstream("invocations")
    })
    .await;
    assert_eq!(daily.periods.len(), 31 + 30 + 31);
    assert_eq!(daily.periods[0].period, "2026-08-01");
    for month in &monthly.periods {
        let days = daily
            .periods
            .iter()
            .filter(|d| d.period.starts_with(&month.period));
        let (cost, units) = days.fold((0.0, 0.0), |(c, u), d| (c + d.cost, u + d.units));
        assert!(
            close(cost, month.cost) && close(units, month.units),
            "{}",
            month.period
        );
    }
}

#[tokio::test]
async fn lambda_requests_from_the_bill_match_the_reported_invocations() {
    let session = fixture::admin_session().await;
    let bill = unit_cost(&session, &clickstream("lambda-requests"))
        .await
        .expect("unit cost");
    assert_eq!(bill.metric_source, MetricSource::Bill);
    let requests = totals(
        &session,
        "SELECT date_format(line_item_usage_start_date, '%Y-%m') AS period, sum(line_item_usage_amount) AS total \
         FROM cur WHERE resource_tags['user_app'] = 'clickstream' AND line_item_product_code = 'AWSLambda' \
           AND line_item_usage_type IN ('Request', 'Request-ARM') GROUP BY 1",
    )
    .await;
    let business = unit_cost(&session, &clickstream("invocations"))
        .await
        .expect("unit cost");
    for (b, i) in bill.periods.iter().zip(&business.periods) {
        assert!(close(b.units, requests[&b.period]), "{}", b.period);
        assert!(close(b.cost, i.cost));
        // The generator bills the same curve it reports as invocations.
        assert!(
            (b.units / i.units - 1.0).abs() < 1e-6,
            "{} vs {}",
            b.units,
            i.units
        );
    }
    assert_eq!(bill.summary.trend, Trend::Falling);
    assert!(
        bill.summary
            .text
            .starts_with("cost per lambda-request fell")
    );
}

#[tokio::test]
async fn a_classification_file_moves_storage_to_static() {
    let session = fixture::admin_session().await;
    let default = unit_cost(&session, &clickstream("invocations"))
        .await
        .expect("unit cost");
    let classification = Classification::parse(
        "rules:\n  - class: static\n    service: AmazonS3\n    usage_type: \"*TimedStorage*\"\n",
        "classes.yaml",
    )
    .expect("classification");
    let storage_static = unit_cost(
        &session,
        &UnitCostOptions {
            classification,
            ..clickstream("invocations")
        },
    )
    .await
    .expect("unit cost");
    let storage = totals(
        &session,
        "SELECT date_format(line_item_usage_start_date, '%Y-%m') AS period, sum(amortized_cost) AS total \
         FROM cur_amortized WHERE resource_tags['user_app'] = 'clickstream' \
           AND line_item_product_code = 'AmazonS3' AND line_item_usage_type LIKE '%TimedStorage%' GROUP BY 1",
    )
    .await;
    for (d, s) in default.periods.iter().zip(&storage_static.periods) {
        assert!(storage[&d.period] > 0.0);
        assert!(close(s.static_cost, d.static_cost + storage[&d.period]));
        assert!(close(s.cost, d.cost));
    }
}

#[tokio::test]
async fn an_unknown_metric_lists_the_known_ones() {
    let session = fixture::admin_session().await;
    let error = unit_cost(&session, &clickstream("invocashuns"))
        .await
        .expect_err("unknown metric");
    assert_eq!(error.kind(), costscope_core::ErrorKind::User);
    let message = error.to_string();
    for expected in [
        "unknown metric `invocashuns`",
        "invocations",
        "revenue",
        "lambda-requests",
        "bedrock-tokens",
        "s3-gb-month",
    ] {
        assert!(message.contains(expected), "{message}");
    }
}

#[tokio::test]
async fn quoted_scopes_and_scopes_metrics_cannot_follow() {
    let session = fixture::admin_session().await;
    let nobody = UnitCostOptions {
        scope: vec!["tag:app=O'Brien".parse().expect("scope")],
        ..UnitCostOptions::new("invocations")
    };
    let report = unit_cost(&session, &nobody).await.expect("unit cost");
    assert!(report.periods.is_empty());
    assert_eq!(report.summary.trend, Trend::Unknown);

    let account = UnitCostOptions {
        scope: vec!["account=App-Team-Prod".parse().expect("scope")],
        ..UnitCostOptions::new("orders")
    };
    let report = unit_cost(&session, &account).await.expect("unit cost");
    assert_eq!(report.periods.len(), 3);
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("account=App-Team-Prod"))
    );
}

#[tokio::test]
async fn bad_dates_and_granularities_are_refused() {
    let session = fixture::admin_session().await;
    let backwards = UnitCostOptions {
        start: Some(costscope_analytics::unit_cost::parse_day("2026-10-01").expect("day")),
        end: Some(costscope_analytics::unit_cost::parse_day("2026-09-01").expect("day")),
        ..UnitCostOptions::new("invocations")
    };
    let error = unit_cost(&session, &backwards)
        .await
        .expect_err("backwards");
    assert!(error.to_string().contains("not before"), "{error}");
    assert!(costscope_analytics::unit_cost::parse_day("2026-13-01").is_err());
    let hourly = UnitCostOptions {
        granularity: Granularity::Hourly,
        ..UnitCostOptions::new("invocations")
    };
    let error = unit_cost(&session, &hourly).await.expect_err("hourly");
    assert!(error.to_string().contains("`hourly`"), "{error}");
}

#[tokio::test]
async fn bill_metrics_equal_hand_written_sql() {
    let session = fixture::admin_session().await;
    let cases = [
        (
            "bedrock-tokens",
            "sum(CASE WHEN line_item_usage_type LIKE '%-input-tokens' OR line_item_usage_type LIKE '%-output-tokens' \
               THEN line_item_usage_amount * 1000 \
               WHEN line_item_usage_type LIKE '%InputTokenCount%' OR line_item_usage_type LIKE '%OutputTokenCount%' \
               THEN line_item_usage_amount * 1000000 END)",
        ),
        (
            "s3-gb-month",
            "sum(CASE WHEN line_item_product_code = 'AmazonS3' AND line_item_usage_type LIKE '%TimedStorage%' \
               THEN line_item_usage_amount END)",
        ),
    ];
    for (metric, units) in cases {
        let report = unit_cost(&session, &UnitCostOptions::new(metric))
            .await
            .expect(metric);
        let expected = totals(
            &session,
            &format!(
                "SELECT date_format(line_item_usage_start_date, '%Y-%m') AS period, {units} AS total \
                 FROM cur WHERE line_item_line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage') \
                 GROUP BY 1"
            ),
        )
        .await;
        assert_eq!(report.periods.len(), 3, "{metric}");
        for p in &report.periods {
            assert!(expected[&p.period] > 0.0, "{metric}");
            assert!(close(p.units, expected[&p.period]), "{metric} {}", p.period);
        }
    }
}

#[tokio::test]
async fn the_sql_and_the_rust_classification_agree_on_every_usage_type() {
    let session = fixture::admin_session().await;
    let classification = Classification::default();
    #[derive(Deserialize)]
    struct Row {
        service: Option<String>,
        usage_type: Option<String>,
        line_item_type: Option<String>,
        is_static: bool,
    }
    let rows: Vec<Row> = query(
        &session,
        &format!(
            "SELECT DISTINCT line_item_product_code AS service, line_item_usage_type AS usage_type, \
               line_item_line_item_type AS line_item_type, {} AS is_static FROM cur",
            classification.static_predicate()
        ),
    )
    .await
    .expect("classes");
    assert!(rows.len() > 50);
    for row in &rows {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let class = classification.classify(
            &text(&row.service),
            &text(&row.usage_type),
            &text(&row.line_item_type),
        );
        assert_eq!(
            row.is_static,
            class == costscope_analytics::unit_cost::CostClass::Static,
            "{:?} {:?} {:?}",
            row.service,
            row.usage_type,
            row.line_item_type
        );
    }
}
