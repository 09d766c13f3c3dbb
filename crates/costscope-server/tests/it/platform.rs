//! The platform's own endpoints: who the caller is, the query history of its workgroups,
//! the audit log and reloading the access file, each as the principals that may and may
//! not use them.

use serde_json::{Value, json};

use crate::fixture::{self, ADMIN, ANALYST, ANALYST_NAME, STRANGER};

fn parse(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

fn names(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {value}"))
        .iter()
        .map(|v| v.as_str().expect("text"))
        .collect()
}

#[tokio::test]
async fn whoami_shows_each_principal_its_own_tables() {
    let server = fixture::start().await;
    let (status, text) = server.get("/api/v1/whoami", ADMIN).await;
    assert_eq!(status, 200, "{text}");
    let admin = parse(&text);
    assert_eq!(admin["admin"], true);
    let tables = names(&admin["tables"]);
    for table in [
        "cur",
        "cur_amortized",
        "flow_logs",
        "inventory",
        "ip_owners",
    ] {
        assert!(
            tables.contains(&table),
            "{table} missing for the admin: {tables:?}"
        );
    }

    let (status, text) = server.get("/api/v1/whoami", ANALYST).await;
    assert_eq!(status, 200, "{text}");
    let analyst = parse(&text);
    assert_eq!(analyst["name"], ANALYST_NAME);
    assert_eq!(analyst["admin"], false);
    assert_eq!(analyst["may_change_state"], false);
    let tables = names(&analyst["tables"]);
    assert!(tables.contains(&"cur") && tables.contains(&"business_metrics"));
    for hidden in [
        "flow_logs",
        "inventory",
        "ip_owners",
        "cur_daily",
        "cur_monthly",
    ] {
        assert!(!tables.contains(&hidden), "{hidden} shown to the analyst");
    }

    let (status, text) = server.get("/api/v1/whoami", STRANGER).await;
    assert_eq!(status, 200, "{text}");
    assert!(names(&parse(&text)["tables"]).is_empty(), "{text}");
}

#[tokio::test]
async fn history_shows_a_principal_its_queries_and_not_others() {
    let server = fixture::start_private().await;
    let mine = "SELECT count(*) AS analyst_history_marker FROM cur";
    let theirs = "SELECT count(*) AS admin_history_marker FROM cur";
    for (token, sql) in [(ANALYST, mine), (ADMIN, theirs)] {
        let (status, text) = server
            .post("/api/v1/sql", token, &json!({ "sql": sql }).to_string())
            .await;
        assert_eq!(status, 200, "{text}");
    }
    let (status, text) = server.post("/api/v1/history", ANALYST, "{}").await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("analyst_history_marker"), "{text}");
    assert!(!text.contains("admin_history_marker"), "{text}");

    let (status, text) = server.post("/api/v1/history", ADMIN, "{}").await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("analyst_history_marker") && text.contains("admin_history_marker"));
}

#[tokio::test]
async fn only_administrators_read_the_audit_log() {
    let server = fixture::start_private().await;
    let sql = json!({ "sql": "SELECT 1 AS audited_marker" }).to_string();
    let (status, _) = server.post("/api/v1/sql", ANALYST, &sql).await;
    assert_eq!(status, 200);

    let (status, text) = server.post("/api/v1/audit/log", ANALYST, "{}").await;
    assert_eq!(status, 403, "{text}");
    assert!(!text.contains("audited_marker"), "{text}");

    let body = json!({ "principal": ANALYST_NAME }).to_string();
    let (status, text) = server.post("/api/v1/audit/log", ADMIN, &body).await;
    assert_eq!(status, 200, "{text}");
    let entries = parse(&text);
    let entries = entries.as_array().expect("entries");
    assert!(
        entries
            .iter()
            .any(|e| e["parameters"].to_string().contains("audited_marker")),
        "{text}"
    );
    // The analyst's refused attempt is on the record too.
    assert!(entries.iter().any(|e| e["action"] == "audit.log"), "{text}");
}

#[tokio::test]
async fn reloading_the_access_file_applies_it_and_a_bad_one_changes_nothing() {
    let server = fixture::start_private().await;
    let (status, _) = server.post("/api/v1/access/reload", ANALYST, "").await;
    assert_eq!(status, 403);

    let original = std::fs::read_to_string(&server.access).expect("access file");
    // A file that does not validate is refused and the one in force stays.
    std::fs::write(
        &server.access,
        original.replace("roles: [nobody]", "roles: [no-such-role]"),
    )
    .expect("write");
    let (status, text) = server.post("/api/v1/access/reload", ADMIN, "").await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("no-such-role"), "{text}");
    let (status, _) = server.get("/api/v1/whoami", STRANGER).await;
    assert_eq!(status, 200, "the previous file stays in force");

    // Without the stranger, its token no longer opens anything.
    let without: String = original
        .lines()
        .filter(|l| !l.contains("name: stranger") && !l.contains("roles: [nobody]"))
        .map(|l| format!("{l}\n"))
        .collect();
    let hash_line = original
        .lines()
        .skip_while(|l| !l.contains("name: stranger"))
        .nth(1)
        .expect("the stranger's hash line");
    let without = without.replace(&format!("{hash_line}\n"), "");
    std::fs::write(&server.access, without).expect("write");
    let (status, text) = server.post("/api/v1/access/reload", ADMIN, "").await;
    assert_eq!(status, 200, "{text}");
    let (status, _) = server.get("/api/v1/whoami", STRANGER).await;
    assert_eq!(status, 401);
    let (status, _) = server.get("/api/v1/whoami", ANALYST).await;
    assert_eq!(status, 200);

    let body = json!({ "action": "access.reload" }).to_string();
    let (_, text) = server.post("/api/v1/audit/log", ADMIN, &body).await;
    let entries = parse(&text);
    assert!(
        entries.as_array().expect("entries").len() >= 4,
        "each reload is recorded when it starts and when it ends: {text}"
    );
}
