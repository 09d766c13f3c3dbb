//! What the app creates on disk, and the state it keeps between requests.

use costscope_app::anomalies::{AnomaliesRequest, AnomaliesResponse, FeedbackRequest};
use costscope_app::cost::CostRequest;
use costscope_app::recommend::{ChangeRequest, RecommendRequest};
use costscope_app::report::WeeklyRequest;
use costscope_app::{App, AppConfig};

use crate::fixture::{admin, private_app};

fn store_path(app: &App) -> std::path::PathBuf {
    app.config().lake.join(costscope_store::STORE_PATH)
}

#[tokio::test]
async fn a_refused_request_leaves_no_trace() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = dir.path().join("lake");
    let app = App::open(&AppConfig {
        lake: lake.clone(),
        access: None,
    })
    .expect("app");
    let error = app
        .cost(
            &admin(),
            &CostRequest {
                measure: "blended".into(),
                ..CostRequest::default()
            },
        )
        .await
        .expect_err("refused");
    assert!(error.to_string().contains("blended"));
    assert!(!lake.exists(), "validation must not create the lake");
}

#[tokio::test]
async fn read_only_analyses_never_create_the_store() {
    let (_copy, app) = private_app().await;
    app.cost(&admin(), &CostRequest::default())
        .await
        .expect("cost");
    let reports = app
        .weekly_reports(
            &admin(),
            &WeeklyRequest {
                team: Some("platform-team".into()),
                ..WeeklyRequest::default()
            },
        )
        .await
        .expect("weekly report");
    assert_eq!(reports.len(), 1);
    assert!(!store_path(&app).exists());
}

#[tokio::test]
async fn anomaly_feedback_is_kept_and_silences_the_anomaly() {
    let (_copy, app) = private_app().await;
    let AnomaliesResponse::Daily(report) = app
        .anomalies(&admin(), &AnomaliesRequest::default())
        .await
        .expect("scan")
    else {
        panic!("a daily scan");
    };
    let id = report.anomalies.first().expect("an anomaly").id.clone();
    assert!(store_path(&app).exists(), "a scan records its anomalies");
    let stored = app
        .anomaly_feedback(
            &admin(),
            &FeedbackRequest {
                id: id.clone(),
                state: "expected".into(),
                note: Some("planned".into()),
            },
        )
        .await
        .expect("feedback");
    assert_eq!(stored.state, "expected");

    // A new app over the same lake sees the feedback.
    let reopened = App::open(app.config()).expect("app");
    let anomaly = reopened.anomaly(&admin(), &id).await.expect("show");
    assert_eq!(anomaly.feedback.as_deref(), Some("expected"));
    let AnomaliesResponse::Daily(again) = reopened
        .anomalies(&admin(), &AnomaliesRequest::default())
        .await
        .expect("scan")
    else {
        panic!("a daily scan");
    };
    assert!(again.anomalies.iter().all(|a| a.id != id));
    assert!(again.suppressed >= 1);
}

#[tokio::test]
async fn a_recommendation_lifecycle_is_recorded_with_its_history() {
    let (_copy, app) = private_app().await;
    let request = RecommendRequest::default();
    let report = app.recommend(&admin(), &request).await.expect("recommend");
    let id = report
        .recommendations
        .first()
        .expect("a recommendation")
        .id
        .clone();
    let accepted = app
        .change_recommendation(
            &admin(),
            &request,
            &ChangeRequest::Accept { id: id.clone() },
        )
        .await
        .expect("accept");
    assert_eq!(accepted.recommendation.status.name(), "accepted");
    assert_eq!(accepted.history.len(), 1);
    let twice = app
        .change_recommendation(
            &admin(),
            &request,
            &ChangeRequest::Implement {
                id: id.clone(),
                on: Some("soon".into()),
            },
        )
        .await
        .expect_err("not a day");
    assert!(twice.to_string().contains("soon"));
    let shown = App::open(app.config())
        .expect("app")
        .recommendation(&admin(), &request, &id)
        .await
        .expect("show");
    assert_eq!(shown.history.len(), 1);
    assert_eq!(shown.history[0].to, "accepted");
}
