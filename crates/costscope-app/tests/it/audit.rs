//! Every request through the app is audited: reads with their rows before the answer,
//! changes before they apply; a store that cannot record fails the request and changes
//! nothing. The query history keeps each SQL query.

use costscope_app::anomalies::{AnomaliesRequest, AnomaliesResponse, FeedbackRequest};
use costscope_app::audit::AuditLogRequest;
use costscope_app::cost::CostRequest;
use costscope_app::history::HistoryRequest;
use costscope_app::ingest::{IngestKind, IngestRequest};
use costscope_app::recommend::{ChangeRequest, RecommendRequest};
use costscope_app::sql::SqlRequest;
use costscope_app::{App, AppConfig, ErrorKind};
use costscope_store::audit::Entry;

use crate::fixture::{admin, organisation, private_app};

async fn log(app: &App) -> Vec<Entry> {
    let mut entries = app
        .audit_log(&admin(), &AuditLogRequest::default())
        .await
        .expect("log");
    entries.retain(|e| e.action != "audit.log");
    entries
}

fn parameters(entry: &Entry) -> serde_json::Value {
    serde_json::from_str(&entry.parameters).expect("parameters are JSON")
}

#[tokio::test]
async fn reads_are_recorded_with_their_parameters_and_rows() {
    let (_copy, app) = private_app().await;
    let request = CostRequest {
        group_by: vec!["service".into()],
        ..CostRequest::default()
    };
    let cost = app.cost(&admin(), &request).await.expect("cost");
    let query = "SELECT DISTINCT line_item_usage_account_id FROM cur";
    let rows = app
        .sql(
            &admin(),
            &SqlRequest {
                query: query.into(),
            },
        )
        .await
        .expect("sql");
    let tables = app.tables(&admin()).await.expect("tables");
    let recommendations = app
        .recommend(&admin(), &RecommendRequest::default())
        .await
        .expect("recommend");

    let entries = log(&app).await;
    let summary: Vec<(&str, &str, &str, Option<u64>)> = entries
        .iter()
        .map(|e| {
            (
                e.principal.as_str(),
                e.action.as_str(),
                e.status.as_str(),
                e.rows,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("admin", "analysis.cost", "ok", Some(cost.rows.len() as u64)),
            ("admin", "sql", "ok", Some(rows.num_rows() as u64)),
            ("admin", "tables", "ok", Some(tables.len() as u64)),
            (
                "admin",
                "analysis.recommend",
                "ok",
                Some(recommendations.recommendations.len() as u64)
            ),
        ]
    );
    assert_eq!(
        parameters(&entries[0])["group_by"],
        serde_json::json!(["service"])
    );
    assert_eq!(parameters(&entries[1])["query"], query);
    assert!(entries.iter().all(|e| e.workgroup.is_none()));
    let verification = app.audit_verify(&admin(), None).expect("verify");
    assert!(verification.intact(), "{verification:?}");
}

#[tokio::test]
async fn failed_reads_are_recorded_with_their_error() {
    let (_copy, app) = private_app().await;
    let error = app
        .sql(
            &admin(),
            &SqlRequest {
                query: "SELECT nope FROM cur".into(),
            },
        )
        .await
        .expect_err("unknown column");
    let entries = log(&app).await;
    let entry = entries.last().expect("recorded");
    assert_eq!(entry.status, "error");
    assert_eq!(entry.error_kind.as_deref(), Some(error.kind().name()));
    assert_eq!(entry.message.as_deref(), Some(error.to_string().as_str()));
    assert_eq!(entry.rows, None);
}

#[tokio::test]
async fn each_query_is_kept_in_the_history_with_its_audit_entry() {
    let (_copy, app) = private_app().await;
    for query in ["SELECT count(*) AS n FROM cur", "SELECT * FROM nope"] {
        let _ = app
            .sql(
                &admin(),
                &SqlRequest {
                    query: query.into(),
                },
            )
            .await;
    }
    let history = app
        .history(&admin(), &HistoryRequest::default())
        .await
        .expect("history");
    assert_eq!(history.len(), 2);
    let (failed, counted) = (&history[0], &history[1]);
    assert_eq!(
        (
            counted.query.as_str(),
            counted.status.as_str(),
            counted.rows
        ),
        ("SELECT count(*) AS n FROM cur", "ok", Some(1))
    );
    assert_eq!(failed.status, "error");
    assert!(
        failed
            .message
            .as_deref()
            .is_some_and(|m| m.contains("nope"))
    );
    assert_eq!(counted.principal, "admin");
    let entries = log(&app).await;
    for record in &history {
        let entry = entries
            .iter()
            .find(|e| e.seq == record.audit_seq)
            .expect("entry");
        assert_eq!(
            (entry.action.as_str(), &entry.status),
            ("sql", &record.status)
        );
    }
    assert!(entries.iter().any(|e| e.action == "history"));
    let other = app
        .history(
            &admin(),
            &HistoryRequest {
                workgroup: Some("app-team".into()),
                ..HistoryRequest::default()
            },
        )
        .await
        .expect("history");
    assert!(other.is_empty(), "no query ran in that workgroup");
}

#[tokio::test]
async fn changes_are_recorded_before_they_apply_and_how_they_ended() {
    let (_copy, app) = private_app().await;
    let AnomaliesResponse::Daily(report) = app
        .anomalies(&admin(), &AnomaliesRequest::default())
        .await
        .expect("scan")
    else {
        panic!("a daily scan");
    };
    let id = report.anomalies.first().expect("an anomaly").id.clone();
    let feedback = FeedbackRequest {
        id: id.clone(),
        state: "confirmed".into(),
        note: Some("real".into()),
    };
    app.anomaly_feedback(&admin(), &feedback)
        .await
        .expect("feedback");
    let request = RecommendRequest::default();
    let recommendation = app
        .recommend(&admin(), &request)
        .await
        .expect("recommend")
        .recommendations[0]
        .id
        .clone();
    let implement = ChangeRequest::Implement {
        id: recommendation.clone(),
        on: None,
    };
    let refused = app
        .change_recommendation(&admin(), &request, &implement)
        .await
        .expect_err("open cannot be implemented");
    assert_eq!(refused.kind(), ErrorKind::Conflict);

    let entries = log(&app).await;
    let changes: Vec<(&str, &str)> = entries
        .iter()
        .filter(|e| !e.action.starts_with("analysis."))
        .map(|e| (e.action.as_str(), e.status.as_str()))
        .collect();
    assert_eq!(
        changes,
        [
            ("anomaly.feedback", "started"),
            ("anomaly.feedback", "ok"),
            ("recommendation.implement", "started"),
            ("recommendation.implement", "error"),
        ]
    );
    let started = entries
        .iter()
        .find(|e| e.action == "anomaly.feedback")
        .expect("started");
    assert_eq!(parameters(started)["id"], id);
    assert_eq!(parameters(started)["state"], "confirmed");
    let ended = entries
        .iter()
        .rfind(|e| e.action == "anomaly.feedback")
        .expect("ended");
    assert_eq!(parameters(ended)["started"], started.seq);
    let implement_started = entries
        .iter()
        .find(|e| e.action == "recommendation.implement")
        .expect("started");
    assert_eq!(
        parameters(implement_started)["change"]["id"],
        recommendation
    );
}

/// The staged anchor's path made a directory: every append fails, whoever runs the test.
fn break_the_anchor(app: &App) -> std::path::PathBuf {
    let staged = app.config().lake.join("_state/audit.head.new");
    std::fs::create_dir(&staged).expect("mkdir");
    staged
}

#[tokio::test]
async fn a_failed_audit_write_fails_the_request_and_changes_nothing() {
    let (_copy, app) = private_app().await;
    let request = RecommendRequest::default();
    let id = app
        .recommend(&admin(), &request)
        .await
        .expect("recommend")
        .recommendations[0]
        .id
        .clone();
    let before = log(&app).await.len();
    let staged = break_the_anchor(&app);

    let accept = ChangeRequest::Accept { id: id.clone() };
    let error = app
        .change_recommendation(&admin(), &request, &accept)
        .await
        .expect_err("not recorded, not applied");
    assert_eq!(error.kind(), ErrorKind::Unavailable, "{error}");
    assert!(error.to_string().contains("audit.head.new"), "{error}");
    let read = app.cost(&admin(), &CostRequest::default()).await;
    assert!(read.is_err(), "no answer without its entry");
    let query = app
        .sql(
            &admin(),
            &SqlRequest {
                query: "SELECT 1".into(),
            },
        )
        .await;
    assert!(query.is_err());

    std::fs::remove_dir(&staged).expect("rmdir");
    let store = app.store().expect("store");
    assert_eq!(store.get(&id).expect("get"), None, "still open, untouched");
    assert_eq!(log(&app).await.len(), before, "nothing recorded");
    assert!(
        store
            .query_history(&costscope_store::history::HistoryFilter {
                scope: costscope_store::history::HistoryScope::All,
                workgroup: None,
                since: None,
                limit: None,
            })
            .expect("history")
            .is_empty()
    );
    assert!(app.audit_verify(&admin(), None).expect("verify").intact());
}

#[tokio::test]
async fn a_read_only_database_fails_requests_and_changes_nothing() {
    let (copy, app) = private_app().await;
    let request = RecommendRequest::default();
    let id = app
        .recommend(&admin(), &request)
        .await
        .expect("recommend")
        .recommendations[0]
        .id
        .clone();
    drop(app); // the last connection closes and folds the write-ahead log into the file
    let database = copy.path().join(costscope_store::STORE_PATH);
    let original = std::fs::read(&database).expect("read");
    let mut read_only = original.clone();
    // SQLite's file format: a write version above 2 makes the file read-only, for root too.
    read_only[18] = 3;
    std::fs::write(&database, &read_only).expect("write");

    let app = App::open(&AppConfig {
        lake: copy.path().to_path_buf(),
        access: None,
    })
    .expect("app");
    let error = app
        .change_recommendation(
            &admin(),
            &request,
            &ChangeRequest::Accept { id: id.clone() },
        )
        .await
        .expect_err("refused");
    assert!(
        matches!(error.kind(), ErrorKind::Denied | ErrorKind::Unavailable),
        "{error}"
    );
    assert!(app.cost(&admin(), &CostRequest::default()).await.is_err());
    drop(app);

    std::fs::write(&database, &original).expect("restore");
    let app = App::open(&AppConfig {
        lake: copy.path().to_path_buf(),
        access: None,
    })
    .expect("app");
    let store = app.store().expect("store");
    assert_eq!(store.get(&id).expect("get"), None, "still open");
    assert!(
        log(&app)
            .await
            .iter()
            .all(|e| e.action != "recommendation.accept")
    );
}

#[tokio::test]
async fn ingest_through_the_app_is_recorded_before_it_starts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = App::open(&AppConfig {
        lake: dir.path().join("lake"),
        access: None,
    })
    .expect("app");
    let source = organisation().await.data().join("business_metrics.csv");
    let request = IngestRequest {
        kind: IngestKind::Metrics,
        source: source.display().to_string(),
        strict: false,
        rollup_tag_keys: Vec::new(),
    };
    let report = app.ingest(&admin(), &request, None).await.expect("ingest");
    let entries = log(&app).await;
    let steps: Vec<(&str, &str, Option<u64>)> = entries
        .iter()
        .map(|e| (e.action.as_str(), e.status.as_str(), e.rows))
        .collect();
    assert_eq!(
        steps,
        [
            ("ingest", "started", None),
            ("ingest", "ok", Some(report.rows))
        ]
    );
    assert_eq!(parameters(&entries[0])["kind"], "metrics");

    let staged = break_the_anchor(&app);
    let manifest = std::fs::read(dir.path().join("lake/manifest.json")).ok();
    app.ingest(&admin(), &request, None)
        .await
        .expect_err("not recorded, not run");
    std::fs::remove_dir(&staged).expect("rmdir");
    assert_eq!(
        std::fs::read(dir.path().join("lake/manifest.json")).ok(),
        manifest,
        "the lake is unchanged"
    );
}
