//! The attack catalogue (`testdata/access/attacks.txt`) against a restricted session, and
//! the rules that hold for every table and principal.

use std::path::PathBuf;

use costscope_query::{Principal, QueryOptions};

use super::{HIDDEN_COLUMNS, Shown, cells_of, count, fixture, strings};

/// One line of the catalogue.
pub struct Attack {
    pub name: String,
    pub expect: String,
    pub sql: String,
}

/// The catalogue, with `{hidden_account}` filled in.
pub fn catalogue(hidden_account: &str) -> Vec<Attack> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/access/attacks.txt");
    let text = std::fs::read_to_string(&path).expect("attack catalogue");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|line| {
            let mut parts = line.splitn(3, " | ");
            let (name, expect, sql) = (parts.next(), parts.next(), parts.next());
            Attack {
                name: name.expect("name").trim().to_string(),
                expect: expect.expect("expectation").trim().to_string(),
                sql: sql
                    .expect("sql")
                    .trim()
                    .replace("{hidden_account}", hidden_account),
            }
        })
        .collect()
}

#[tokio::test]
async fn no_attack_in_the_catalogue_leaks() {
    let fixture = fixture().await;
    let session = fixture.session("app-dev").await;
    let admin = fixture.session("alice").await;
    let attacks = catalogue(fixture.hidden_account_name());
    assert!(attacks.len() >= 40, "{} attacks", attacks.len());
    let mut failures = Vec::new();
    for attack in &attacks {
        let outcome = session.sql(&attack.sql).await;
        let shown = match &outcome {
            Ok(result) => Shown::Cells(cells_of(result)),
            Err(error) => Shown::Message(error.to_string()),
        };
        for leak in fixture.leaks(&attack.sql, &shown) {
            failures.push(format!("{}: shows `{leak}`", attack.name));
        }
        let wrong = match (attack.expect.as_str(), &outcome) {
            ("ok", Err(e)) => Some(format!("failed: {e}")),
            ("error", Ok(_)) => Some("succeeded".to_string()),
            ("count", Err(e)) => Some(format!("failed: {e}")),
            ("count", Ok(_)) => {
                let counted = count(&session, &attack.sql).await;
                (counted != fixture.visible_rows)
                    .then(|| format!("counted {counted}, {} visible", fixture.visible_rows))
            }
            ("oracle", Err(e)) => Some(format!("failed: {e}")),
            ("oracle", Ok(_)) => admin
                .sql(&attack.sql)
                .await
                .is_ok()
                .then(|| "is no oracle: it succeeds over every row too".to_string()),
            ("ok" | "error" | "any", _) => None,
            (other, _) => Some(format!("unknown expectation {other}")),
        };
        if let Some(wrong) = wrong {
            failures.push(format!("{}: {wrong}", attack.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn the_analyst_sees_exactly_its_rows() {
    let fixture = fixture().await;
    let session = fixture.session("app-dev").await;
    let accounts = strings(
        &session,
        "SELECT DISTINCT line_item_usage_account_name FROM cur",
    )
    .await;
    assert_eq!(accounts, ["App-Team-Dev", "App-Team-Prod"]);
    // The same total as the administrator's over the same rows.
    let admin = fixture
        .engine
        .session(&Principal::admin())
        .await
        .expect("session");
    let cost = "SELECT CAST(ROUND(SUM(line_item_unblended_cost), 6) AS VARCHAR) FROM cur";
    let filtered = "SELECT CAST(ROUND(SUM(line_item_unblended_cost), 6) AS VARCHAR) FROM cur \
                    WHERE line_item_usage_account_name LIKE 'App-Team-%'";
    assert_eq!(
        strings(&session, cost).await,
        strings(&admin, filtered).await
    );
    // Selective scans (the analyses' late materialization) keep the filter too.
    let selective = session
        .sql_with(
            "SELECT DISTINCT line_item_usage_account_name FROM cur WHERE line_item_unblended_cost > 0",
            QueryOptions::selective(),
        )
        .await
        .expect("selective");
    let cells = cells_of(&selective);
    assert!(
        !cells.iter().any(|c| c == fixture.hidden_account_name()),
        "{cells:?}"
    );
}

#[tokio::test]
async fn hidden_columns_and_tag_keys_do_not_exist() {
    let fixture = fixture().await;
    let session = fixture.session("app-dev").await;
    let all = session
        .sql("SELECT * FROM cur LIMIT 1")
        .await
        .expect("select *");
    for column in HIDDEN_COLUMNS {
        assert!(
            all.schema.field_with_name(column).is_err(),
            "{column} shown"
        );
    }
    assert!(
        all.schema
            .field_with_name("line_item_unblended_cost")
            .is_ok()
    );
    let error = session
        .sql("SELECT line_item_unblended_rate FROM cur")
        .await
        .expect_err("hidden column")
        .to_string();
    assert!(
        error.contains("line_item_unblended_rate"),
        "names what was asked: {error}"
    );
    let keys = strings(
        &session,
        "SELECT DISTINCT k FROM cur CROSS JOIN UNNEST(map_keys(resource_tags)) AS t(k)",
    )
    .await;
    assert!(keys.contains(&"user_team".to_string()), "{keys:?}");
    assert!(!keys.contains(&"user_department".to_string()), "{keys:?}");
}

#[tokio::test]
async fn a_hidden_table_errs_like_a_table_that_does_not_exist() {
    let fixture = fixture().await;
    let session = fixture.session("app-dev").await;
    let hidden = session
        .sql("SELECT * FROM flow_logs")
        .await
        .expect_err("hidden");
    let missing = session
        .sql("SELECT * FROM flow_logz")
        .await
        .expect_err("missing");
    assert_eq!(
        hidden.to_string().replace("flow_logs", "T"),
        missing.to_string().replace("flow_logz", "T")
    );
    assert_eq!(hidden.kind(), missing.kind());
    let tables = strings(
        &session,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'costscope'",
    )
    .await;
    assert_eq!(tables, ["business_metrics", "cur", "cur_amortized"]);
}

#[tokio::test]
async fn other_principals_get_only_their_grant() {
    let fixture = fixture().await;
    let stranger = fixture.session("stranger").await;
    let tables = strings(
        &stranger,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'costscope'",
    )
    .await;
    assert!(tables.is_empty(), "{tables:?}");
    assert!(stranger.sql("SELECT * FROM cur").await.is_err());
    let auditor = fixture.session("auditor").await;
    let described = auditor.sql("DESCRIBE cur").await.expect("describe");
    assert!(described.num_rows() > 100);
    let denied = auditor
        .sql("SELECT COUNT(*) FROM cur")
        .await
        .expect_err("no select");
    assert!(denied.to_string().contains("select"), "{denied}");
    let app_dev = fixture.session("app-dev").await;
    let denied = app_dev
        .sql("DESCRIBE business_metrics")
        .await
        .expect_err("no describe");
    assert_eq!(denied.kind(), costscope_core::ErrorKind::Denied);
    let admin = fixture.session("alice").await;
    assert!(admin.sql("EXPLAIN SELECT * FROM flow_logs").await.is_ok());
}

#[tokio::test]
async fn workgroup_limits_stop_queries() {
    let fixture = fixture().await;
    let mut access = super::ACCESS.replace(
        "app-team: {timeout: 60s, max_concurrent: 2, max_result_rows: 100000}",
        "app-team: {timeout: 60s, max_concurrent: 1, max_queued: 0, max_result_rows: 10, max_scanned_bytes: 1KiB}",
    );
    access.push('\n');
    let access = costscope_query::Access::parse(&access, "a.yaml", std::path::Path::new("."))
        .expect("access");
    let principal = access.principal("app-dev").expect("principal");
    let session = fixture.engine.session(&principal).await.expect("session");
    let rows = session
        .sql("SELECT 1 FROM (VALUES (1),(2),(3),(4),(5),(6),(7),(8),(9),(10),(11),(12)) v(x)")
        .await
        .expect_err("too many rows");
    assert!(rows.to_string().contains("10 rows"), "{rows}");
    let scanned = session
        .sql("SELECT * FROM cur")
        .await
        .expect_err("too many bytes");
    assert!(scanned.to_string().contains("1024 bytes"), "{scanned}");
    assert_eq!(scanned.kind(), costscope_core::ErrorKind::User);
}

#[tokio::test]
async fn a_workgroup_cancels_at_its_timeout_and_refuses_past_its_queue() {
    let fixture = fixture().await;
    let access = super::ACCESS.replace(
        "app-team: {timeout: 60s, max_concurrent: 2, max_result_rows: 100000}",
        "app-team: {timeout: 300ms, max_concurrent: 1, max_queued: 0}",
    );
    let access = costscope_query::Access::parse(&access, "a.yaml", std::path::Path::new("."))
        .expect("access");
    let principal = access.principal("app-dev").expect("principal");
    let session = std::sync::Arc::new(fixture.engine.session(&principal).await.expect("session"));
    let endless = "SELECT COUNT(*) FROM generate_series(1, 100000000000) a";
    let running = {
        let session = session.clone();
        tokio::spawn(async move { session.sql(endless).await })
    };
    // While the first runs, a second finds the only slot taken and no room to wait.
    let mut busy = None;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        if let Err(e) = session.sql("SELECT 1").await {
            busy = Some(e);
            break;
        }
    }
    let busy = busy.expect("refused while the slot is taken");
    assert_eq!(busy.kind(), costscope_core::ErrorKind::Busy, "{busy}");
    let timed_out = running.await.expect("join").expect_err("cancelled");
    assert!(timed_out.to_string().contains("300ms"), "{timed_out}");
    // The slot is free again.
    session.sql("SELECT 1").await.expect("after the timeout");
}

#[tokio::test]
async fn user_predicates_run_above_the_restricted_scan() {
    let fixture = fixture().await;
    let session = fixture.session("app-dev").await;
    for attack in catalogue(fixture.hidden_account_name())
        .iter()
        .filter(|a| a.expect == "oracle")
    {
        let plan = session.plan_text(&attack.sql).await.expect("plan");
        let barrier = plan.find("RestrictedScan").expect("a restricted scan");
        let (above, below) = plan.split_at(barrier);
        assert!(above.contains("CASE WHEN"), "{}: {plan}", attack.name);
        assert!(
            !below.contains("CASE WHEN"),
            "{}: user predicate below the barrier: {plan}",
            attack.name
        );
        assert!(
            below.contains("App-Team-%"),
            "{}: the row filter runs below: {plan}",
            attack.name
        );
        assert!(
            !below.contains(fixture.hidden_account_name()),
            "{}: {plan}",
            attack.name
        );
    }
}
