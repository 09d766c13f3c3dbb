//! The web dashboard in a real browser: headless Chromium, driven by Playwright for Python
//! (`dashboard/browser.py`), against a real server; what it saw is compared with the API's
//! answers to the same principals.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::fixture::{
    self, ADMIN, ADMIN_NAME, ANALYST, ANALYST_NAME, AUDIENCE, ISSUER, TestServer,
};

/// The Python with Playwright that `scripts/test` prepares; fails the test when absent.
fn playwright_python() -> PathBuf {
    let path = fixture::python();
    let found = Command::new(&path)
        .args(["-c", "import playwright.sync_api"])
        .output();
    assert!(
        found.as_ref().is_ok_and(|o| o.status.success()),
        "{} cannot import playwright: the dashboard tests need it (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
         pip install playwright in the venv scripts/test creates)",
        path.display()
    );
    path
}

/// The system's Chromium (no browser is downloaded).
fn chromium() -> PathBuf {
    let path = std::env::var_os("COSTSCOPE_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.exists(),
        "{} is missing: the dashboard tests need Chromium (apt-get install chromium; scripts/test does)",
        path.display()
    );
    path
}

fn here(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/dashboard")
        .join(name)
}

fn document(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("example document");
    json!({"origin": format!("examples/{name}"), "text": text})
}

async fn call(server: &TestServer, path: &str, token: &str, body: Value) -> Value {
    let (status, text) = server.post(path, token, &body.to_string()).await;
    assert_eq!(status, 200, "{path} {body}: {text}");
    serde_json::from_str(&text).expect("JSON")
}

/// The named table of a snapshot: its rows of `{text, value}` cells.
fn table<'a>(snapshot: &'a Value, name: &str) -> &'a Vec<Value> {
    snapshot["tables"]
        .as_array()
        .and_then(|tables| tables.iter().find(|t| t["name"] == name))
        .and_then(|t| t["rows"].as_array())
        .unwrap_or_else(|| panic!("no table {name} in {}", snapshot["panels"]))
}

fn column_values(rows: &[Value], column: usize) -> Vec<f64> {
    rows.iter()
        .map(|row| row[column]["value"].as_f64().expect("a number"))
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

fn assert_close(seen: &[f64], expected: &[f64], what: &str) {
    assert_eq!(
        seen.len(),
        expected.len(),
        "{what}: {seen:?} vs {expected:?}"
    );
    for (s, e) in seen.iter().zip(expected) {
        assert!(close(*s, *e), "{what}: {seen:?} vs {expected:?}");
    }
}

fn sum(values: &[f64]) -> f64 {
    values.iter().sum()
}

/// `/api/v1/{collection}/{id}` with `id` percent-encoded as one path segment
/// (recommendation ids hold resource ids, which may contain `/`).
fn item_path(collection: &str, id: &str) -> String {
    let mut url = url::Url::parse("http://localhost/api/v1/").expect("a URL");
    url.path_segments_mut()
        .expect("a base")
        .pop_if_empty()
        .push(collection)
        .push(id);
    url.path().to_string()
}

/// `text` with every run of white space made one space (as a page lays text out).
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The monthly amounts of a cost report without grouping.
fn monthly(report: &Value) -> Vec<f64> {
    report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["amount"].as_f64().expect("amount"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_each_principal_what_the_api_answers_it() {
    let mut server = fixture::start_private().await;
    let python = playwright_python();
    let chromium = chromium();

    // Every account, as the administrator sees them; the analyst may see App-Team-% only.
    let accounts = call(
        &server,
        "/api/v1/cost",
        ADMIN,
        json!({"group_by": ["account"]}),
    )
    .await;
    let names: BTreeSet<String> = accounts["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["account_name"].as_str().map(String::from))
        .collect();
    let (visible, hidden): (BTreeSet<String>, BTreeSet<String>) =
        names.into_iter().partition(|n| n.starts_with("App-Team-"));
    assert!(
        !visible.is_empty() && !hidden.is_empty(),
        "{visible:?} {hidden:?}"
    );

    // The view reloaded from a URL: its last month, amortized, one App-Team account.
    let months = call(&server, "/api/v1/cost", ADMIN, json!({})).await;
    let last = months["rows"]
        .as_array()
        .expect("rows")
        .last()
        .expect("a month")["period"]
        .as_str()
        .expect("period")
        .to_string();
    let account = visible.iter().next().expect("an App-Team account").clone();
    let to = months["to"].as_str().expect("to").to_string();
    let filters = format!("from={last}&to={to}&measure=amortized&account={account}");

    let url = server.url("");
    let args = [
        "--url".to_string(),
        url,
        "--admin".into(),
        ADMIN.into(),
        "--analyst".into(),
        ANALYST.into(),
        "--chromium".into(),
        chromium.display().to_string(),
        "--axe".into(),
        here("axe-4.14.1.min.js").display().to_string(),
        "--filters".into(),
        filters,
        "--idp-key".into(),
        fixture::fixture("idp-key.der").display().to_string(),
        "--issuer".into(),
        ISSUER.into(),
    ];
    let script = here("browser.py");
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script)
            .args(args)
            .output()
            .expect("run the browser script")
    })
    .await
    .expect("browser script");
    assert!(
        output.status.success(),
        "the browser script failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: Value = serde_json::from_slice(&output.stdout).expect("the script's JSON");
    assert_eq!(
        seen["failures"],
        json!({}),
        "scenarios failed in the browser"
    );

    analyst_sees_only_its_grant(&server, &seen["analyst"], &visible, &hidden).await;
    finops_triages_and_accepts(&server, &seen["admin"]).await;
    the_url_reproduces_the_view(&server, &seen["url_state"], &last, &to, &account).await;

    for (view, width) in seen["phone"].as_object().expect("phone widths") {
        assert!(
            width["scroll"].as_i64() <= width["client"].as_i64(),
            "{view} scrolls sideways on a phone: {width}"
        );
    }
    for (page, violations) in seen["axe"].as_object().expect("axe results") {
        let serious: Vec<&Value> = violations
            .as_array()
            .expect("violations")
            .iter()
            .filter(|v| v["impact"] == "serious" || v["impact"] == "critical")
            .collect();
        assert!(serious.is_empty(), "{page}: {serious:#?}");
    }
    let oidc = &seen["oidc"];
    assert_eq!(oidc["asked"]["response_type"], "id_token", "{oidc}");
    assert_eq!(oidc["asked"]["client_id"], AUDIENCE, "{oidc}");
    // The provider's `finops` group makes carol an administrator.
    assert_eq!(oidc["whoami"], "carol (administrator)", "{oidc}");
    assert_eq!(
        oidc["view"], "genai",
        "back to the link opened before signing in"
    );
    assert_eq!(
        oidc["hash"].as_str().map(|h| h.contains("id_token")),
        Some(false)
    );
    assert_eq!(seen["console_errors"], json!([]), "console errors");
    server.shutdown().await;
}

async fn analyst_sees_only_its_grant(
    server: &TestServer,
    seen: &Value,
    visible: &BTreeSet<String>,
    hidden: &BTreeSet<String>,
) {
    assert_eq!(seen["landing"], "team", "the analyst lands on its team");
    let views = seen["views"].as_object().expect("views");
    for view in ["executive", "team", "finance", "sql"] {
        assert!(views.contains_key(view), "{view} missing: {}", seen["nav"]);
    }
    // The SQL view's history holds the analyst's own queries only (the lake's state may
    // hold earlier ones naming other accounts: their text is the analyst's, not data).
    let history = table(&views["sql"], "history");
    let mut own_queries = Vec::new();
    for row in history {
        assert_eq!(
            row[1]["text"], ANALYST_NAME,
            "another's query in history: {row}"
        );
        own_queries.push(words(row[5]["text"].as_str().expect("query")));
    }
    // No number or name outside the grant, on any view or in SQL answers.
    let mut texts: Vec<(String, String)> = views
        .iter()
        .map(|(view, v)| {
            let mut text = words(v["text"].as_str().expect("text"));
            if view == "sql" {
                for query in own_queries.iter().filter(|q| !q.is_empty()) {
                    text = text.replace(query.as_str(), "");
                }
            }
            (view.clone(), text)
        })
        .collect();
    texts.push(("sql result".into(), seen["sql_accounts"].to_string()));
    for name in hidden {
        for (view, text) in &texts {
            if let Some(at) = text.find(name.as_str()) {
                let start = text[..at]
                    .char_indices()
                    .rev()
                    .nth(300)
                    .map_or(0, |(i, _)| i);
                let context: String = text[start..].chars().take(600).collect();
                panic!("{name} shown to the analyst on {view}: …{context}…");
            }
        }
    }
    for view in views.values() {
        let panels = view["panels"].to_string();
        for absent in ["audit", "cross-az", "nat"] {
            assert!(
                !panels.contains(&format!("\"{absent}\"")),
                "{absent} in {panels}"
            );
        }
        assert_eq!(view["errors"], json!([]), "errors on {}", view["view"]);
        // It may not change state: no triage or lifecycle buttons.
        assert_eq!(
            view["state_buttons"], 0,
            "state buttons on {}",
            view["view"]
        );
    }

    // The executive numbers are the API's answers to the analyst, not the organisation's.
    let spend = column_values(table(&views["executive"], "spend-by-month"), 1);
    let mine = call(
        server,
        "/api/v1/cost",
        ANALYST,
        json!({"granularity": "monthly"}),
    )
    .await;
    let all = call(
        server,
        "/api/v1/cost",
        ADMIN,
        json!({"granularity": "monthly"}),
    )
    .await;
    assert_close(&spend, &monthly(&mine), "analyst's spend by month");
    assert!(
        !close(sum(&spend), sum(&monthly(&all))),
        "the organisation's spend shown"
    );

    // The team view: the team's cost by service sums to the API's team total.
    let text = views["team"]["text"].as_str().expect("text");
    let team = text
        .lines()
        .find_map(|l| l.strip_prefix("Team: "))
        .expect("the team heading")
        .trim()
        .to_string();
    let services = column_values(table(&views["team"], "team-services"), 1);
    let filters = json!([format!("team={team}")]);
    let team_cost = call(server, "/api/v1/cost", ANALYST, json!({"filters": filters})).await;
    assert!(close(sum(&services), sum(&monthly(&team_cost))), "{team}");

    // Finance: allocation and invoices over the analyst's rows only.
    let allocation = column_values(table(&views["finance"], "allocation"), 4);
    let allocate = json!({"rules": document("allocation.yaml"), "measure": "unblended"});
    let allocated = call(server, "/api/v1/allocate", ANALYST, allocate).await;
    let totals: Vec<f64> = allocated["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["total"].as_f64().expect("total"))
        .collect();
    assert!(close(sum(&allocation), sum(&totals)), "allocation");
    let invoices = column_values(table(&views["finance"], "invoices"), 3);
    let total = call(
        server,
        "/api/v1/sql",
        ANALYST,
        json!({"sql": "SELECT SUM(line_item_unblended_cost) FROM cur"}),
    )
    .await;
    let total = total["rows"][0][0].as_f64().expect("total");
    assert!(close(sum(&invoices), total), "{invoices:?} vs {total}");

    // SQL: the analyst's accounts only; tables outside the grant refused; completion
    // offers its columns but not the hidden ones.
    let rows = seen["sql_accounts"]["tables"][0]["rows"]
        .as_array()
        .expect("SQL rows");
    let shown: BTreeSet<String> = rows
        .iter()
        .map(|r| r[0]["text"].as_str().expect("name").to_string())
        .collect();
    assert_eq!(&shown, visible);
    let refused = seen["sql_flow_logs"]["status"].as_str().expect("status");
    assert!(
        !refused.contains("rows in"),
        "flow_logs answered: {refused}"
    );
    assert!(refused.contains("not found"), "{refused}");
    let unblended = seen["completion_unblended"].to_string();
    assert!(
        unblended.contains("line_item_unblended_cost"),
        "{unblended}"
    );
    assert!(
        !unblended.contains("line_item_unblended_rate"),
        "a hidden column completed"
    );
    assert!(
        seen["completion_usage"]
            .to_string()
            .contains("line_item_usage_account_name"),
        "{}",
        seen["completion_usage"]
    );
}

async fn finops_triages_and_accepts(server: &TestServer, seen: &Value) {
    assert_eq!(
        seen["landing"], "finops",
        "the administrator lands on FinOps"
    );
    // Every view loads for the administrator, every panel without an error.
    let views = seen["views"].as_object().expect("views");
    for view in ["executive", "finops", "team", "finance", "genai", "sql"] {
        let snapshot = &views[view];
        assert_eq!(snapshot["view"], view, "{view} did not open");
        assert_eq!(snapshot["errors"], json!([]), "errors on {view}");
    }
    let id = seen["anomaly"].as_str().expect("the NAT anomaly");
    let cause = seen["cause_tree"].as_str().expect("cause tree");
    assert!(cause.contains("NatGateway-Bytes"), "{cause}");
    let (status, text) = server.get(&item_path("anomalies", id), ADMIN).await;
    assert_eq!(status, 200, "{text}");
    let anomaly: Value = serde_json::from_str(&text).expect("JSON");
    let gateway = anomaly["evidence"][0]["nat_gateway_id"]
        .as_str()
        .expect("flow-log evidence");
    let evidence = seen["evidence"].as_str().expect("evidence");
    assert!(evidence.contains(gateway), "{evidence}");
    for resource in anomaly["evidence"][0]["source_resources"]
        .as_array()
        .expect("resources")
    {
        assert!(
            evidence.contains(resource.as_str().expect("id")),
            "{evidence}"
        );
    }
    assert!(seen["anomaly_url"].as_str().is_some_and(|h| h.contains(id)));

    // Confirming changed the store, through the audit log.
    assert_eq!(anomaly["feedback"], "confirmed", "{anomaly}");
    let rec = seen["recommendation"].as_str().expect("a recommendation");
    let (status, text) = server
        .post(&item_path("recommendations", rec), ADMIN, "{}")
        .await;
    assert_eq!(status, 200, "{text}");
    let detail: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(detail["status"], "accepted", "{detail}");
    for (action, id) in [("anomaly.feedback", id), ("recommendation.accept", rec)] {
        let entries = call(
            server,
            "/api/v1/audit/log",
            ADMIN,
            json!({"action": action}),
        )
        .await;
        // A change is recorded as started (with its parameters), then its outcome.
        let entries = entries.as_array().expect("entries");
        let started = entries
            .iter()
            .find(|e| e["parameters"].as_str().is_some_and(|p| p.contains(id)))
            .unwrap_or_else(|| panic!("no {action} entry for {id}: {entries:?}"));
        assert_eq!(started["principal"], ADMIN_NAME);
        assert_eq!(started["status"], "started");
        let outcome = json!({"started": started["seq"]}).to_string();
        let ended = entries
            .iter()
            .find(|e| e["parameters"].as_str() == Some(outcome.as_str()))
            .unwrap_or_else(|| panic!("no outcome of {action} {id}: {entries:?}"));
        assert_eq!(ended["status"], "ok", "{ended}");
        // The FinOps view's audit panel shows the change with its outcome.
        let tables = json!({"tables": seen["audit"]});
        let panel = table(&tables, "audit");
        assert!(
            panel
                .iter()
                .any(|row| row[3]["text"] == action && row[4]["text"] == "ok"),
            "the audit panel lacks {action}: {panel:?}"
        );
    }
}

async fn the_url_reproduces_the_view(
    server: &TestServer,
    seen: &Value,
    from: &str,
    to: &str,
    account: &str,
) {
    let (before, after) = (&seen["before"], &seen["after"]);
    assert_eq!(before["hash"], after["hash"]);
    assert_eq!(before["inputs"], after["inputs"]);
    assert_eq!(after["inputs"]["measure"], "amortized");
    assert_eq!(after["inputs"]["account"], account);
    assert_eq!(after["inputs"]["from"], from);
    let request = json!({
        "granularity": "monthly", "measure": "amortized", "from": from, "to": to,
        "filters": [format!("account={account}")],
    });
    let expected = monthly(&call(server, "/api/v1/cost", ADMIN, request).await);
    for state in [before, after] {
        let rows = state["spend"][0]["rows"].as_array().expect("spend rows");
        assert_close(&column_values(rows, 1), &expected, "spend after reload");
    }
}
