//! Repeated calls are answered from the result cache until an ingest publishes a new
//! manifest; then the answer is computed again, from the new data.

use costscope_app::cost::CostRequest;
use costscope_app::{App, AppConfig};
use costscope_lake::Lake;
use costscope_lake::ingest::cur::ingest_cur;
use costscope_synth::GenerateOptions;

use crate::fixture::{admin, private_app};

fn by_service() -> CostRequest {
    CostRequest {
        group_by: vec!["service".into()],
        measure: "amortized".into(),
        ..CostRequest::default()
    }
}

#[tokio::test]
async fn repeated_calls_are_answered_from_the_cache_until_an_ingest() {
    let (lake_dir, app) = private_app().await;
    let json =
        |value: &costscope_app::cost::CostResponse| serde_json::to_value(value).expect("json");
    let first = app.cost(&admin(), &by_service()).await.expect("cost");
    assert_eq!(app.result_cache().len(), 1);
    let again = app.cost(&admin(), &by_service()).await.expect("cost");
    assert_eq!(json(&again), json(&first));
    assert_eq!(app.result_cache().len(), 1, "answered from the cache");
    let daily = CostRequest {
        granularity: "daily".into(),
        ..by_service()
    };
    app.cost(&admin(), &daily).await.expect("cost");
    assert_eq!(
        app.result_cache().len(),
        2,
        "another request, another answer"
    );

    // AWS restates the last month: another organisation's bill replaces it.
    let other = tempfile::tempdir().expect("tempdir");
    let generated = costscope_synth::generate(&GenerateOptions {
        out: other.path().join("data"),
        seed: 43,
        months: 1,
        ..GenerateOptions::default()
    })
    .expect("generate");
    let lake = Lake::open(lake_dir.path()).expect("lake");
    ingest_cur(
        &lake,
        generated.export_root.to_str().expect("path"),
        &Default::default(),
    )
    .await
    .expect("restatement");
    let after = app.cost(&admin(), &by_service()).await.expect("cost");
    assert_ne!(
        json(&after),
        json(&first),
        "the cache did not outlive the ingest"
    );
    let uncached = App::open(&AppConfig {
        lake: lake_dir.path().to_path_buf(),
        access: None,
    })
    .expect("app");
    let fresh = uncached.cost(&admin(), &by_service()).await.expect("cost");
    assert_eq!(json(&after), json(&fresh));
    assert_eq!(app.result_cache().len(), 1, "older answers are dropped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identical_calls_arriving_together_are_computed_once() {
    let (_lake_dir, app) = private_app().await;
    let before = app.result_cache().computed();
    let principal = admin();
    let request = by_service();
    let call = || app.cost(&principal, &request);
    let (a, b, c, d) = tokio::join!(call(), call(), call(), call());
    let answers = [a, b, c, d].map(|r| serde_json::to_value(r.expect("cost")).expect("json"));
    assert!(answers.iter().all(|a| *a == answers[0]), "the same answer");
    assert_eq!(app.result_cache().computed() - before, 1, "computed once");
    let daily = CostRequest {
        granularity: "daily".into(),
        ..by_service()
    };
    app.cost(&principal, &daily).await.expect("cost");
    assert_eq!(
        app.result_cache().computed() - before,
        2,
        "another request is computed"
    );
}
