//! `costscope serve` as a process: it prints where it listens, answers, and stops on
//! SIGTERM with exit code 0.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::cli::{costscope, ingested_lake};

/// `METHOD path` with `body` and a bearer token over a fresh connection; the whole response.
fn http(addr: &str, method: &str, path: &str, token: &str, body: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {token}\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response");
    response
}

#[test]
fn serve_answers_and_stops_on_sigterm() {
    let lake = ingested_lake();
    let token = "cli-serve-token";
    let access = lake.path().join("access.yaml");
    let digest = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(token))
    };
    std::fs::write(
        &access,
        format!(
            "principals:\n  - name: ops\n    token_sha256: {digest}\n    roles: [finops]\n\
             roles:\n  finops:\n    admin: true\n"
        ),
    )
    .expect("access file");
    let mut child = costscope(lake.path())
        .args([
            "serve",
            "--http",
            "127.0.0.1:0",
            "--pg",
            "127.0.0.1:0",
            "--access",
        ])
        .arg(&access)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn serve");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let first = lines.next().expect("a line").expect("text");
    let addr = first
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_string();
    let health = http(&addr, "GET", "/healthz", "", "");
    assert!(
        health.starts_with("HTTP/1.1 200") && health.ends_with("ok\n"),
        "{health}"
    );
    let answer = http(
        &addr,
        "POST",
        "/api/v1/sql",
        token,
        r#"{"sql": "SELECT 6 * 7 AS n"}"#,
    );
    assert!(answer.contains("\"rows\":[[42]]"), "{answer}");
    let refused = http(
        &addr,
        "POST",
        "/api/v1/sql",
        "wrong",
        r#"{"sql": "SELECT 1"}"#,
    );
    assert!(refused.starts_with("HTTP/1.1 401"), "{refused}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "serve did not stop"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(status.success(), "{status}: {rest:?}");
    assert!(rest.iter().any(|l| l.contains("shutting down")), "{rest:?}");
}
