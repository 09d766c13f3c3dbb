//! The HTTP API against the app it serves.

use std::collections::BTreeSet;

use arrow::ipc::reader::StreamReader;
use costscope_query::QueryResult;
use costscope_server::http::routes::{Shape, Verb, routes};
use serde_json::{Value, json};

use crate::fixture::{self, ADMIN, UNKNOWN};
use crate::rows::{as_text, assert_same, json_as_text};

/// Accounts, line counts and rounded cost: text, integers and doubles.
pub const BY_ACCOUNT: &str = "SELECT line_item_usage_account_name AS account, count(*) AS lines, \
     round(sum(line_item_unblended_cost), 4) AS cost, min(line_item_usage_start_date) AS first \
     FROM cur GROUP BY 1 ORDER BY 1";

fn parse(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

#[tokio::test]
async fn sql_over_http_answers_the_rows_of_the_app() {
    let server = fixture::start().await;
    let expected = server.app_rows(BY_ACCOUNT).await;
    let body = json!({ "sql": BY_ACCOUNT }).to_string();
    let (status, text) = server.post("/api/v1/sql", ADMIN, &body).await;
    assert_eq!(status, 200, "{text}");
    let answer = parse(&text);
    let columns: Vec<&str> = answer["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    assert_eq!(columns, ["account", "lines", "cost", "first"]);
    assert_eq!(answer["columns"][1]["type"], "Int64");
    assert_eq!(answer["columns"][2]["type"], "Float64");
    let rows = json_as_text(&answer["rows"]);
    // Timestamps are ISO text in JSON: compare the other columns as numbers or text.
    let strip = |rows: &[Vec<String>]| -> Vec<Vec<String>> {
        rows.iter().map(|r| r[..3].to_vec()).collect()
    };
    assert_same(&strip(&expected), &strip(&rows), "HTTP JSON rows");
}

#[tokio::test]
async fn arrow_ipc_carries_the_same_batches() {
    let server = fixture::start().await;
    let expected = server.app_rows(BY_ACCOUNT).await;
    let response = server
        .client()
        .post(server.url("/api/v1/sql"))
        .bearer_auth(ADMIN)
        .header("accept", "application/vnd.apache.arrow.stream")
        .body(json!({ "sql": BY_ACCOUNT }).to_string())
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.apache.arrow.stream"
    );
    let bytes = response.bytes().await.expect("body");
    let reader = StreamReader::try_new(std::io::Cursor::new(bytes.to_vec()), None).expect("ipc");
    let schema = reader.schema();
    let batches = reader.collect::<Result<Vec<_>, _>>().expect("batches");
    let result = QueryResult::new(schema, batches);
    assert_same(&expected, &as_text(&result), "Arrow IPC rows");
}

#[tokio::test]
async fn a_missing_or_unknown_credential_is_401() {
    let server = fixture::start().await;
    let response = server
        .client()
        .post(server.url("/api/v1/cost"))
        .body("{}")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 401);
    assert!(response.headers().contains_key("www-authenticate"));
    let answer = parse(&response.text().await.expect("body"));
    assert_eq!(answer["error"]["kind"], "unauthenticated");

    for token in [UNKNOWN, "", "a.b.c"] {
        let (status, text) = server
            .post("/api/v1/sql", token, r#"{"sql": "SELECT 1"}"#)
            .await;
        assert_eq!(status, 401, "{token}: {text}");
        assert_eq!(parse(&text)["error"]["kind"], "unauthenticated", "{text}");
    }
    let (status, text) = server.get("/metrics", UNKNOWN).await;
    assert_eq!(status, 200, "metrics need no credential");
    assert!(
        text.contains("costscope_denials_total{workgroup=\"none\",kind=\"unauthenticated\"}"),
        "{text}"
    );
}

#[tokio::test]
async fn malformed_bodies_are_400_naming_the_field() {
    let server = fixture::start().await;
    for (path, body, needle) in [
        ("/api/v1/cost", r#"{"colour": "red"}"#, "colour"),
        ("/api/v1/cost", r#"{"group_by": "service"}"#, "group_by"),
        (
            "/api/v1/cost",
            r#"{"group_by": ["service"], "top": -1}"#,
            "top",
        ),
        ("/api/v1/sql", r#"{"query": "SELECT 1"}"#, "query"),
        ("/api/v1/sql", r#"{}"#, "sql"),
        ("/api/v1/sql", r#"{"sql": "SELECT 1""#, "EOF"),
        (
            "/api/v1/whois",
            r#"{"ip": "10.0.0.1", "when": "now"}"#,
            "when",
        ),
    ] {
        let (status, text) = server.post(path, ADMIN, body).await;
        assert_eq!(status, 400, "{path} {body}: {text}");
        let answer = parse(&text);
        assert_eq!(answer["error"]["kind"], "user", "{text}");
        let message = answer["error"]["message"].as_str().expect("message");
        assert!(message.contains(needle), "{body}: {message}");
    }
}

#[tokio::test]
async fn errors_carry_their_kind_and_status() {
    let server = fixture::start().await;
    let (status, text) = server
        .post("/api/v1/sql", ADMIN, r#"{"sql": "SELEC 1"}"#)
        .await;
    assert_eq!(
        (status, parse(&text)["error"]["kind"].clone()),
        (400, json!("user")),
        "{text}"
    );
    let (status, text) = server
        .post(
            "/api/v1/sql",
            ADMIN,
            r#"{"sql": "SELECT * FROM no_such_table"}"#,
        )
        .await;
    assert_eq!(status, 400, "{text}");
    let (status, text) = server.get("/api/v1/anomalies/an-nope", ADMIN).await;
    assert_eq!(
        (status, parse(&text)["error"]["kind"].clone()),
        (404, json!("not-found")),
        "{text}"
    );
    let (status, text) = server.get("/api/v1/no-such-endpoint", ADMIN).await;
    assert_eq!(status, 404, "{text}");
    assert_eq!(parse(&text)["error"]["kind"], "not-found");
    let (status, text) = server
        .post("/api/v1/sql", ADMIN, r#"{"sql": "DROP TABLE cur"}"#)
        .await;
    assert!(status == 400 || status == 403, "{status}: {text}");
}

/// The body each route is called with (`{id}` is replaced by a real id).
fn body_for(path: &str, labels: &str) -> Option<String> {
    const ALLOCATION: &str = include_str!("../../../../examples/allocation.yaml");
    Some(match path {
        "/api/v1/sql" => json!({"sql": "SELECT 1 AS one"}).to_string(),
        "/api/v1/allocate" => {
            json!({"rules": {"origin": "allocation.yaml", "text": ALLOCATION}}).to_string()
        }
        "/api/v1/tags" => json!({"required": ["team"]}).to_string(),
        "/api/v1/unit-cost" => {
            json!({"metric": "lambda-requests", "scope": ["tag:app=clickstream"]}).to_string()
        }
        "/api/v1/budgets" => {
            json!({"scope": "account=App-Team-Prod", "amount": 13000, "period": "monthly"})
                .to_string()
        }
        "/api/v1/anomalies" => json!({"all": true}).to_string(),
        "/api/v1/anomalies/evaluate" => {
            json!({"labels": {"origin": "labels.json", "text": labels}}).to_string()
        }
        "/api/v1/anomalies/{id}/feedback" => {
            json!({"state": "confirmed", "note": "seen in the test"}).to_string()
        }
        "/api/v1/recommendations/{id}/dismiss" => json!({"reason": "later"}).to_string(),
        "/api/v1/whois" => return None,
        _ => String::new(),
    })
}

#[tokio::test]
async fn every_route_answers() {
    let mut server = fixture::start_private().await;
    let labels = std::fs::read_to_string(fixture::shared_data().await.join("labels.json"))
        .expect("labels.json");
    let (_, anomalies) = server
        .post("/api/v1/anomalies", ADMIN, r#"{"all": true}"#)
        .await;
    let anomaly = parse(&anomalies)["anomalies"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("an anomaly in the demo: {anomalies}"))
        .to_string();
    let (_, recommended) = server.post("/api/v1/recommend", ADMIN, "{}").await;
    let recommended = parse(&recommended);
    let ids: Vec<String> = recommended["recommendations"]
        .as_array()
        .unwrap_or_else(|| panic!("recommendations: {recommended}"))
        .iter()
        .take(2)
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect();
    assert_eq!(ids.len(), 2, "two recommendations in the demo");
    let ip = server
        .app_rows("SELECT ip_address FROM inventory WHERE ip_address IS NOT NULL LIMIT 1")
        .await[0][0]
        .clone();

    // Lifecycle changes in an order the recommendation lifecycle allows.
    let order = [
        "/api/v1/recommendations/{id}/accept",
        "/api/v1/recommendations/{id}/implement",
        "/api/v1/recommendations/{id}/dismiss",
        "/api/v1/recommendations/{id}/reopen",
    ];
    let mut routes = routes();
    routes.sort_by_key(|r| order.iter().position(|p| *p == r.endpoint.path));
    let mut answered = BTreeSet::new();
    for route in routes {
        let endpoint = route.endpoint;
        let id = if endpoint.path.starts_with("/api/v1/anomalies/") {
            anomaly.clone()
        } else if matches!(
            endpoint.path,
            "/api/v1/recommendations/{id}/dismiss" | "/api/v1/recommendations/{id}/reopen"
        ) {
            ids[1].clone()
        } else {
            ids[0].clone()
        };
        let path = endpoint
            .path
            .replace("{id}", &id)
            .replace("{file}", "core.js");
        let body =
            body_for(endpoint.path, &labels).unwrap_or_else(|| json!({"ip": ip}).to_string());
        let (status, text) = match endpoint.verb {
            Verb::Get => server.get(&path, ADMIN).await,
            Verb::Post => server.post(&path, ADMIN, &body).await,
        };
        assert_eq!(status, 200, "{} {path}: {text}", endpoint.verb.name());
        // JSON answers parse; the dashboard's page and files are HTML, scripts, text.
        let json = !matches!(endpoint.response, Shape::Text(_) | Shape::Files(_));
        if json && !matches!(endpoint.path, "/healthz" | "/metrics") {
            parse(&text);
        }
        answered.insert(endpoint.path);
    }
    assert!(answered.len() >= 30, "{answered:?}");
    let (_, metrics) = server.get("/metrics", ADMIN).await;
    for call in [
        "cost",
        "network-cross-az",
        "change-recommendation",
        "anomaly-feedback",
    ] {
        assert!(
            metrics.contains(&format!("call=\"{call}\",workgroup=")),
            "{call} counted: {metrics}"
        );
    }
    server.shutdown().await;
}
