//! Tests of `costscope_analytics::genai`.

use costscope_analytics::genai::{self, GenaiOptions, GroupBy};
use costscope_analytics::records::query;
use serde::Deserialize;

use crate::fixture::admin_session;

async fn report(group_by: Vec<GroupBy>) -> genai::GenaiReport {
    let session = admin_session().await;
    genai::genai(
        &session,
        &GenaiOptions {
            group_by,
            ..GenaiOptions::default()
        },
    )
    .await
    .expect("genai")
}

#[tokio::test]
async fn sales_pays_about_three_times_dev_for_similar_tokens_because_of_the_model() {
    let report = report(vec![GroupBy::Department]).await;
    let find = |d: &str| {
        report
            .departments
            .iter()
            .find(|x| x.department == d)
            .expect(d)
            .clone()
    };
    let (sales, dev) = (find("Sales"), find("Dev"));
    let cost_ratio = sales.cost / dev.cost;
    let token_ratio = sales.tokens / dev.tokens;
    assert!((2.5..3.5).contains(&cost_ratio), "{cost_ratio}");
    assert!((0.75..1.33).contains(&token_ratio), "{token_ratio}");
    let comparison = report
        .comparisons
        .iter()
        .find(|c| c.higher == "Sales" && c.lower == "Dev")
        .expect("Sales vs Dev compared");
    assert!(
        comparison.why.contains("Sonnet") && comparison.why.contains("Haiku"),
        "{}",
        comparison.why
    );
}

#[tokio::test]
async fn marketplace_models_are_third_party_and_totals_match_the_cur() {
    let report = report(vec![GroupBy::Provider, GroupBy::Model]).await;
    let third: Vec<_> = report
        .rows
        .iter()
        .filter(|r| r.group.starts_with("third-party"))
        .collect();
    assert_eq!(third.len(), 1, "{:?}", report.rows);
    assert!(third[0].group.contains("Nemotron"), "{}", third[0].group);

    #[derive(Deserialize)]
    struct Total {
        bedrock: Option<f64>,
        marketplace: Option<f64>,
    }
    let session = admin_session().await;
    let rows: Vec<Total> = query(
        &session,
        "SELECT sum(CASE WHEN line_item_product_code LIKE 'AmazonBedrock%' THEN amortized_cost END) AS bedrock, \
                sum(CASE WHEN bill_billing_entity = 'AWS Marketplace' \
                          AND product['product_name'] LIKE '%(Amazon Bedrock Edition)' THEN amortized_cost END) AS marketplace \
         FROM cur_amortized WHERE line_item_line_item_type <> 'Tax'",
    )
    .await
    .expect("hand SQL");
    let bedrock = rows[0].bedrock.unwrap_or(0.0);
    let marketplace = rows[0].marketplace.unwrap_or(0.0);
    assert!(marketplace > 0.0);
    assert!((report.total.cost - (bedrock + marketplace)).abs() < 1e-6);
    assert!((third[0].cost - marketplace).abs() < 1e-6);
    let rows_sum: f64 = report.rows.iter().map(|r| r.cost).sum();
    assert!((rows_sum - report.total.cost).abs() < 1e-6);
}

#[tokio::test]
async fn cache_savings_tokens_and_attribution() {
    let report = report(vec![GroupBy::Profile]).await;
    // Cache reads were billed at a tenth of input: savings are nine times their cost.
    let by_pricing = self::report(vec![GroupBy::PricingModel]).await;
    let cache = by_pricing
        .rows
        .iter()
        .find(|r| r.group == "cache-read")
        .expect("cache reads");
    assert!(cache.cache_read_tokens > 0.0);
    assert!(
        (cache.cache_savings / cache.cost - 9.0).abs() < 0.01,
        "{cache:?}"
    );
    // Every line comes from an application inference profile.
    assert!(!report.unattributed_flag);
    assert!(
        report
            .rows
            .iter()
            .all(|r| r.group.starts_with("application-inference-profile/"))
    );
    let tokens: f64 = report.rows.iter().map(|r| r.tokens).sum();
    assert!((tokens - report.total.tokens).abs() < 1.0);
    let per_million = report.total.cost / report.total.tokens * 1e6;
    assert!((report.total.cost_per_million_tokens.expect("rate") - per_million).abs() < 1e-9);
}

#[test]
fn unknown_groupings_are_refused() {
    let error = "colour".parse::<GroupBy>().expect_err("unknown");
    assert!(error.to_string().contains("colour"));
    assert_eq!(
        "tag:project".parse::<GroupBy>().ok(),
        Some(GroupBy::Tag("project".into()))
    );
}
