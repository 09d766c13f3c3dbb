//! `costscope serve`: the HTTP API and the PostgreSQL protocol over the lake, until
//! SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use costscope_server::ServeConfig;
use costscope_server::tls::TlsFiles;

use crate::args::Global;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where the HTTP API listens.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub http: SocketAddr,
    /// Where the PostgreSQL protocol listens.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:5433")]
    pub pg: SocketAddr,
    /// A certificate chain (PEM): both listeners then speak TLS.
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Seconds running requests may take to finish after SIGINT or SIGTERM.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub grace: u64,
}

pub async fn run(global: &Global, args: ServeArgs) -> anyhow::Result<()> {
    let tls = match (args.tls_cert, args.tls_key) {
        (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
        _ => None,
    };
    let Some(access) = global.access.clone() else {
        anyhow::bail!("serve needs the principals of an access file: give --access FILE");
    };
    let config = ServeConfig {
        lake: global.lake.clone(),
        access: Some(access),
        http: Some(args.http),
        pg: Some(args.pg),
        tls,
        grace: Duration::from_secs(args.grace),
    };
    let server = costscope_server::start(&config).await?;
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    if let Some(addr) = server.http_addr() {
        eprintln!("HTTP API on {scheme}://{addr}/api/v1 (OpenAPI: /api/v1/openapi.json)");
    }
    if let Some(addr) = server.pg_addr() {
        eprintln!(
            "PostgreSQL on {addr}: psql \"host={} port={} dbname=costscope user=NAME\"",
            addr.ip(),
            addr.port()
        );
    }
    costscope_server::shutdown_signal().await;
    eprintln!("shutting down: finishing running requests");
    server.shutdown().await?;
    Ok(())
}
