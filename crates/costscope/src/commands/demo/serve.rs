//! The demo's last step: serve the demo lake to two principals of a fresh access file (the
//! FinOps administrator and the App Team analyst), print how to reach it, and run until
//! SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use costscope_query::access::{new_token, token_sha256};
use costscope_server::ServeConfig;

/// Writes the demo's access file beside the lake; the two principals' tokens.
fn write_access(lake: &Path) -> anyhow::Result<(PathBuf, String, String)> {
    let (finops, analyst) = (new_token(), new_token());
    let text = format!(
        "# The demo's principals. Tokens are printed once by `costscope demo`; only their\n\
         # SHA-256 is kept here.\n\
         principals:\n\
         \x20 - name: finops\n    token_sha256: {}\n    roles: [finops]\n\
         \x20 - name: app-team-analyst\n    token_sha256: {}\n    roles: [app-team]\n\
         roles:\n\
         \x20 finops:\n    admin: true\n\
         \x20 app-team:\n    grants:\n\
         \x20     - tables: [cur]\n        permissions: [select, describe]\n\
         \x20       rows: \"line_item_usage_account_name LIKE 'App-Team-%'\"\n\
         \x20       columns: {{exclude: [line_item_unblended_rate, line_item_blended_rate, \
         pricing_public_on_demand_rate]}}\n\
         \x20     - tables: [business_metrics]\n        permissions: [select]\n",
        token_sha256(&finops),
        token_sha256(&analyst),
    );
    let name = format!(
        "{}-access.yaml",
        lake.file_name()
            .map_or("costscope".into(), |n| n.to_string_lossy())
    );
    let path = lake.parent().unwrap_or(Path::new(".")).join(name);
    std::fs::write(&path, text)?;
    Ok((path, finops, analyst))
}

/// Serves `lake` until a signal, printing the URL and the tokens.
pub async fn serve_demo(lake: &Path, http: SocketAddr, pg: SocketAddr) -> anyhow::Result<()> {
    let (access, finops, analyst) = write_access(lake)?;
    let config = ServeConfig {
        http: Some(http),
        pg: Some(pg),
        ..ServeConfig::new(lake.to_path_buf(), Some(access.clone()))
    };
    let server = costscope_server::start(&config).await.map_err(|e| {
        anyhow::anyhow!(
            "{e} (another server may hold the port: pass --http and --pg, or --no-serve)"
        )
    })?;
    let http = server.http_addr().unwrap_or(http);
    let pg = server.pg_addr().unwrap_or(pg);
    eprintln!(
        "\nServing the demo lake (Ctrl-C stops):\n\
         \x20 dashboard and API   http://{http}/\n\
         \x20 login token         {finops}   (finops: administrator)\n\
         \x20 App Team analyst    {analyst}   (sees the App-Team accounts only)\n\
         \x20 PostgreSQL          PGPASSWORD={finops} psql \"host={} port={} dbname=costscope user=finops\"\n\
         \x20 API example         curl -s -H \"Authorization: Bearer {finops}\" http://{http}/api/v1/cost -d '{{\"group_by\":[\"service\"]}}'\n\
         \x20 access file         {}",
        pg.ip(),
        pg.port(),
        access.display()
    );
    costscope_server::shutdown_signal().await;
    eprintln!("shutting down: finishing running requests");
    server.shutdown().await?;
    Ok(())
}
