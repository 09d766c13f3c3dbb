//! SQL over `cur` and `cur_amortized` answered from the rollups: the benchmark's query set
//! and queries at the edges of what a rollup may answer give the same rows both ways, and
//! the rollups answer exactly the queries they can.

use costscope_analytics::records;
use costscope_query::{Engine, Principal, Session};
use serde_json::Value;

use crate::fixture;
use crate::rollups::assert_same;

const QUERY_SET: &str = include_str!("../../../../bench/queries.json");

async fn sessions() -> (Session, Session) {
    let lake = fixture::organisation().await.lake.clone();
    let admin = Principal::admin();
    let rolled = Engine::new(lake.clone())
        .session(&admin)
        .await
        .expect("session");
    let raw = Engine::new(lake)
        .without_rollups()
        .session(&admin)
        .await
        .expect("session");
    (rolled, raw)
}

async fn rows(session: &Session, sql: &str) -> Value {
    let result = session
        .sql(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let rows: Vec<serde_json::Map<String, Value>> = records::decode(&result).expect("decode");
    Value::Array(rows.into_iter().map(Value::Object).collect())
}

/// The rollup whose files the plan of `sql` reads, if any.
async fn rollup_read(session: &Session, sql: &str) -> Option<&'static str> {
    let plan = rows(session, &format!("EXPLAIN {sql}")).await.to_string();
    ["cur_monthly", "cur_daily"]
        .into_iter()
        .find(|table| plan.contains(&format!("/{table}/")))
}

#[tokio::test]
async fn the_query_set_reads_the_rollups_and_agrees_with_the_lines() {
    let (rolled, raw) = sessions().await;
    let queries: Vec<Value> = serde_json::from_str(QUERY_SET).expect("query set");
    for query in &queries {
        let (name, sql) = (
            query["name"].as_str().expect("name"),
            query["sql"].as_str().expect("sql"),
        );
        // Compared whole: a LIMIT may cut between two groups whose sums are equal but for
        // the last bits, which the order of the additions decides.
        let whole = sql.split(" LIMIT ").next().unwrap_or(sql);
        assert_same(name, &rows(&rolled, whole).await, &rows(&raw, whole).await);
        assert!(
            rollup_read(&rolled, sql).await.is_some(),
            "{name} reads the lines"
        );
        assert_eq!(rollup_read(&raw, sql).await, None);
    }
}

#[tokio::test]
async fn only_what_a_rollup_keeps_is_read_from_it() {
    let (rolled, raw) = sessions().await;
    let cases: [(&str, Option<&str>); 12] = [
        // Months, and what lines of a month share.
        (
            "SELECT billing_period, count(*) AS n, sum(amortized_cost) AS c FROM cur_amortized GROUP BY 1 ORDER BY 1",
            Some("cur_monthly"),
        ),
        (
            "SELECT count(*) AS n, sum(line_item_unblended_cost) AS c FROM cur WHERE billing_period = '1999-01'",
            Some("cur_monthly"),
        ),
        (
            "SELECT product['product_name'] AS p, max(line_item_usage_account_name) AS a, count(DISTINCT line_item_usage_type) AS t FROM cur GROUP BY 1 ORDER BY 1",
            Some("cur_monthly"),
        ),
        (
            "SELECT date_format(line_item_usage_start_date, '%Y-%m') AS m, sum(CASE WHEN line_item_line_item_type = 'Usage' THEN pricing_public_on_demand_cost ELSE 0 END) AS c FROM cur WHERE line_item_usage_start_date >= TIMESTAMP '2026-09-01 00:00:00' GROUP BY 1 ORDER BY 1",
            Some("cur_monthly"),
        ),
        // Days, resources.
        (
            "SELECT CAST(line_item_usage_start_date AS DATE) AS d, sum(line_item_usage_amount) AS u FROM cur WHERE line_item_usage_start_date < TIMESTAMP '2026-10-15 00:00:00' GROUP BY 1 ORDER BY 1",
            Some("cur_daily"),
        ),
        (
            "SELECT count(DISTINCT line_item_resource_id) AS r, min(line_item_usage_type) AS u \
             FROM cur AS c WHERE c.line_item_product_code = 'AmazonEC2'",
            Some("cur_daily"),
        ),
        (
            "SELECT resource_tags['user_team'] AS t, count(DISTINCT line_item_resource_id) AS r FROM cur GROUP BY 1 ORDER BY 1",
            Some("cur_daily"),
        ),
        // Hours, a bound inside a day, a measure as a dimension, an average, every key.
        (
            "SELECT date_trunc('hour', line_item_usage_start_date) AS h, sum(line_item_unblended_cost) AS c FROM cur GROUP BY 1 ORDER BY 1 LIMIT 5",
            None,
        ),
        (
            "SELECT count(*) AS n FROM cur WHERE line_item_usage_start_date > TIMESTAMP '2026-09-01 00:00:00'",
            None,
        ),
        (
            "SELECT count(*) AS n FROM cur WHERE line_item_unblended_cost > 1",
            None,
        ),
        ("SELECT avg(line_item_unblended_cost) AS a FROM cur", None),
        (
            "SELECT t.k AS k, sum(line_item_unblended_cost) AS c FROM cur CROSS JOIN UNNEST(resource_tags) AS t(k, v) GROUP BY 1 ORDER BY 1",
            None,
        ),
    ];
    for (sql, expected) in cases {
        assert_same(sql, &rows(&rolled, sql).await, &rows(&raw, sql).await);
        assert_eq!(rollup_read(&rolled, sql).await, expected, "{sql}");
    }
}
