//! Graceful shutdown: a request already running when shutdown starts gets its answer;
//! new connections are refused.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::fixture::{self, ADMIN};

/// The number of HTTP requests the server's metrics report in flight.
async fn in_flight(server: &fixture::TestServer) -> u64 {
    let (_, metrics) = server.get("/metrics", ADMIN).await;
    metrics
        .lines()
        .find(|l| l.starts_with("costscope_requests_in_flight{protocol=\"http\"}"))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn a_running_request_finishes_before_the_server_stops() {
    let mut server = fixture::start().await;
    let addr = server.http;
    let body = br#"{"sql": "SELECT count(*) AS n FROM cur"}"#;
    // The headers now; the body only once shutdown has begun.
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST /api/v1/sql HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {ADMIN}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("headers");
    stream.flush().await.expect("flush");
    // The metrics request is in flight itself: wait until a second one is.
    let mut waited = 0;
    while in_flight(&server).await < 2 {
        waited += 1;
        assert!(waited < 500, "the request never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let running = server.server.take().expect("server");
    let shutdown = tokio::spawn(running.shutdown());
    // Shutdown waits for the running request: it cannot finish before the body is sent.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !shutdown.is_finished(),
        "shutdown did not wait for the running request"
    );
    stream.write_all(body).await.expect("body");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .await
        .expect("response");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"rows\":[["), "{response}");
    shutdown.await.expect("join").expect("shutdown");
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "the listener is closed after shutdown"
    );
    let pg = TcpStream::connect(server.pg).await;
    assert!(
        pg.is_err(),
        "the PostgreSQL listener is closed after shutdown"
    );
}
