//! The HTTP API: one route per call of the service, JSON in and out (SQL rows also as
//! Arrow IPC), an OpenAPI document generated from the request types, `/healthz` and
//! Prometheus `/metrics`. Handlers only turn HTTP into a [`Call`](crate::Call) and back.

pub mod body;
pub mod openapi;
pub mod routes;
pub mod rows;
pub mod web;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use costscope_app::Principal;
use rustls::ServerConfig;
use serde_json::json;
use tokio::task::JoinHandle;

use crate::{Error, Result, Service};

/// A bound HTTP listener.
pub(crate) struct Listener {
    pub addr: SocketAddr,
    pub handle: axum_server::Handle<SocketAddr>,
    pub task: JoinHandle<()>,
}

/// The API's router over `service`.
pub fn router(service: Arc<Service>) -> Router {
    let mut router = Router::new();
    for route in routes::routes() {
        router = router.route(route.endpoint.path, route.handler);
    }
    router
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            service.clone(),
            in_flight,
        ))
        .with_state(service)
}

/// Binds `addr` and serves the API (over TLS when `tls` is given).
pub(crate) async fn listen(
    service: Arc<Service>,
    addr: SocketAddr,
    tls: Option<Arc<ServerConfig>>,
) -> Result<Listener> {
    let failed = |source| Error::Listen { addr, source };
    let listener = std::net::TcpListener::bind(addr).map_err(failed)?;
    listener.set_nonblocking(true).map_err(failed)?;
    let bound = listener.local_addr().map_err(failed)?;
    let handle = axum_server::Handle::new();
    let app = router(service).into_make_service();
    let task = match tls {
        Some(config) => {
            let mut config = (*config).clone();
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            let config = axum_server::tls_rustls::RustlsConfig::from_config(Arc::new(config));
            let server = axum_server::from_tcp_rustls(listener, config)
                .map_err(failed)?
                .handle(handle.clone());
            tokio::spawn(async move { report(server.serve(app).await) })
        }
        None => {
            let server = axum_server::from_tcp(listener)
                .map_err(failed)?
                .handle(handle.clone());
            tokio::spawn(async move { report(server.serve(app).await) })
        }
    };
    Ok(Listener {
        addr: bound,
        handle,
        task,
    })
}

fn report(result: std::io::Result<()>) {
    if let Err(error) = result {
        tracing::error!("HTTP server stopped: {error}");
    }
}

/// Counts the request as in flight from its headers to its response.
async fn in_flight(State(service): State<Arc<Service>>, request: Request, next: Next) -> Response {
    let _running = service.metrics().request("http");
    next.run(request).await
}

async fn not_found() -> Response {
    error_response(
        StatusCode::NOT_FOUND,
        "not-found",
        "no such endpoint: see /api/v1/openapi.json",
    )
}

/// The principal of the request's bearer credential.
pub struct Caller(pub Principal);

impl FromRequestParts<Arc<Service>> for Caller {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        service: &Arc<Service>,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .map(|v| v.to_str().unwrap_or_default())
            .unwrap_or_default();
        let credential = match crate::auth::bearer(header) {
            Ok(credential) => credential,
            Err(error) => {
                service.metrics().denied(None, error.kind());
                return Err(error);
            }
        };
        Ok(Caller(service.authenticate(credential).await?))
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let kind = self.kind();
        let status =
            StatusCode::from_u16(kind.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if kind == costscope_core::ErrorKind::Internal {
            tracing::error!("request failed: {self}");
        }
        let mut response = error_response(status, kind.name(), &self.to_string());
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"costscope\""),
            );
        }
        response
    }
}

/// `{"error": {"kind": ..., "message": ...}}` with `status`.
fn error_response(status: StatusCode, kind: &str, message: &str) -> Response {
    let body = json!({"error": {"kind": kind, "message": message}});
    (status, axum::Json(body)).into_response()
}
