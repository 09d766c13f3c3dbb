//! Both listeners speak TLS when given a certificate and its key.

use serde_json::json;

use crate::fixture::{self, ADMIN, ADMIN_NAME};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_and_postgresql_over_tls() {
    let server = fixture::start_tls().await;
    let (status, text) = server.get("/healthz", "").await;
    assert_eq!((status, text.as_str()), (200, "ok\n"));
    let (status, text) = server
        .post(
            "/api/v1/sql",
            ADMIN,
            &json!({"sql": "SELECT 40 + 2 AS n"}).to_string(),
        )
        .await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("[[42]]"), "{text}");

    // Plain HTTP to the TLS port gets no answer.
    let plain = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
        .get(format!("http://{}/healthz", server.http))
        .send()
        .await;
    assert!(plain.is_err() || plain.is_ok_and(|r| !r.status().is_success()));

    // psql verifies the certificate against the fixture's root.
    let output = server.psql(ADMIN_NAME, ADMIN, &["-c", "SELECT 40 + 2"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "42");
}
