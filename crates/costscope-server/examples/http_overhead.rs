//! The cost of the HTTP API over an in-process call: the same statement through
//! `App::sql` and through `POST /api/v1/sql` (JSON rows) on 127.0.0.1, N times each,
//! with p50 and p95 latencies and the overhead at p50.
//!
//! Usage: `http_overhead LAKE [N]` (a lake made by `costscope demo`; N defaults to 200).

use std::time::{Duration, Instant};

use costscope_app::sql::SqlRequest;
use costscope_app::{App, AppConfig, Principal};
use costscope_server::ServeConfig;
use sha2::{Digest, Sha256};

const QUERIES: [&str; 2] = [
    "SELECT 1 AS one",
    "SELECT line_item_usage_account_name, sum(line_item_unblended_cost) AS cost FROM cur GROUP BY 1 ORDER BY 2 DESC",
];

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let lake = args.next().ok_or("usage: http_overhead LAKE [N]")?;
    let n: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(200);
    let dir = tempfile::tempdir()?;
    let token = "bench-token";
    let access = dir.path().join("access.yaml");
    std::fs::write(
        &access,
        format!(
            "principals:\n  - name: bench\n    token_sha256: {}\n    roles: [finops]\nroles:\n  finops:\n    admin: true\n",
            hex::encode(Sha256::digest(token))
        ),
    )?;
    let loopback = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let config = ServeConfig {
        http: Some(loopback),
        pg: None,
        ..ServeConfig::new(lake.clone().into(), Some(access))
    };
    let server = costscope_server::start(&config).await?;
    let url = format!("http://{}/api/v1/sql", server.http_addr().ok_or("no http")?);
    let client = reqwest::Client::builder().no_proxy().build()?;
    let app = App::open(&AppConfig {
        lake: lake.into(),
        access: None,
    })?;
    let principal = Principal::admin();
    println!("{n} calls each; latency p50 / p95 in milliseconds");
    for query in QUERIES {
        let request = SqlRequest {
            query: query.into(),
        };
        let body = serde_json::json!({ "sql": query }).to_string();
        // Warm both paths (file metadata, connection pool).
        app.sql(&principal, &request).await?;
        client
            .post(&url)
            .bearer_auth(token)
            .body(body.clone())
            .send()
            .await?
            .bytes()
            .await?;
        let mut local = Vec::with_capacity(n);
        let mut http = Vec::with_capacity(n);
        for _ in 0..n {
            let started = Instant::now();
            app.sql(&principal, &request).await?;
            local.push(started.elapsed());
            let started = Instant::now();
            let response = client
                .post(&url)
                .bearer_auth(token)
                .body(body.clone())
                .send()
                .await?;
            assert!(response.status().is_success());
            response.bytes().await?;
            http.push(started.elapsed());
        }
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let (l50, l95) = (percentile(&mut local, 0.5), percentile(&mut local, 0.95));
        let (h50, h95) = (percentile(&mut http, 0.5), percentile(&mut http, 0.95));
        println!("{query}");
        println!(
            "  in-process {:.2} / {:.2}   HTTP {:.2} / {:.2}   overhead at p50 {:.2} ms",
            ms(l50),
            ms(l95),
            ms(h50),
            ms(h95),
            ms(h50) - ms(l50)
        );
    }
    server.shutdown().await?;
    Ok(())
}
