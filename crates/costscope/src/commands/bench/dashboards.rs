//! Dashboard-type calls through the application layer, as a front end makes them: each
//! call once to warm the process (file metadata, caches), then `runs` times; the median
//! and the 95th percentile of the warm runs are reported.

use std::time::Instant;

use costscope_app::anomalies::AnomaliesRequest;
use costscope_app::cost::CostRequest;
use costscope_app::score::ScoreRequest;
use costscope_app::{App, Principal};
use serde::Serialize;

/// One dashboard call's warm latencies: answered from the result cache (a repeated
/// call), and computed (the first call after an ingest; file metadata already cached).
#[derive(Debug, Serialize)]
pub struct CallTiming {
    pub name: &'static str,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub max_ms: f64,
    pub uncached_p50_ms: f64,
    pub uncached_p95_ms: f64,
    pub runs_ms: Vec<f64>,
    pub uncached_runs_ms: Vec<f64>,
}

/// The median and 95th percentile (nearest rank) of `runs`, and their maximum.
pub(super) fn percentiles(runs: &[f64]) -> (f64, f64, f64) {
    let mut sorted = runs.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = |q: f64| {
        let at = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len().max(1));
        sorted.get(at - 1).copied().unwrap_or(0.0)
    };
    (rank(0.5), rank(0.95), rank(1.0))
}

/// The account and team the single-account and single-team calls look at: the demo
/// organisation's application production account and team.
const ACCOUNT: &str = "222222222222";
const TEAM: &str = "app-team";

fn cost(group_by: &[&str], granularity: &str, filters: &[&str], top: Option<usize>) -> CostRequest {
    CostRequest {
        group_by: group_by.iter().map(|g| g.to_string()).collect(),
        granularity: granularity.into(),
        measure: "amortized".into(),
        filters: filters.iter().map(|f| f.to_string()).collect(),
        top,
        ..CostRequest::default()
    }
}

/// Times every dashboard call `runs` times after one warm-up call.
pub async fn time_dashboards(app: &App, runs: usize) -> anyhow::Result<Vec<CallTiming>> {
    let admin = Principal::admin();
    let account = format!("account={ACCOUNT}");
    let team = format!("tag:team={TEAM}");
    let calls: Vec<(&'static str, Call)> = vec![
        (
            "cost_by_service_per_month",
            Call::Cost(cost(&["service"], "monthly", &[], None)),
        ),
        (
            "cost_by_account_per_month",
            Call::Cost(cost(&["account"], "monthly", &[], None)),
        ),
        (
            "cost_by_team_per_month",
            Call::Cost(cost(&["team"], "monthly", &[], None)),
        ),
        (
            "daily_trend_of_one_account",
            Call::Cost(cost(&[], "daily", &[&account], None)),
        ),
        (
            "top_20_resources_of_one_team",
            Call::Cost(cost(&["resource"], "monthly", &[&team], Some(20))),
        ),
        ("score_league", Call::Score(ScoreRequest::default())),
        (
            "anomaly_inbox",
            Call::Anomalies(AnomaliesRequest::default()),
        ),
    ];
    let mut timings = Vec::new();
    for (name, call) in calls {
        call.run(app, &admin).await?;
        let timed = async |clear: bool| -> anyhow::Result<Vec<f64>> {
            let mut runs_ms = Vec::with_capacity(runs);
            for _ in 0..runs.max(1) {
                if clear {
                    app.result_cache().clear();
                }
                let started = Instant::now();
                call.run(app, &admin).await?;
                runs_ms.push(started.elapsed().as_secs_f64() * 1000.0);
            }
            Ok(runs_ms)
        };
        let runs_ms = timed(false).await?;
        let uncached_runs_ms = timed(true).await?;
        let (p50_ms, p95_ms, max_ms) = percentiles(&runs_ms);
        let (uncached_p50_ms, uncached_p95_ms, _) = percentiles(&uncached_runs_ms);
        timings.push(CallTiming {
            name,
            p50_ms,
            p95_ms,
            max_ms,
            uncached_p50_ms,
            uncached_p95_ms,
            runs_ms,
            uncached_runs_ms,
        });
    }
    Ok(timings)
}

enum Call {
    Cost(CostRequest),
    Score(ScoreRequest),
    Anomalies(AnomaliesRequest),
}

impl Call {
    async fn run(&self, app: &App, principal: &Principal) -> anyhow::Result<()> {
        match self {
            Call::Cost(request) => {
                app.cost(principal, request).await?;
            }
            Call::Score(request) => {
                app.score(principal, request).await?;
            }
            Call::Anomalies(request) => {
                app.anomalies(principal, request).await?;
            }
        }
        Ok(())
    }
}
