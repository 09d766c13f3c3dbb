//! costscope's servers over the application layer: an HTTP API (JSON, Arrow IPC, an
//! OpenAPI document, Prometheus metrics) and the PostgreSQL wire protocol, so that `psql`,
//! Python, Grafana and BI tools query the lake with the same answers as the CLI.
//!
//! Both protocols authenticate a caller to a [`Principal`](costscope_app::Principal) and
//! hand every request to [`Service::call`]: the one function that runs a [`Call`] for a
//! principal on the [`App`](costscope_app::App). Access control applies inside the app's
//! sessions; the audit log and query history attach to `Service::call`.

pub mod auth;
pub mod error;
pub mod http;
pub mod metrics;
pub mod pg;
pub mod service;
pub mod tls;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use error::{Error, Result};
pub use service::{Answer, Call, Service};

/// What `costscope serve` starts.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The lake directory.
    pub lake: PathBuf,
    /// The access file: principals, their tokens, roles and the identity provider.
    pub access: Option<PathBuf>,
    /// Where the HTTP API listens (`None`: no HTTP listener).
    pub http: Option<SocketAddr>,
    /// Where the PostgreSQL protocol listens (`None`: no PostgreSQL listener).
    pub pg: Option<SocketAddr>,
    /// A certificate chain and its private key (PEM): both listeners then speak TLS.
    pub tls: Option<tls::TlsFiles>,
    /// How long running requests may take to finish once shutdown starts.
    pub grace: Duration,
}

impl ServeConfig {
    /// The defaults of `costscope serve`: HTTP on 127.0.0.1:8080, PostgreSQL on
    /// 127.0.0.1:5433, no TLS, 30 seconds of grace.
    pub fn new(lake: PathBuf, access: Option<PathBuf>) -> Self {
        ServeConfig {
            lake,
            access,
            http: Some(SocketAddr::from(([127, 0, 0, 1], 8080))),
            pg: Some(SocketAddr::from(([127, 0, 0, 1], 5433))),
            tls: None,
            grace: Duration::from_secs(30),
        }
    }
}

/// The running servers.
pub struct Server {
    service: Arc<Service>,
    http: Option<http::Listener>,
    pg: Option<pg::Listener>,
    stop: watch::Sender<bool>,
    grace: Duration,
}

/// Opens the app, binds the listeners and starts serving. Returns once both listeners
/// accept connections.
pub async fn start(config: &ServeConfig) -> Result<Server> {
    let service = Arc::new(Service::open(&config.lake, config.access.as_deref()).await?);
    let tls = config.tls.as_ref().map(tls::server_config).transpose()?;
    let (stop, stopped) = watch::channel(false);
    let http = match config.http {
        Some(addr) => Some(http::listen(service.clone(), addr, tls.clone()).await?),
        None => None,
    };
    let pg = match config.pg {
        Some(addr) => Some(pg::listen(service.clone(), addr, tls, stopped).await?),
        None => None,
    };
    Ok(Server {
        service,
        http,
        pg,
        stop,
        grace: config.grace,
    })
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = interrupt => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(error) => {
                tracing::warn!("cannot listen for SIGTERM: {error}");
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}

impl Server {
    /// The HTTP API's address (with the port chosen when 0 was asked for).
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http.as_ref().map(|l| l.addr)
    }

    /// The PostgreSQL protocol's address.
    pub fn pg_addr(&self) -> Option<SocketAddr> {
        self.pg.as_ref().map(|l| l.addr)
    }

    /// The service both protocols call.
    pub fn service(&self) -> &Arc<Service> {
        &self.service
    }

    /// Stops accepting connections, lets running requests finish (up to the grace
    /// period), then closes every connection.
    pub async fn shutdown(self) -> Result<()> {
        let _ = self.stop.send(true);
        let mut tasks: Vec<JoinHandle<()>> = Vec::new();
        if let Some(http) = self.http {
            http.handle.graceful_shutdown(Some(self.grace));
            tasks.push(http.task);
        }
        let finished = tokio::time::timeout(self.grace, self.service.idle()).await;
        if finished.is_err() {
            tracing::warn!("requests still running after the grace period are cancelled");
        }
        if let Some(pg) = self.pg {
            // Idle PostgreSQL sessions end here; their clients see the connection close.
            pg.task.abort();
        }
        for task in tasks {
            let _ = tokio::time::timeout(self.grace, task).await;
        }
        Ok(())
    }
}
