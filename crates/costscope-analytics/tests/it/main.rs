//! Analyses over a real lake: a generated organisation ingested with the production
//! ingest and queried through an administrator's session.

mod allocation;
mod anomalies;
mod budgets;
mod efficiency;
mod explorer;
mod fixture;
mod forecast;
mod forecast_changes;
mod genai;
mod network;
mod optimizer_imports;
mod recommend;
mod report;
mod rollup_sql;
mod rollups;
mod tags;
mod unit_cost;

#[tokio::test]
async fn the_shared_organisation_bills_eight_accounts() {
    let session = fixture::admin_session().await;
    let result = session
        .sql("SELECT count(DISTINCT line_item_usage_account_id) AS accounts FROM cur")
        .await
        .expect("query");
    #[derive(serde::Deserialize)]
    struct Row {
        accounts: i64,
    }
    let rows: Vec<Row> = costscope_analytics::records::decode(&result).expect("decode");
    assert_eq!(rows[0].accounts, 8);
    assert!(!fixture::organisation().await.summary.periods.is_empty());
}
