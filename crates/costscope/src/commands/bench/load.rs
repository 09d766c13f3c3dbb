//! The server under load: `costscope serve` in a child process (so its peak memory is its
//! own) over the benchmark's lake, and concurrent clients for a fixed time, half of them a
//! restricted principal, mixing dashboard analyses and SQL. Reports errors, latency
//! percentiles per call and overall, throughput, the server's peak RSS, and what an HTTP
//! round trip adds to the same call made in process.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use costscope_app::cost::CostRequest;
use costscope_app::{App, AppConfig};
use costscope_query::access::{new_token, token_sha256};
use serde::Serialize;

use super::dashboards::percentiles;

/// The account the restricted principal sees (the demo organisation's application
/// production account).
const VISIBLE_ACCOUNT: &str = "222222222222";

/// One kind of request the clients make.
struct Request {
    name: &'static str,
    path: &'static str,
    body: String,
}

fn mix() -> Vec<Request> {
    let sql = |sql: &str| serde_json::json!({ "sql": sql }).to_string();
    vec![
        Request {
            name: "cost_by_service_per_month",
            path: "/api/v1/cost",
            body: r#"{"group_by":["service"],"granularity":"monthly","measure":"amortized"}"#
                .into(),
        },
        Request {
            name: "cost_by_account_per_day",
            path: "/api/v1/cost",
            body: r#"{"group_by":["account"],"granularity":"daily"}"#.into(),
        },
        Request {
            name: "score_league",
            path: "/api/v1/score",
            body: "{}".into(),
        },
        Request {
            name: "anomaly_inbox",
            path: "/api/v1/anomalies",
            body: "{}".into(),
        },
        Request {
            name: "sql_cost_by_account",
            path: "/api/v1/sql",
            body: sql(
                "SELECT line_item_usage_account_id, SUM(line_item_unblended_cost) AS cost \
                 FROM cur GROUP BY 1 ORDER BY 2 DESC",
            ),
        },
        Request {
            name: "sql_top_services",
            path: "/api/v1/sql",
            body: sql(
                "SELECT product_servicecode, COUNT(*) AS lines, SUM(line_item_unblended_cost) AS cost \
                 FROM cur GROUP BY 1 ORDER BY 3 DESC LIMIT 10",
            ),
        },
    ]
}

/// What one client saw of one request.
struct Sample {
    call: usize,
    restricted: bool,
    millis: f64,
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct Latency {
    name: String,
    count: usize,
    p50_ms: f64,
    p95_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

fn latency(name: impl Into<String>, millis: &[f64]) -> Latency {
    let (p50_ms, p95_ms, max_ms) = percentiles(millis);
    let mut sorted = millis.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = ((0.99 * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len().max(1));
    Latency {
        name: name.into(),
        count: millis.len(),
        p50_ms,
        p95_ms,
        p99_ms: sorted.get(at - 1).copied().unwrap_or(0.0),
        max_ms,
    }
}

/// A running `costscope serve`, stopped when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(lake: &Path, access: &Path) -> anyhow::Result<Server> {
        let mut child = Command::new(std::env::current_exe()?)
            .arg("--lake")
            .arg(lake)
            .arg("--access")
            .arg(access)
            .args(["serve", "--http", "127.0.0.1:0", "--pg", "127.0.0.1:0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        let stderr = child.stderr.take().expect("piped stderr");
        let mut lines = BufReader::new(stderr).lines();
        let base = loop {
            let Some(line) = lines.next().transpose()? else {
                anyhow::bail!("costscope serve stopped before it listened");
            };
            if let Some(rest) = line.strip_prefix("HTTP API on ") {
                let base = rest.split("/api/v1").next().unwrap_or(rest).to_string();
                break base;
            }
        };
        // Keep draining the server's log so it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Ok(Server { child, base })
    }

    /// The server's peak resident memory so far (Linux; 0 elsewhere).
    fn peak_rss_bytes(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()));
        status
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            })
            .map_or(0, |kb| kb * 1024)
    }
}

async fn send(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    request: &Request,
) -> Result<(), String> {
    let response = client
        .post(format!("{base}{}", request.path))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(request.body.clone())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("{status}: {}", String::from_utf8_lossy(&body)))
    }
}

/// Writes an access file with an administrator and a restricted analyst; their tokens.
fn access_file(dir: &Path) -> anyhow::Result<(std::path::PathBuf, String, String)> {
    let (admin, analyst) = (new_token(), new_token());
    let text = format!(
        "principals:\n\
         \x20 - name: finops\n    token_sha256: {}\n    roles: [finops]\n\
         \x20 - name: analyst\n    token_sha256: {}\n    roles: [app-team]\n\
         roles:\n  finops:\n    admin: true\n  app-team:\n    grants:\n\
         \x20     - tables: [cur]\n        permissions: [select]\n\
         \x20       rows: \"line_item_usage_account_id = '{VISIBLE_ACCOUNT}'\"\n\
         \x20       columns: {{exclude: [line_item_unblended_rate, line_item_blended_rate]}}\n",
        token_sha256(&admin),
        token_sha256(&analyst),
    );
    let path = dir.join("load-access.yaml");
    std::fs::write(&path, text)?;
    Ok((path, admin, analyst))
}

/// Runs `clients` clients for `seconds` against a server over `lake`.
pub async fn run_load(
    lake: &Path,
    dir: &Path,
    clients: usize,
    seconds: u64,
) -> anyhow::Result<serde_json::Value> {
    let (access, admin, analyst) = access_file(dir)?;
    let server = Server::start(lake, &access)?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()?;
    let requests = Arc::new(mix());
    // Each call once per principal: file metadata read, answers cached as a dashboard's
    // repeated calls are.
    for request in requests.iter() {
        for token in [&admin, &analyst] {
            send(&client, &server.base, token, request)
                .await
                .map_err(|e| anyhow::anyhow!("warm-up {}: {e}", request.name))?;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for id in 0..clients {
        let restricted = id % 2 == 1;
        let token = if restricted { &analyst } else { &admin }.clone();
        let (client, base, requests) = (client.clone(), server.base.clone(), requests.clone());
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut call = id;
            while Instant::now() < deadline {
                call = (call + 1) % requests.len();
                let began = Instant::now();
                let outcome = send(&client, &base, &token, &requests[call]).await;
                samples.push(Sample {
                    call,
                    restricted,
                    millis: began.elapsed().as_secs_f64() * 1000.0,
                    error: outcome.err(),
                });
            }
            samples
        }));
    }
    let mut samples = Vec::new();
    for task in tasks {
        samples.extend(task.await?);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let peak_rss_bytes = server.peak_rss_bytes();
    let overhead = http_overhead(lake, &access, &client, &server.base, &admin).await?;
    drop(server);

    let errors: Vec<&str> = samples.iter().filter_map(|s| s.error.as_deref()).collect();
    let all: Vec<f64> = samples.iter().map(|s| s.millis).collect();
    let mut calls: Vec<Latency> = Vec::new();
    for (index, request) in requests.iter().enumerate() {
        for restricted in [false, true] {
            let millis: Vec<f64> = samples
                .iter()
                .filter(|s| s.call == index && s.restricted == restricted)
                .map(|s| s.millis)
                .collect();
            let who = if restricted { "restricted" } else { "admin" };
            calls.push(latency(format!("{} ({who})", request.name), &millis));
        }
    }
    Ok(serde_json::json!({
        "clients": clients,
        "seconds": elapsed,
        "requests": samples.len(),
        "errors": errors.len(),
        "first_error": errors.first(),
        "throughput_per_second": samples.len() as f64 / elapsed.max(f64::EPSILON),
        "overall": latency("all", &all),
        "calls": calls,
        "server_peak_rss_bytes": peak_rss_bytes,
        "http_overhead": overhead,
    }))
}

/// The same answered-from-cache call in process and over HTTP, one at a time: the
/// difference of the medians is what the HTTP round trip adds.
async fn http_overhead(
    lake: &Path,
    access: &Path,
    client: &reqwest::Client,
    base: &str,
    token: &str,
) -> anyhow::Result<serde_json::Value> {
    const RUNS: usize = 200;
    let app = App::open(&AppConfig {
        lake: lake.to_path_buf(),
        access: Some(access.to_path_buf()),
    })?;
    let principal = app.principal("finops")?;
    let request = CostRequest {
        group_by: vec!["service".into()],
        granularity: "monthly".into(),
        measure: "amortized".into(),
        ..CostRequest::default()
    };
    let mut in_process = Vec::with_capacity(RUNS);
    app.cost(&principal, &request).await?;
    for _ in 0..RUNS {
        let began = Instant::now();
        app.cost(&principal, &request).await?;
        in_process.push(began.elapsed().as_secs_f64() * 1000.0);
    }
    let call = &mix()[0];
    let mut over_http = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let began = Instant::now();
        send(client, base, token, call)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        over_http.push(began.elapsed().as_secs_f64() * 1000.0);
    }
    let (in_process_p50, _, _) = percentiles(&in_process);
    let (http_p50, _, _) = percentiles(&over_http);
    Ok(serde_json::json!({
        "call": call.name,
        "runs": RUNS,
        "in_process_p50_ms": in_process_p50,
        "http_p50_ms": http_p50,
        "overhead_p50_ms": http_p50 - in_process_p50,
    }))
}
