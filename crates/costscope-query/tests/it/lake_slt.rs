//! The seed queries of `tests/slt/lake/` over a real lake: a generated organisation
//! (seed 7, two months) ingested with the production ingest, queried through an
//! administrator's session.

use std::path::Path;
use std::sync::Arc;

use costscope_query::{Engine, Principal};
use costscope_synth::demo_lake::{self, DemoLakeOptions};

use crate::slt::{Target, run_dir};

#[tokio::test]
async fn seed_queries_over_the_generated_organisation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut options = DemoLakeOptions::in_dir(dir.path(), 7);
    options.generate.months = 2;
    let lake = demo_lake::build(&options).await.expect("demo lake").lake;
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
