//! One generated organisation per test binary (seed 42, the three demo months), built
//! once and shared: generation and ingest take seconds, the analyses milliseconds.

use std::path::Path;

use costscope_lake::generate::{GenerateOptions, GenerateSummary, generate};
use costscope_lake::ingest::{cur, flowlogs, tabular};
use costscope_lake::{IngestOptions, Lake};
use costscope_query::{Engine, Principal, Session};
use tokio::sync::OnceCell;

/// The generated organisation: its files, its lake and the generator's summary (whose
/// ledger is an independent record of what was billed).
pub struct Organisation {
    pub _dir: tempfile::TempDir,
    pub lake: Lake,
    pub summary: GenerateSummary,
}

static ORGANISATION: OnceCell<Organisation> = OnceCell::const_new();

/// The shared organisation, generated and ingested on first use.
pub async fn organisation() -> &'static Organisation {
    ORGANISATION.get_or_init(build).await
}

/// An administrator's session over the shared organisation.
pub async fn admin_session() -> Session {
    let org = organisation().await;
    Engine::new(org.lake.clone())
        .session(&Principal::admin())
        .await
        .expect("session")
}

async fn build() -> Organisation {
    let dir = tempfile::tempdir().expect("tempdir");
    let summary = generate(&GenerateOptions {
        out: dir.path().join("data"),
        seed: 42,
        ..GenerateOptions::default()
    })
    .expect("generate");
    let lake = Lake::open(dir.path().join("lake")).expect("lake");
    let options = IngestOptions::default();
    let path = |p: &Path| p.display().to_string();
    cur::ingest_cur(&lake, &path(&summary.export_root), &options)
        .await
        .expect("cur");
    flowlogs::ingest_flow_logs(&lake, &path(&summary.flow_logs_root), &options)
        .await
        .expect("flow logs");
    tabular::ingest_inventory(&lake, &path(&summary.inventory_file))
        .await
        .expect("inventory");
    tabular::ingest_metrics(&lake, &path(&summary.metrics_file))
        .await
        .expect("metrics");
    Organisation {
        _dir: dir,
        lake,
        summary,
    }
}
