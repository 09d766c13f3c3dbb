//! The seed queries of `tests/slt/lake/` over a real lake: a generated organisation
//! (seed 7, two months) ingested with the production ingest, queried through an
//! administrator's session.

use std::path::Path;
use std::sync::Arc;

use costscope_lake::generate::{GenerateOptions, generate};
use costscope_lake::ingest::{cur, flowlogs, tabular};
use costscope_lake::{IngestOptions, Lake};
use costscope_query::{Engine, Principal};

use crate::slt::{Target, run_dir};

#[tokio::test]
async fn seed_queries_over_the_generated_organisation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let summary = generate(&GenerateOptions {
        out: dir.path().join("data"),
        seed: 7,
        months: 2,
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
    let session = Engine::new(lake)
        .session(&Principal::admin())
        .await
        .expect("session");
    let session = Arc::new(session);
    let slt = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/slt/lake");
    match run_dir(&slt, move || Target::Session(session.clone())).await {
        Ok(files) => assert!(files > 0, "no .slt files under {}", slt.display()),
        Err(failures) => panic!("sqllogictest failures:\n{failures}"),
    }
}
