//! The attack catalogue of `testdata/access/attacks.txt`, as the App Team analyst, over
//! HTTP and over the PostgreSQL protocol (real psql), and every analysis endpoint: nothing
//! shows a hidden account, column, table or the lake's path.

use std::path::PathBuf;

use crate::fixture::{self, ADMIN, ANALYST, ANALYST_NAME, STRANGER, TestServer};

struct Attack {
    name: String,
    expect: String,
    sql: String,
}

fn catalogue(hidden_account: &str) -> Vec<Attack> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/access/attacks.txt");
    std::fs::read_to_string(&path)
        .expect("attack catalogue")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|line| {
            let parts: Vec<&str> = line.splitn(3, " | ").collect();
            Attack {
                name: parts[0].trim().into(),
                expect: parts[1].trim().into(),
                sql: parts[2].trim().replace("{hidden_account}", hidden_account),
            }
        })
        .collect()
}

/// Names of accounts the analyst may not see, and the rows it may.
async fn secrets(server: &TestServer) -> (Vec<String>, String) {
    let names = server
        .app_rows(
            "SELECT DISTINCT line_item_usage_account_name FROM cur \
             WHERE line_item_usage_account_name NOT LIKE 'App-Team-%' ORDER BY 1",
        )
        .await
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    let visible = server
        .app_rows("SELECT COUNT(*) FROM cur WHERE line_item_usage_account_name LIKE 'App-Team-%'")
        .await[0][0]
        .clone();
    (names, visible)
}

/// What `shown` reveals that `sql` did not name itself.
fn leaks(server: &TestServer, hidden: &[String], sql: &str, shown: &str) -> Vec<String> {
    let lake = server.lake.display().to_string();
    let names = [
        "line_item_unblended_rate",
        "line_item_blended_rate",
        "pricing_public_on_demand_rate",
        "user_department",
        "flow_logs",
        "inventory",
        lake.as_str(),
    ];
    let sql_lower = sql.to_lowercase();
    hidden
        .iter()
        .map(String::as_str)
        .chain(names)
        .filter(|s| !sql_lower.contains(&s.to_lowercase()) && shown.contains(*s))
        .map(String::from)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_attack_leaks_over_http() {
    let server = fixture::start().await;
    let (hidden, visible) = secrets(&server).await;
    let mut failures = Vec::new();
    let attacks = catalogue(&hidden[0]);
    assert!(attacks.len() >= 40);
    for attack in attacks {
        let body = serde_json::json!({ "sql": attack.sql }).to_string();
        let (status, text) = server.post("/api/v1/sql", ANALYST, &body).await;
        for leak in leaks(&server, &hidden, &attack.sql, &text) {
            failures.push(format!("{}: shows {leak}", attack.name));
        }
        let ok = status == 200;
        let wrong = match attack.expect.as_str() {
            "ok" | "oracle" if !ok => Some(format!("{status} {text}")),
            "error" if ok => Some("succeeded".to_string()),
            "error" if status >= 500 => Some(format!(
                "{status}: an attack is a bad request, not a failure"
            )),
            "count" if !text.contains(&format!("[[{visible}]]")) => {
                Some(format!("{text} ≠ {visible}"))
            }
            _ => None,
        };
        if let Some(wrong) = wrong {
            failures.push(format!("{}: {wrong}", attack.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_attack_leaks_over_the_postgresql_protocol() {
    let server = fixture::start().await;
    let (hidden, visible) = secrets(&server).await;
    let mut failures = Vec::new();
    for attack in catalogue(&hidden[0]) {
        let output = server.psql(ANALYST_NAME, ANALYST, &["-c", &attack.sql]);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        for leak in leaks(&server, &hidden, &attack.sql, &text) {
            failures.push(format!("{}: shows {leak}", attack.name));
        }
        let ok = output.status.success();
        let wrong = match attack.expect.as_str() {
            "ok" | "oracle" if !ok => Some(text.clone()),
            // The wire layer answers client-session statements itself (SET, SHOW of client
            // settings) without the engine: those may succeed, showing nothing.
            "error" if ok && !attack.sql.starts_with("SET") => Some(format!("succeeded: {text}")),
            "count" if text.trim() != visible => Some(format!("{text} ≠ {visible}")),
            _ => None,
        };
        if let Some(wrong) = wrong {
            failures.push(format!("{}: {wrong}", attack.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analysis_endpoints_answer_from_the_analysts_rows() {
    let server = fixture::start().await;
    let (hidden, _) = secrets(&server).await;
    let calls = [
        ("/api/v1/cost", r#"{"group_by": ["account"]}"#),
        (
            "/api/v1/cost",
            r#"{"group_by": ["service", "account"], "granularity": "daily"}"#,
        ),
        ("/api/v1/tags", "{}"),
        ("/api/v1/score", "{}"),
        ("/api/v1/recommend", "{}"),
        ("/api/v1/anomalies", "{}"),
        ("/api/v1/genai", "{}"),
    ];
    for (path, body) in calls {
        let (status, text) = server.post(path, ANALYST, body).await;
        assert!(status == 200 || status == 400, "{path}: {status} {text}");
        let shown = leaks(&server, &hidden, body, &text);
        assert!(shown.is_empty(), "{path} shows {shown:?}: {text}");
        let (admin_status, admin_text) = server.post(path, ADMIN, body).await;
        assert_eq!(admin_status, status, "{path}: {admin_text}");
    }
    for path in ["/api/v1/tables", "/api/v1/whoami"] {
        let (status, text) = server.get(path, ANALYST).await;
        assert_eq!(status, 200, "{path}: {text}");
        let shown = leaks(&server, &hidden, "", &text);
        assert!(shown.is_empty(), "{path} shows {shown:?}: {text}");
    }
    let (_, everything) = server
        .post("/api/v1/cost", ADMIN, r#"{"group_by": ["account"]}"#)
        .await;
    assert!(
        hidden.iter().any(|h| everything.contains(h.as_str())),
        "the check can see leaks"
    );
    // A principal with no grant sees no table at all.
    let (status, text) = server
        .post("/api/v1/sql", STRANGER, r#"{"sql": "SELECT * FROM cur"}"#)
        .await;
    assert_eq!(status, 400, "{text}");
    let (status, text) = server
        .post("/api/v1/sql", STRANGER, r#"{"sql": "SHOW TABLES"}"#)
        .await;
    assert_eq!(status, 200, "{text}");
    assert!(!text.contains("\"cur\""), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_changes_need_a_role_that_may_change_state() {
    let server = fixture::start().await;
    let (status, text) = server
        .post(
            "/api/v1/anomalies/does-not-matter/feedback",
            ANALYST,
            r#"{"state": "expected"}"#,
        )
        .await;
    assert_eq!(status, 403, "{text}");
}
