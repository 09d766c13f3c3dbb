//! One generated organisation per test binary (seed 42, the three demo months), built
//! once and shared: generation and ingest take seconds, the analyses milliseconds.

use costscope_lake::Lake;
use costscope_query::{Engine, Principal, Session};
use costscope_synth::GenerateSummary;
use costscope_synth::demo_lake::{self, DemoLakeOptions};
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
    let built = demo_lake::build(&DemoLakeOptions::in_dir(dir.path(), 42))
        .await
        .expect("demo lake");
    Organisation {
        _dir: dir,
        lake: built.lake,
        summary: built.summary,
    }
}
