//! Every route of the API with what the OpenAPI document says of it. The router and
//! the document are both built from [`routes`], so a route cannot be left undocumented.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use costscope_app::access::{Reloaded, WhoAmI};
use costscope_app::anomalies::{AnomaliesRequest, EvaluateRequest, FeedbackRequest};
use costscope_app::audit::AuditLogRequest;
use costscope_app::budgets::{BacktestRequest, BudgetsRequest};
use costscope_app::cost::CostRequest;
use costscope_app::genai::GenaiRequest;
use costscope_app::history::HistoryRequest;
use costscope_app::network::NetworkRequest;
use costscope_app::recommend::{ChangeRequest, RecommendRequest};
use costscope_app::report::WeeklyRequest;
use costscope_app::score::{KpisRequest, ScoreRequest};
use costscope_app::sql::{SqlRequest, TablePartition};
use costscope_app::tags::TagsRequest;
use costscope_app::unit_cost::UnitCostRequest;
use costscope_app::whois::WhoisRequest;
use costscope_app::{allocate::AllocateRequest, anomalies::FeedbackResponse};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::body::Body;
use super::{Caller, rows};
use crate::service::NetworkView;
use crate::{Answer, Call, Error, Result, Service};

/// A JSON schema of a type, generated on demand.
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

fn schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// The HTTP method of a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Get,
    Post,
}

impl Verb {
    /// The method's lowercase name, as OpenAPI writes it.
    pub fn name(self) -> &'static str {
        match self {
            Verb::Get => "get",
            Verb::Post => "post",
        }
    }
}

/// What a successful response carries.
#[derive(Clone, Copy)]
pub enum Shape {
    /// JSON of a type with a generated schema.
    Schema(SchemaFn),
    /// JSON of an analysis report, whose fields a page of `docs/` describes.
    Report {
        name: &'static str,
        doc: &'static str,
    },
    /// SQL rows: JSON rows or an Arrow IPC stream.
    Rows,
    /// Text of a media type.
    Text(&'static str),
    /// A file of one of these media types.
    Files(&'static [&'static str]),
    /// The OpenAPI document itself.
    OpenApi,
}

/// What the OpenAPI document says of a route.
#[derive(Clone, Copy)]
pub struct Endpoint {
    pub verb: Verb,
    /// The path, with `{name}` for path parameters (axum's syntax and OpenAPI's).
    pub path: &'static str,
    pub summary: &'static str,
    /// The request body's schema (`None`: no body).
    pub request: Option<SchemaFn>,
    pub response: Shape,
    /// Only principals that may change state may call it (403 otherwise).
    pub changes_state: bool,
    /// Answered without a credential.
    pub public: bool,
}

/// A route: its handler and its documentation.
pub struct Route {
    pub endpoint: Endpoint,
    pub handler: MethodRouter<Arc<Service>>,
}

impl Route {
    fn changing_state(mut self) -> Route {
        self.endpoint.changes_state = true;
        self
    }
}

/// `POST /api/v1/sql`: the user's own statement.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SqlBody {
    /// One Athena-compatible SQL statement, run read-only in the caller's session.
    pub sql: String,
    /// A workgroup the caller belongs to (default: the caller's own).
    #[serde(default)]
    pub workgroup: Option<String>,
}

/// `POST /api/v1/anomalies/{id}/feedback`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackBody {
    /// `confirmed`, `expected` or `false-positive`.
    pub state: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// `POST /api/v1/recommendations/{id}/accept` (and `reopen`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ChangeBody {
    /// The options the recommendation was listed with (rules, prices, as_of), so that
    /// the same id is found.
    pub options: RecommendRequest,
}

/// `POST /api/v1/recommendations/{id}/dismiss`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DismissBody {
    /// Why it is dismissed.
    pub reason: String,
    #[serde(default)]
    pub options: RecommendRequest,
}

/// `POST /api/v1/recommendations/{id}/implement`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ImplementBody {
    /// The day it was implemented, `YYYY-MM-DD` (default: today).
    pub on: Option<String>,
    pub options: RecommendRequest,
}

/// The JSON of an answer.
fn json(answer: Result<Answer>) -> Result<Response> {
    let body = serde_json::to_vec(&answer?).map_err(|e| Error::Encode(e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// A route whose body is the app's request `R`, made into a call by `call`.
fn analysis<R>(
    path: &'static str,
    summary: &'static str,
    response: Shape,
    call: fn(R) -> Call,
) -> Route
where
    R: DeserializeOwned + JsonSchema + Send + 'static,
{
    let handler = move |State(service): State<Arc<Service>>,
                        Caller(principal): Caller,
                        Body(request): Body<R>| async move {
        json(service.call(&principal, call(request)).await)
    };
    Route {
        endpoint: Endpoint {
            verb: Verb::Post,
            path,
            summary,
            request: Some(schema_of::<R>),
            response,
            changes_state: false,
            public: false,
        },
        handler: post(handler),
    }
}

fn endpoint(verb: Verb, path: &'static str, summary: &'static str, response: Shape) -> Endpoint {
    Endpoint {
        verb,
        path,
        summary,
        request: None,
        response,
        changes_state: false,
        public: false,
    }
}

const fn report(name: &'static str, doc: &'static str) -> Shape {
    Shape::Report { name, doc }
}

/// Every route of the API.
pub fn routes() -> Vec<Route> {
    let mut routes = vec![
        Route {
            endpoint: Endpoint {
                public: true,
                ..endpoint(
                    Verb::Get,
                    "/healthz",
                    "Liveness: `ok`",
                    Shape::Text("text/plain"),
                )
            },
            handler: get(|| async { "ok\n" }),
        },
        Route {
            endpoint: Endpoint {
                public: true,
                ..endpoint(
                    Verb::Get,
                    "/metrics",
                    "Prometheus metrics",
                    Shape::Text("text/plain; version=0.0.4"),
                )
            },
            handler: get(metrics),
        },
        Route {
            endpoint: Endpoint {
                public: true,
                ..endpoint(
                    Verb::Get,
                    "/api/v1/openapi.json",
                    "This document",
                    Shape::OpenApi,
                )
            },
            handler: get(|| async { axum::Json(super::openapi::document()) }),
        },
        Route {
            endpoint: Endpoint {
                request: Some(schema_of::<SqlBody>),
                ..endpoint(
                    Verb::Post,
                    "/api/v1/sql",
                    "Run one read-only SQL statement; `Accept: application/vnd.apache.arrow.stream` answers Arrow IPC",
                    Shape::Rows,
                )
            },
            handler: post(sql),
        },
        Route {
            endpoint: endpoint(
                Verb::Get,
                "/api/v1/tables",
                "The lake's published partitions, table by table",
                Shape::Schema(schema_of::<Vec<TablePartition>>),
            ),
            handler: get(
                |State(service): State<Arc<Service>>, Caller(principal): Caller| async move {
                    json(service.call(&principal, Call::Tables).await)
                },
            ),
        },
        analysis::<CostRequest>(
            "/api/v1/cost",
            "Cost Explorer: cost or usage grouped by up to three dimensions over time",
            report("CostReport", "docs/cost.md"),
            Call::Cost,
        ),
        analysis::<AllocateRequest>(
            "/api/v1/allocate",
            "Allocate every dollar to a team by rules, with shared costs split",
            report("AllocationReport", "docs/allocation.md"),
            Call::Allocate,
        ),
        analysis::<TagsRequest>(
            "/api/v1/tags",
            "Tag policy compliance: coverage, untagged spend, inconsistent values",
            report("TagReport", "docs/tags.md"),
            Call::Tags,
        ),
        analysis::<UnitCostRequest>(
            "/api/v1/unit-cost",
            "Unit economics: cost per business or usage metric over time",
            report("UnitCostReport", "docs/unit-cost.md"),
            Call::UnitCost,
        ),
        analysis::<BudgetsRequest>(
            "/api/v1/budgets",
            "Budgets against actual cost, with a forecast to the end of each period",
            report("BudgetReport", "docs/budgets.md"),
            Call::Budgets,
        ),
        analysis::<BacktestRequest>(
            "/api/v1/budgets/backtest",
            "Backtest of month-end forecasts",
            report("BacktestReport", "docs/budgets.md"),
            Call::BudgetsBacktest,
        ),
        analysis::<AnomaliesRequest>(
            "/api/v1/anomalies",
            "Cost anomalies with their root cause (daily, or hourly)",
            report("AnomalyReport", "docs/anomalies.md"),
            Call::Anomalies,
        ),
        analysis::<EvaluateRequest>(
            "/api/v1/anomalies/evaluate",
            "Detection quality against labelled anomalies",
            report("QualityReport", "docs/anomalies.md"),
            Call::AnomaliesEvaluate,
        ),
        Route {
            endpoint: endpoint(
                Verb::Get,
                "/api/v1/anomalies/{id}",
                "One stored anomaly",
                report("Anomaly", "docs/anomalies.md"),
            ),
            handler: get(
                |State(service): State<Arc<Service>>,
                 Caller(principal): Caller,
                 Path(id): Path<String>| async move {
                    json(service.call(&principal, Call::Anomaly { id }).await)
                },
            ),
        },
        Route {
            endpoint: Endpoint {
                request: Some(schema_of::<FeedbackBody>),
                ..endpoint(
                    Verb::Post,
                    "/api/v1/anomalies/{id}/feedback",
                    "Feedback on an anomaly (needs a principal that may change state)",
                    Shape::Schema(schema_of::<FeedbackResponse>),
                )
            },
            handler: post(
                |State(service): State<Arc<Service>>,
                 Caller(principal): Caller,
                 Path(id): Path<String>,
                 Body(body): Body<FeedbackBody>| async move {
                    let request = FeedbackRequest {
                        id,
                        state: body.state,
                        note: body.note,
                    };
                    json(
                        service
                            .call(&principal, Call::AnomalyFeedback(request))
                            .await,
                    )
                },
            ),
        }
        .changing_state(),
        analysis::<WhoisRequest>(
            "/api/v1/whois",
            "Which resource held an IP address (at a time)",
            report("WhoisReport", "docs/whois.md"),
            Call::Whois,
        ),
        analysis::<ScoreRequest>(
            "/api/v1/score",
            "The weekly efficiency score per team, with the actions that raise it",
            report("ScoreReport", "docs/score.md"),
            Call::Score,
        ),
        analysis::<KpisRequest>(
            "/api/v1/score/kpis",
            "Efficiency KPIs week by week",
            report("KpiReport", "docs/score.md"),
            Call::Kpis,
        ),
        analysis::<RecommendRequest>(
            "/api/v1/recommend",
            "Recommendations with estimated savings and their states",
            report("RecommendReport", "docs/recommendations.md"),
            Call::Recommend,
        ),
        Route {
            endpoint: Endpoint {
                request: Some(schema_of::<RecommendRequest>),
                ..endpoint(
                    Verb::Post,
                    "/api/v1/recommendations/{id}",
                    "One recommendation (in any state) with its history",
                    report("RecommendationDetail", "docs/recommendations.md"),
                )
            },
            handler: post(
                |State(service): State<Arc<Service>>,
                 Caller(principal): Caller,
                 Path(id): Path<String>,
                 Body(request): Body<RecommendRequest>| async move {
                    json(
                        service
                            .call(&principal, Call::Recommendation { id, request })
                            .await,
                    )
                },
            ),
        },
        change::<ChangeBody>("accept", |id, body| {
            (body.options, ChangeRequest::Accept { id })
        }),
        change::<ChangeBody>("reopen", |id, body| {
            (body.options, ChangeRequest::Reopen { id })
        }),
        change::<DismissBody>("dismiss", |id, body| {
            let change = ChangeRequest::Dismiss {
                id,
                reason: body.reason,
            };
            (body.options, change)
        }),
        change::<ImplementBody>("implement", |id, body| {
            let change = ChangeRequest::Implement { id, on: body.on };
            (body.options, change)
        }),
        analysis::<GenaiRequest>(
            "/api/v1/genai",
            "GenAI (Bedrock) cost and tokens by model, provider, pricing model and team",
            report("GenaiReport", "docs/genai.md"),
            Call::Genai,
        ),
        analysis::<WeeklyRequest>(
            "/api/v1/report/weekly",
            "Weekly team reports, one per team",
            report("WeeklyReport[]", "docs/reports.md"),
            Call::WeeklyReport,
        ),
        Route {
            endpoint: endpoint(
                Verb::Get,
                "/api/v1/whoami",
                "The caller: name, whether it is an administrator or may change state, its workgroups and the tables it may query",
                Shape::Schema(schema_of::<WhoAmI>),
            ),
            handler: get(
                |State(service): State<Arc<Service>>, Caller(principal): Caller| async move {
                    json(service.call(&principal, Call::Whoami).await)
                },
            ),
        },
        analysis::<HistoryRequest>(
            "/api/v1/history",
            "The query history of the caller's workgroups (every workgroup for administrators)",
            report("QueryRecord[]", "docs/audit.md"),
            Call::History,
        ),
        analysis::<AuditLogRequest>(
            "/api/v1/audit/log",
            "Entries of the tamper-evident audit log (administrators)",
            report("AuditEntry[]", "docs/audit.md"),
            Call::AuditLog,
        ),
        Route {
            endpoint: endpoint(
                Verb::Post,
                "/api/v1/access/reload",
                "Read the access file again (administrators; a file that does not validate leaves the one in force)",
                Shape::Schema(schema_of::<Reloaded>),
            ),
            handler: post(
                |State(service): State<Arc<Service>>, Caller(principal): Caller| async move {
                    json(service.call(&principal, Call::ReloadAccess).await)
                },
            ),
        }
        .changing_state(),
    ];
    routes.extend(NetworkView::ALL.into_iter().map(network));
    routes.extend(super::web::routes());
    routes
}

fn network(view: NetworkView) -> Route {
    let (path, summary, shape) = match view {
        NetworkView::CrossAz => (
            "/api/v1/network/cross-az",
            "Traffic between availability zones with its estimated cost",
            report("CrossAzReport", "docs/network.md"),
        ),
        NetworkView::Nat => (
            "/api/v1/network/nat",
            "Bytes each NAT gateway processed, by source and destination",
            report("NatReport", "docs/network.md"),
        ),
        NetworkView::TopTalkers => (
            "/api/v1/network/top-talkers",
            "Resources by bytes sent and received",
            report("TopTalkersReport", "docs/network.md"),
        ),
        NetworkView::Egress => (
            "/api/v1/network/egress",
            "Traffic to the internet by resource",
            report("EgressReport", "docs/network.md"),
        ),
        NetworkView::Reconcile => (
            "/api/v1/network/reconcile",
            "Flow-log bytes against the bill's transfer bytes per day",
            report("ReconcileReport", "docs/network.md"),
        ),
        NetworkView::Story => (
            "/api/v1/network/story",
            "The NAT gateway story in words",
            Shape::Schema(schema_of::<Vec<String>>),
        ),
        NetworkView::Findings => (
            "/api/v1/network/findings",
            "NAT findings: the cause, the fix and its monthly saving",
            report("NatFinding[]", "docs/network.md"),
        ),
    };
    let handler = move |State(service): State<Arc<Service>>,
                        Caller(principal): Caller,
                        Body(request): Body<NetworkRequest>| async move {
        json(
            service
                .call(&principal, Call::Network { view, request })
                .await,
        )
    };
    Route {
        endpoint: Endpoint {
            request: Some(schema_of::<NetworkRequest>),
            ..endpoint(Verb::Post, path, summary, shape)
        },
        handler: post(handler),
    }
}

/// `POST /api/v1/recommendations/{id}/ACTION`: a lifecycle change.
fn change<B>(
    action: &'static str,
    make: fn(String, B) -> (RecommendRequest, ChangeRequest),
) -> Route
where
    B: DeserializeOwned + JsonSchema + Send + 'static,
{
    let path = match action {
        "accept" => "/api/v1/recommendations/{id}/accept",
        "reopen" => "/api/v1/recommendations/{id}/reopen",
        "dismiss" => "/api/v1/recommendations/{id}/dismiss",
        _ => "/api/v1/recommendations/{id}/implement",
    };
    let handler = move |State(service): State<Arc<Service>>,
                        Caller(principal): Caller,
                        Path(id): Path<String>,
                        Body(body): Body<B>| async move {
        let (request, change) = make(id, body);
        json(
            service
                .call(&principal, Call::ChangeRecommendation { request, change })
                .await,
        )
    };
    Route {
        endpoint: Endpoint {
            request: Some(schema_of::<B>),
            ..endpoint(
                Verb::Post,
                path,
                "Move a recommendation through its lifecycle (needs a principal that may change state)",
                report("RecommendationDetail", "docs/recommendations.md"),
            )
        },
        handler: post(handler),
    }
    .changing_state()
}

/// `POST /api/v1/sql`.
async fn sql(
    State(service): State<Arc<Service>>,
    Caller(principal): Caller,
    headers: HeaderMap,
    Body(body): Body<SqlBody>,
) -> Result<Response> {
    let call = Call::Sql {
        request: SqlRequest { query: body.sql },
        workgroup: body.workgroup,
    };
    let Answer::Rows(result) = service.call(&principal, call).await? else {
        return Err(Error::Encode("a SQL call answered no rows".into()));
    };
    let arrow = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains(rows::ARROW_STREAM));
    Ok(if arrow {
        let body = rows::arrow_stream(&result)?;
        ([(header::CONTENT_TYPE, rows::ARROW_STREAM)], body).into_response()
    } else {
        let body = rows::json(&result)?;
        ([(header::CONTENT_TYPE, "application/json")], body).into_response()
    })
}

/// `GET /metrics`.
async fn metrics(State(service): State<Arc<Service>>) -> Result<Response> {
    let text = service.metrics().encode()?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response())
}
