//! A restricted principal through the application layer: every analysis and the stored
//! state answer from its rows only; changes need a role that may change state.

use std::path::Path;

use costscope_app::anomalies::{AnomaliesRequest, AnomaliesResponse, FeedbackRequest};
use costscope_app::cost::CostRequest;
use costscope_app::recommend::{ChangeRequest, RecommendRequest};
use costscope_app::sql::{MAX_QUERY_BYTES, SqlRequest};
use costscope_app::{ErrorKind, Principal};
use costscope_query::Access;

use crate::fixture::{admin, private_app, shared_app};

const ACCESS: &str = "
principals:
  - name: app-dev
    token_sha256: b47e27e72fbb8eb33a0497958e5399109741926c273211166ae7dfb1c8e22c57
    roles: [app-team]
  - name: app-lead
    token_sha256: 9c220f200955d76c0a38d308225e0ef10c5f971acaf2f8d1d8f732affa5bd1dc
    roles: [app-team, app-changes]
roles:
  app-team:
    grants:
      - tables: [cur]
        permissions: [select, describe]
        rows: \"line_item_usage_account_name LIKE 'App-Team-%'\"
  app-changes:
    may_change_state: true
";

fn principal(name: &str) -> Principal {
    Access::parse(ACCESS, "access.yaml", Path::new("."))
        .expect("access")
        .principal(name)
        .expect("principal")
}

#[tokio::test]
async fn analyses_answer_from_the_principals_rows() {
    let app = shared_app().await;
    let request = CostRequest {
        group_by: vec!["account".into()],
        ..CostRequest::default()
    };
    let mine = app
        .cost(&principal("app-dev"), &request)
        .await
        .expect("cost");
    let all = app.cost(&admin(), &request).await.expect("cost");
    let names = |report: &costscope_app::cost::CostResponse| -> Vec<String> {
        let mut names: Vec<String> = report.rows.iter().map(|r| r.dimensions.join(" ")).collect();
        names.sort();
        names.dedup();
        names
    };
    assert!(
        names(&mine).iter().all(|n| n.contains("App-Team-")),
        "{:?}",
        names(&mine)
    );
    assert!(names(&all).iter().any(|n| !n.contains("App-Team-")));
    let team_total: f64 = all
        .rows
        .iter()
        .filter(|r| r.dimensions.join(" ").contains("App-Team-"))
        .map(|r| r.amount)
        .sum();
    let my_total: f64 = mine.totals.iter().map(|t| t.amount).sum();
    assert!(
        (team_total - my_total).abs() <= 1e-6 * team_total.abs().max(1.0),
        "{team_total} vs {my_total}"
    );
}

#[tokio::test]
async fn anomalies_of_hidden_rows_do_not_exist_and_changes_need_the_right_role() {
    let (_copy, app) = private_app().await;
    let AnomaliesResponse::Daily(everything) = app
        .anomalies(&admin(), &AnomaliesRequest::default())
        .await
        .expect("scan")
    else {
        panic!("a daily scan");
    };
    let AnomaliesResponse::Daily(mine) = app
        .anomalies(&principal("app-dev"), &AnomaliesRequest::default())
        .await
        .expect("scan")
    else {
        panic!("a daily scan");
    };
    let hidden = everything
        .anomalies
        .iter()
        .find(|a| mine.anomalies.iter().all(|m| m.id != a.id))
        .expect("an anomaly outside the App Team's rows");
    let missing = app
        .anomaly(&principal("app-dev"), &hidden.id)
        .await
        .expect_err("hidden anomaly");
    assert_eq!(missing.kind(), ErrorKind::NotFound, "{missing}");
    let feedback = |id: &str| FeedbackRequest {
        id: id.to_string(),
        state: "expected".into(),
        note: None,
    };
    let denied = app
        .anomaly_feedback(&principal("app-dev"), &feedback(&hidden.id))
        .await
        .expect_err("no change role");
    assert_eq!(denied.kind(), ErrorKind::Denied, "{denied}");
    let not_found = app
        .anomaly_feedback(&principal("app-lead"), &feedback(&hidden.id))
        .await
        .expect_err("hidden anomaly");
    assert_eq!(not_found.kind(), ErrorKind::NotFound, "{not_found}");
    let stored = app
        .anomaly(&admin(), &hidden.id)
        .await
        .expect("admin sees it");
    assert_eq!(stored.feedback, None, "nothing was changed");
    if let Some(own) = mine.anomalies.first() {
        let shown = app
            .anomaly(&principal("app-dev"), &own.id)
            .await
            .expect("own anomaly");
        assert_eq!(shown.id, own.id);
    }
}

#[tokio::test]
async fn recommendation_changes_need_a_role_that_may_change_state() {
    let (_copy, app) = private_app().await;
    let request = RecommendRequest::default();
    let report = app
        .recommend(&principal("app-dev"), &request)
        .await
        .expect("recommend");
    let first = report
        .recommendations
        .first()
        .expect("the App Team's rows have a recommendation");
    let change = ChangeRequest::Accept {
        id: first.id.clone(),
    };
    let denied = app
        .change_recommendation(&principal("app-dev"), &request, &change)
        .await
        .expect_err("read-only role");
    assert_eq!(denied.kind(), ErrorKind::Denied);
    app.change_recommendation(&principal("app-lead"), &request, &change)
        .await
        .expect("a role that may change state");
}

#[tokio::test]
async fn an_oversized_statement_is_refused_before_it_is_parsed() {
    let app = shared_app().await;
    let query = format!("SELECT 1 /* {} */", "x".repeat(MAX_QUERY_BYTES));
    let error = app
        .sql(&principal("app-dev"), &SqlRequest { query })
        .await
        .expect_err("too long");
    assert_eq!(error.kind(), ErrorKind::User);
    assert!(error.to_string().contains("bytes"), "{error}");
}
