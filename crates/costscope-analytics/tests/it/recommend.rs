//! Tests of `costscope_analytics::recommend` over the generated organisation: savings against
//! hand-written SQL × the price table, the stories the generator plants, no saving counted
//! twice, the lifecycle in a real store, and realized savings of clickstream's move to m7g.

use std::collections::BTreeSet;

use chrono::{Duration, NaiveDate};
use costscope_analytics::recommend::{
    self, Category, Change, RecommendOptions, RecommendReport, Recommendation, Status,
};
use costscope_analytics::records::query;
use costscope_core::prices::PriceTable;
use costscope_query::Session;
use costscope_store::Store;
use serde::Deserialize;

use crate::fixture;

async fn report(
    session: &Session,
    store: Option<&Store>,
    as_of: Option<NaiveDate>,
) -> RecommendReport {
    recommend::recommend(
        session,
        store,
        &RecommendOptions {
            as_of,
            ..RecommendOptions::default()
        },
    )
    .await
    .expect("recommend")
}

#[derive(Deserialize)]
struct Last {
    last: String,
}

async fn last_day(session: &Session) -> NaiveDate {
    let rows: Vec<Last> = query(
        session,
        "SELECT CAST(CAST(max(line_item_usage_start_date) AS DATE) AS VARCHAR) AS last FROM cur",
    )
    .await
    .expect("last day");
    NaiveDate::parse_from_str(&rows[0].last, "%Y-%m-%d").expect("date")
}

/// Every recommendation by rule and resource, the counted ones and their alternatives.
fn saving_of(report: &RecommendReport, rule: &str, resource: &str) -> Option<f64> {
    report.recommendations.iter().find_map(|r| {
        if r.rule == rule && r.resource_id == resource {
            return Some(r.monthly_saving);
        }
        if r.resource_id == resource {
            return r
                .alternatives
                .iter()
                .find(|a| a.rule == rule)
                .map(|a| a.monthly_saving);
        }
        None
    })
}

fn find<'a>(report: &'a RecommendReport, rule: &str, account: &str) -> Vec<&'a Recommendation> {
    report
        .recommendations
        .iter()
        .filter(|r| r.rule == rule && r.account_id == account)
        .collect()
}

#[derive(Deserialize)]
struct Volume {
    resource_id: String,
    gb_months: f64,
}

#[tokio::test]
async fn gp2_to_gp3_savings_equal_hand_written_sql_times_the_price_table() {
    let session = fixture::admin_session().await;
    let last = last_day(&session).await;
    let from = last - Duration::days(29);
    let to = last + Duration::days(1);
    let volumes: Vec<Volume> = query(
        &session,
        &format!(
            "SELECT line_item_resource_id AS resource_id, sum(line_item_usage_amount) AS gb_months
             FROM cur
             WHERE line_item_usage_start_date >= TIMESTAMP '{from} 00:00:00'
               AND line_item_usage_start_date < TIMESTAMP '{to} 00:00:00'
               AND line_item_usage_type LIKE '%EBS:VolumeUsage.gp2'
               AND line_item_line_item_type = 'Usage'
             GROUP BY 1"
        ),
    )
    .await
    .expect("gp2 volumes");
    assert!(!volumes.is_empty(), "the fixture has gp2 volumes");
    let prices = PriceTable::aws_us_east_1();
    let (gp2, gp3) = (
        prices.get("ebs/gp2").unwrap(),
        prices.get("ebs/gp3").unwrap(),
    );
    let report = report(&session, None, None).await;
    for v in &volumes {
        let expected = v.gb_months * (gp2 - gp3) * 730.0 / 720.0;
        let got = saving_of(&report, "gp2-to-gp3", &v.resource_id)
            .unwrap_or_else(|| panic!("no gp2-to-gp3 for {}", v.resource_id));
        assert!(
            (got - expected).abs() < 0.011,
            "{}: {got} vs {expected}",
            v.resource_id
        );
    }
}

#[tokio::test]
async fn the_generated_stories_are_recommended() {
    let session = fixture::admin_session().await;
    let report = report(&session, None, None).await;
    let sandbox = "888888888888";
    let previous: Vec<_> = find(&report, "previous-generation", sandbox);
    assert!(
        previous
            .iter()
            .any(|r| r.current.starts_with("m4.") || r.current.starts_with("t2.")),
        "previous generation in Sandbox: {previous:?}"
    );
    assert!(!find(&report, "unattached-volume", sandbox).is_empty());
    assert!(!find(&report, "idle-public-ipv4", sandbox).is_empty());
    assert!(
        report
            .recommendations
            .iter()
            .any(|r| r.rule == "old-snapshot")
    );
    assert!(report.recommendations.iter().any(|r| r.rule == "graviton"));
    assert!(
        report
            .recommendations
            .iter()
            .any(|r| r.rule == "idle-nat-gateway")
    );
    let sales = find(&report, "cheaper-model", "555555555555");
    assert!(
        sales
            .iter()
            .any(|r| r.current.contains("Sonnet") && r.recommended.contains("Haiku")),
        "Sonnet → Haiku for Sales: {sales:?}"
    );
    // Every saving is positive and below the cost it is taken from.
    for r in &report.recommendations {
        assert!(r.monthly_saving > 0.0, "{}", r.id);
        assert!(r.monthly_saving <= r.monthly_cost + 0.01, "{}", r.id);
    }
    // Totals per category add up.
    for c in &report.categories {
        let sum: f64 = report
            .recommendations
            .iter()
            .filter(|r| r.category == c.category)
            .map(|r| r.monthly_saving)
            .sum();
        assert!((sum - c.monthly_saving).abs() < 0.05, "{:?}", c.category);
    }
}

#[tokio::test]
async fn no_resource_counts_the_same_saving_twice() {
    let session = fixture::admin_session().await;
    let report = report(&session, None, None).await;
    let mut seen = BTreeSet::new();
    for r in &report.recommendations {
        assert!(
            seen.insert((r.resource_id.clone(), r.pool.clone())),
            "{} {} counted twice",
            r.resource_id,
            r.pool
        );
        for a in &r.alternatives {
            assert!(a.monthly_saving <= r.monthly_saving);
        }
    }
    // The ids are unique too, and the listing is sorted by category then saving.
    let ids: BTreeSet<_> = report.recommendations.iter().map(|r| &r.id).collect();
    assert_eq!(ids.len(), report.recommendations.len());
    let only_storage = recommend::recommend(
        &session,
        None,
        &RecommendOptions {
            category: Some(Category::Storage),
            ..RecommendOptions::default()
        },
    )
    .await
    .expect("storage");
    assert!(
        only_storage
            .recommendations
            .iter()
            .all(|r| r.category == Category::Storage)
    );
}

#[tokio::test]
async fn the_lifecycle_persists_and_refuses_invalid_transitions() {
    let session = fixture::admin_session().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let options = RecommendOptions::default();
    let before = report(&session, None, None).await;
    let first = before.recommendations[0].id.clone();
    let second = before.recommendations[1].id.clone();
    {
        let store = Store::for_lake(dir.path()).expect("store");
        let r = recommend::transition(&session, &store, &first, Change::Accept, &options)
            .await
            .expect("accept");
        assert_eq!(r.status, Status::Accepted);
        let r = recommend::transition(
            &session,
            &store,
            &second,
            Change::Dismiss("owned by a vendor".into()),
            &options,
        )
        .await
        .expect("dismiss");
        assert_eq!(r.status, Status::Dismissed);
        assert_eq!(r.reason.as_deref(), Some("owned by a vendor"));
    }
    let store = Store::for_lake(dir.path()).expect("reopen");
    let after = report(&session, Some(&store), None).await;
    let status = |id: &str| {
        after
            .recommendations
            .iter()
            .find(|r| r.id == id)
            .unwrap()
            .status
    };
    assert_eq!(status(&first), Status::Accepted);
    assert_eq!(status(&second), Status::Dismissed);
    // dismissed → implemented is refused, and nothing changes.
    let stored = store.list().expect("list");
    let refused = recommend::transition(
        &session,
        &store,
        &second,
        Change::Implement(NaiveDate::from_ymd_opt(2026, 10, 1).unwrap()),
        &options,
    )
    .await;
    assert!(refused.is_err());
    assert_eq!(
        refused.unwrap_err().kind(),
        costscope_core::ErrorKind::Conflict
    );
    // An unknown id is named, and nothing changes.
    let unknown = recommend::transition(
        &session,
        &store,
        "graviton:i-nope",
        Change::Accept,
        &options,
    )
    .await
    .expect_err("unknown id");
    assert!(unknown.to_string().contains("graviton:i-nope"), "{unknown}");
    assert_eq!(unknown.kind(), costscope_core::ErrorKind::NotFound);
    assert_eq!(store.list().expect("list"), stored);
    assert_eq!(store.history(&second).expect("history").len(), 1);
}

#[derive(Deserialize)]
struct Switch {
    day: String,
}

#[derive(Deserialize)]
struct Costs {
    before: Option<f64>,
    after: Option<f64>,
}

#[tokio::test]
async fn clickstreams_move_to_m7g_is_realized_from_the_bill() {
    let session = fixture::admin_session().await;
    let rows: Vec<Switch> = query(
        &session,
        "SELECT CAST(CAST(min(line_item_usage_start_date) AS DATE) AS VARCHAR) AS day FROM cur
         WHERE resource_tags['user_app'] = 'clickstream' AND line_item_usage_type LIKE '%m7g.large'",
    )
    .await
    .expect("switch");
    let switch = NaiveDate::parse_from_str(&rows[0].day, "%Y-%m-%d").expect("date");
    let store = Store::in_memory().expect("store");
    let before_switch = report(&session, Some(&store), Some(switch - Duration::days(1))).await;
    let m5: Vec<_> = before_switch
        .recommendations
        .iter()
        .filter(|r| r.rule == "graviton" && r.app.as_deref() == Some("clickstream"))
        .cloned()
        .collect();
    assert_eq!(m5.len(), 3, "the three clickstream m5.xlarge");
    let options = RecommendOptions {
        as_of: Some(switch - Duration::days(1)),
        ..RecommendOptions::default()
    };
    for r in &m5 {
        recommend::transition(&session, &store, &r.id, Change::Accept, &options)
            .await
            .expect("accept");
        recommend::transition(&session, &store, &r.id, Change::Implement(switch), &options)
            .await
            .expect("implement");
    }
    let now = report(&session, Some(&store), None).await;
    let realized: f64 = m5
        .iter()
        .map(|r| {
            let shown = now
                .recommendations
                .iter()
                .find(|n| n.id == r.id)
                .expect("implemented stays listed");
            assert_eq!(shown.status, Status::Implemented);
            shown.realized_monthly_saving.expect("realized")
        })
        .sum();
    // Independently: the instances' cost per day in the 14 days before, minus the cost per
    // day after of every clickstream instance first billed on or after the switch.
    let last = last_day(&session).await;
    let after_to = (switch + Duration::days(14)).min(last + Duration::days(1));
    let after_days = (after_to - switch).num_days() as f64;
    let ids: Vec<String> = m5.iter().map(|r| format!("'{}'", r.resource_id)).collect();
    let costs: Vec<Costs> = query(
        &session,
        &format!(
            "SELECT sum(CASE WHEN line_item_resource_id IN ({ids})
                              AND line_item_usage_start_date < TIMESTAMP '{switch} 00:00:00'
                             THEN amortized_cost END) AS before,
                    sum(CASE WHEN line_item_usage_start_date >= TIMESTAMP '{switch} 00:00:00'
                             THEN amortized_cost END) AS after
             FROM cur_amortized
             WHERE line_item_usage_start_date >= TIMESTAMP '{from} 00:00:00'
               AND line_item_usage_start_date < TIMESTAMP '{after_to} 00:00:00'
               AND line_item_usage_account_id = '222222222222'
               AND line_item_resource_id LIKE 'i-%'
               AND (line_item_resource_id IN ({ids}) OR resource_tags['user_app'] = 'clickstream')",
            ids = ids.join(", "),
            from = switch - Duration::days(14),
        ),
    )
    .await
    .expect("costs");
    let before = costs[0].before.unwrap_or(0.0);
    let after = costs[0].after.unwrap_or(0.0);
    let expected = (before / 14.0 - after / after_days) * 730.0 / 24.0;
    assert!(expected > 0.0, "fewer, cheaper instances cost less");
    assert!(
        (realized - expected).abs() < 0.05,
        "realized {realized} vs {expected}"
    );
}

/// The Sandbox's Aurora prototype runs around the clock in a non-production account: its
/// saving from office-hours scheduling is its hourly cost × 730 × (1 − 50/168), from SQL.
#[tokio::test]
async fn non_production_databases_are_stopped_off_hours() {
    let session = fixture::admin_session().await;
    let report = report(&session, None, None).await;
    let from = report.window_from.expect("window");
    let to = report.window_to.expect("window");
    #[derive(Deserialize)]
    struct Row {
        resource: String,
        cost: f64,
        hours: f64,
    }
    let rows: Vec<Row> = query(
        &session,
        &format!(
            "SELECT line_item_resource_id AS resource, sum(amortized_cost) AS cost,
                    CAST(count(DISTINCT line_item_usage_start_date) AS DOUBLE) AS hours
             FROM cur_amortized
             WHERE line_item_usage_account_name = 'Sandbox'
               AND line_item_usage_type LIKE '%InstanceUsage:%'
               AND line_item_usage_start_date >= TIMESTAMP '{from} 00:00:00'
               AND line_item_usage_start_date <= TIMESTAMP '{to} 23:00:00'
             GROUP BY 1"
        ),
    )
    .await
    .expect("prototype hours");
    assert!(!rows.is_empty(), "the Sandbox runs a database");
    for row in &rows {
        let expected = row.cost / row.hours * 730.0 * (1.0 - 50.0 / 168.0);
        let saving = saving_of(&report, "rds-stop-off-hours", &row.resource)
            .unwrap_or_else(|| panic!("no off-hours recommendation for {}", row.resource));
        assert!((saving - expected).abs() < 0.01, "{saving} vs {expected}");
    }
    // Production databases (App-Prod's Aurora) are never scheduled.
    assert!(
        report
            .recommendations
            .iter()
            .filter(|r| r.rule == "rds-stop-off-hours")
            .all(|r| r.account_id == "888888888888")
    );
}
