//! The one door of both protocols: [`Service::call`] runs a [`Call`] for a principal on
//! the app. Whatever is true of every request — who may change state, what is counted,
//! what the audit log and the query history record — is done here, once.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use costscope_analytics::anomalies::Anomaly;
use costscope_analytics::network::{
    CrossAzReport, EgressReport, NatFinding, NatReport, ReconcileReport, TopTalkersReport,
};
use costscope_app::access::{Reloaded, WhoAmI};
use costscope_app::allocate::{AllocateRequest, AllocateResponse};
use costscope_app::anomalies::{
    AnomaliesRequest, AnomaliesResponse, EvaluateRequest, EvaluateResponse, FeedbackRequest,
    FeedbackResponse,
};
use costscope_app::audit::{AuditLogRequest, AuditLogResponse};
use costscope_app::budgets::{BacktestRequest, BacktestResponse, BudgetsRequest, BudgetsResponse};
use costscope_app::cost::{CostRequest, CostResponse};
use costscope_app::genai::{GenaiRequest, GenaiResponse};
use costscope_app::history::{HistoryRequest, HistoryResponse};
use costscope_app::network::NetworkRequest;
use costscope_app::recommend::{
    ChangeRequest, RecommendRequest, RecommendResponse, RecommendationDetail,
};
use costscope_app::report::{WeeklyRequest, WeeklyResponse};
use costscope_app::score::{KpisRequest, KpisResponse, ScoreRequest, ScoreResponse};
use costscope_app::sql::{SqlRequest, TablePartition};
use costscope_app::tags::{TagsRequest, TagsResponse};
use costscope_app::unit_cost::{UnitCostRequest, UnitCostResponse};
use costscope_app::whois::{WhoisRequest, WhoisResponse};
use costscope_app::{App, Principal};
use costscope_query::QueryResult;
use serde::Serialize;
use tokio::sync::Notify;

use crate::Result;
use crate::auth::{self, Authenticator};
use crate::metrics::Metrics;

/// One request of either protocol, with its typed parameters (what the audit log
/// records as "the analysis and its parameters").
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "call", content = "request", rename_all = "kebab-case")]
pub enum Call {
    /// The user's own SQL, in a workgroup the principal belongs to if one is named.
    Sql {
        request: SqlRequest,
        workgroup: Option<String>,
    },
    Tables,
    Cost(CostRequest),
    Allocate(AllocateRequest),
    Tags(TagsRequest),
    UnitCost(UnitCostRequest),
    Budgets(BudgetsRequest),
    BudgetsBacktest(BacktestRequest),
    Anomalies(AnomaliesRequest),
    Anomaly {
        id: String,
    },
    AnomalyFeedback(FeedbackRequest),
    AnomaliesEvaluate(EvaluateRequest),
    Network {
        view: NetworkView,
        request: NetworkRequest,
    },
    Whois(WhoisRequest),
    Score(ScoreRequest),
    Kpis(KpisRequest),
    Recommend(RecommendRequest),
    Recommendation {
        id: String,
        request: RecommendRequest,
    },
    ChangeRecommendation {
        request: RecommendRequest,
        change: ChangeRequest,
    },
    Genai(GenaiRequest),
    WeeklyReport(WeeklyRequest),
    /// Who the caller is and which tables it may use.
    Whoami,
    /// The query history of the caller's workgroups.
    History(HistoryRequest),
    /// The audit log (administrators).
    AuditLog(AuditLogRequest),
    /// Reads the access file again (administrators).
    ReloadAccess,
}

/// The network analyses, by the last segment of their path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NetworkView {
    CrossAz,
    Nat,
    TopTalkers,
    Egress,
    Reconcile,
    Story,
    Findings,
}

impl NetworkView {
    /// Every view.
    pub const ALL: [NetworkView; 7] = [
        NetworkView::CrossAz,
        NetworkView::Nat,
        NetworkView::TopTalkers,
        NetworkView::Egress,
        NetworkView::Reconcile,
        NetworkView::Story,
        NetworkView::Findings,
    ];

    /// The view's name in paths and metrics.
    pub fn name(self) -> &'static str {
        match self {
            NetworkView::CrossAz => "cross-az",
            NetworkView::Nat => "nat",
            NetworkView::TopTalkers => "top-talkers",
            NetworkView::Egress => "egress",
            NetworkView::Reconcile => "reconcile",
            NetworkView::Story => "story",
            NetworkView::Findings => "findings",
        }
    }
}

impl Call {
    /// A stable name, for metrics and logs.
    pub fn name(&self) -> &'static str {
        match self {
            Call::Sql { .. } => "sql",
            Call::Tables => "tables",
            Call::Cost(_) => "cost",
            Call::Allocate(_) => "allocate",
            Call::Tags(_) => "tags",
            Call::UnitCost(_) => "unit-cost",
            Call::Budgets(_) => "budgets",
            Call::BudgetsBacktest(_) => "budgets-backtest",
            Call::Anomalies(_) => "anomalies",
            Call::Anomaly { .. } => "anomaly",
            Call::AnomalyFeedback(_) => "anomaly-feedback",
            Call::AnomaliesEvaluate(_) => "anomalies-evaluate",
            Call::Network { view, .. } => match view {
                NetworkView::CrossAz => "network-cross-az",
                NetworkView::Nat => "network-nat",
                NetworkView::TopTalkers => "network-top-talkers",
                NetworkView::Egress => "network-egress",
                NetworkView::Reconcile => "network-reconcile",
                NetworkView::Story => "network-story",
                NetworkView::Findings => "network-findings",
            },
            Call::Whois(_) => "whois",
            Call::Score(_) => "score",
            Call::Kpis(_) => "kpis",
            Call::Recommend(_) => "recommend",
            Call::Recommendation { .. } => "recommendation",
            Call::ChangeRecommendation { .. } => "change-recommendation",
            Call::Genai(_) => "genai",
            Call::WeeklyReport(_) => "report-weekly",
            Call::Whoami => "whoami",
            Call::History(_) => "history",
            Call::AuditLog(_) => "audit-log",
            Call::ReloadAccess => "access-reload",
        }
    }

    /// Whether the call changes stored state (anomaly feedback, the recommendation
    /// lifecycle): only principals that may change state make it.
    pub fn changes_state(&self) -> bool {
        matches!(
            self,
            Call::AnomalyFeedback(_) | Call::ChangeRecommendation { .. } | Call::ReloadAccess
        )
    }
}

/// What a call answers: the app's response for it.
#[derive(Serialize)]
#[serde(untagged)]
pub enum Answer {
    /// Rows of the user's SQL; the protocols encode them themselves (JSON rows, Arrow
    /// IPC, PostgreSQL data rows).
    #[serde(serialize_with = "rows_are_encoded_by_the_protocol")]
    Rows(QueryResult),
    Tables(Vec<TablePartition>),
    Cost(CostResponse),
    Allocate(AllocateResponse),
    Tags(TagsResponse),
    UnitCost(UnitCostResponse),
    Budgets(BudgetsResponse),
    BudgetsBacktest(BacktestResponse),
    Anomalies(AnomaliesResponse),
    Anomaly(Anomaly),
    Feedback(FeedbackResponse),
    Evaluation(EvaluateResponse),
    CrossAz(CrossAzReport),
    Nat(NatReport),
    TopTalkers(TopTalkersReport),
    Egress(EgressReport),
    Reconcile(ReconcileReport),
    Story(Vec<String>),
    Findings(Vec<NatFinding>),
    Whois(WhoisResponse),
    Score(ScoreResponse),
    Kpis(KpisResponse),
    Recommend(RecommendResponse),
    Recommendation(RecommendationDetail),
    Genai(GenaiResponse),
    Weekly(WeeklyResponse),
    Whoami(WhoAmI),
    History(HistoryResponse),
    AuditLog(AuditLogResponse),
    Reloaded(Reloaded),
}

fn rows_are_encoded_by_the_protocol<S: serde::Serializer>(
    _rows: &QueryResult,
    _serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    Err(serde::ser::Error::custom(
        "SQL rows are encoded by the protocol (http::rows, pg::encode)",
    ))
}

/// The app, the credentials it accepts and the counters of what it served.
pub struct Service {
    app: App,
    auth: Authenticator,
    metrics: Metrics,
    flight: Flight,
}

impl Service {
    /// Opens the app over `lake` with the principals of `access`, and loads the identity
    /// provider's keys if the access file names one.
    pub async fn open(lake: &Path, access: Option<&Path>) -> Result<Service> {
        let app = auth::open_app(lake, access)?;
        let auth = Authenticator::new(&app).await?;
        Ok(Service {
            app,
            auth,
            metrics: Metrics::new(),
            flight: Flight::default(),
        })
    }

    /// The application.
    pub fn app(&self) -> &App {
        &self.app
    }

    /// The counters `/metrics` exposes.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The principal a bearer credential (an access-file token or an identity provider's
    /// JWT) stands for; failures are counted as denials.
    pub async fn authenticate(&self, credential: &str) -> Result<Principal> {
        let found = self.auth.authenticate(&self.app, credential).await;
        if let Err(error) = &found {
            self.metrics.denied(None, error.kind());
        }
        found
    }

    /// Runs `call` for `principal`. Every request of every protocol comes through here.
    pub async fn call(&self, principal: &Principal, call: Call) -> Result<Answer> {
        let _running = self.flight.enter();
        let name = call.name();
        let started = Instant::now();
        let result = self.run(principal, call).await;
        let workgroup = auth::workgroup_name(principal);
        self.metrics
            .finished(name, &workgroup, started.elapsed(), &result);
        result
    }

    async fn run(&self, principal: &Principal, call: Call) -> Result<Answer> {
        // Who may change state is the app's rule (`Principal::may_change_state`).
        let app = &self.app;
        Ok(match call {
            Call::Sql { request, workgroup } => {
                let principal = match workgroup {
                    Some(name) => principal.in_workgroup(&name)?,
                    None => principal.clone(),
                };
                Answer::Rows(app.sql(&principal, &request).await?)
            }
            Call::Tables => Answer::Tables(app.tables(principal).await?),
            Call::Cost(r) => Answer::Cost(app.cost(principal, &r).await?),
            Call::Allocate(r) => Answer::Allocate(app.allocate(principal, &r).await?),
            Call::Tags(r) => Answer::Tags(app.tags(principal, &r).await?),
            Call::UnitCost(r) => Answer::UnitCost(app.unit_cost(principal, &r).await?),
            Call::Budgets(r) => Answer::Budgets(app.budgets(principal, &r).await?),
            Call::BudgetsBacktest(r) => {
                Answer::BudgetsBacktest(app.backtest_budgets(principal, &r).await?)
            }
            Call::Anomalies(r) => Answer::Anomalies(app.anomalies(principal, &r).await?),
            Call::Anomaly { id } => Answer::Anomaly(app.anomaly(principal, &id).await?),
            Call::AnomalyFeedback(r) => {
                Answer::Feedback(app.anomaly_feedback(principal, &r).await?)
            }
            Call::AnomaliesEvaluate(r) => {
                Answer::Evaluation(app.evaluate_anomalies(principal, &r).await?)
            }
            Call::Network { view, request: r } => match view {
                NetworkView::CrossAz => Answer::CrossAz(app.cross_az(principal, &r).await?),
                NetworkView::Nat => Answer::Nat(app.nat(principal, &r).await?),
                NetworkView::TopTalkers => {
                    Answer::TopTalkers(app.top_talkers(principal, &r).await?)
                }
                NetworkView::Egress => Answer::Egress(app.egress(principal, &r).await?),
                NetworkView::Reconcile => Answer::Reconcile(app.reconcile(principal, &r).await?),
                NetworkView::Story => Answer::Story(app.nat_story(principal, &r).await?),
                NetworkView::Findings => Answer::Findings(app.nat_findings(principal, &r).await?),
            },
            Call::Whois(r) => Answer::Whois(app.whois(principal, &r).await?),
            Call::Score(r) => Answer::Score(app.score(principal, &r).await?),
            Call::Kpis(r) => Answer::Kpis(app.kpis(principal, &r).await?),
            Call::Recommend(r) => Answer::Recommend(app.recommend(principal, &r).await?),
            Call::Recommendation { id, request } => {
                Answer::Recommendation(app.recommendation(principal, &request, &id).await?)
            }
            Call::ChangeRecommendation { request, change } => Answer::Recommendation(
                app.change_recommendation(principal, &request, &change)
                    .await?,
            ),
            Call::Genai(r) => Answer::Genai(app.genai(principal, &r).await?),
            Call::WeeklyReport(r) => Answer::Weekly(app.weekly_reports(principal, &r).await?),
            Call::Whoami => Answer::Whoami(app.whoami(principal).await?),
            Call::History(r) => Answer::History(app.history(principal, &r).await?),
            Call::AuditLog(r) => Answer::AuditLog(app.audit_log(principal, &r).await?),
            Call::ReloadAccess => Answer::Reloaded(app.reload_access(principal).await?),
        })
    }

    /// Resolves when no call is running.
    pub async fn idle(&self) {
        loop {
            // Registered before the check, so an end between the check and the wait wakes it.
            let changed = self.flight.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if self.flight.running.load(Ordering::SeqCst) == 0 {
                return;
            }
            changed.await;
        }
    }

    /// Calls running now.
    pub fn running(&self) -> usize {
        self.flight.running.load(Ordering::SeqCst)
    }
}

/// The calls in flight, so that shutdown can wait for them.
#[derive(Default)]
struct Flight {
    running: AtomicUsize,
    changed: Notify,
}

/// One running call; dropping it ends the call.
struct Running<'a>(&'a Flight);

impl Flight {
    fn enter(&self) -> Running<'_> {
        self.running.fetch_add(1, Ordering::SeqCst);
        Running(self)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::SeqCst);
        self.0.changed.notify_waiters();
    }
}
