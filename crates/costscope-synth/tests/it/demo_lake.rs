//! The demo lake: every generated source goes through the production ingest, in order, and
//! the lake holds what the generator wrote; an earlier run's files are reused on request.

use costscope_synth::GenerateOptions;
use costscope_synth::demo_lake::{self, DemoLakeOptions, Source, generate_unless_reused};

#[tokio::test]
async fn every_source_is_ingested_in_order_and_the_lake_holds_what_was_generated() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = DemoLakeOptions::in_dir(dir.path(), 7);
    options.generate.months = 1;
    options.optimizer = true;
    let mut seen = Vec::new();
    let built = demo_lake::build_with(&options, |source, report| {
        seen.push((source, report.table.clone()));
    })
    .await
    .unwrap();
    assert_eq!(
        seen,
        [
            (Source::Cur, "cur".to_string()),
            (Source::FlowLogs, "flow_logs".to_string()),
            (Source::Inventory, "inventory".to_string()),
            (Source::Metrics, "business_metrics".to_string()),
            (
                Source::Optimizer,
                "optimizer_ec2,optimizer_recommendations".to_string()
            ),
        ]
    );
    let ingested = &built.ingested;
    assert_eq!(ingested.cur.rows, built.summary.cur_rows);
    assert_eq!(ingested.cur.rows, built.summary.ledger.rows());
    assert_eq!(ingested.flow_logs.rows, built.summary.flow_log_records);
    assert!(ingested.inventory.rows > 0);
    assert!(ingested.metrics.rows > 0);
    let samples = built.optimizer.as_ref().unwrap();
    assert_eq!(
        ingested.optimizer.as_ref().unwrap().rows as usize,
        samples.instances + samples.hub_recommendations
    );
    assert_eq!(built.lake.root(), dir.path().join("lake"));
    for table in ["cur", "flow_logs", "inventory", "business_metrics"] {
        assert!(
            !built.lake.table_files(table).unwrap().is_empty(),
            "{table}"
        );
    }
}

#[tokio::test]
async fn without_the_optimizer_samples_nothing_of_them_is_written_or_ingested() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = DemoLakeOptions::in_dir(dir.path(), 3);
    options.generate.months = 1;
    let built = demo_lake::build(&options).await.unwrap();
    assert!(built.optimizer.is_none());
    assert!(built.ingested.optimizer.is_none());
    assert!(!dir.path().join("data/optimizer").exists());
    assert!(built.lake.table_files("optimizer_ec2").unwrap().is_empty());
}

#[test]
fn generate_unless_reused_keeps_an_earlier_export_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let options = GenerateOptions {
        out: dir.path().join("data"),
        months: 1,
        ..GenerateOptions::default()
    };
    let first = generate_unless_reused(&options, true).unwrap();
    assert!(first.is_some(), "nothing to reuse yet");
    let stale = options.out.join("stale.txt");
    std::fs::write(&stale, b"left by an earlier run").unwrap();
    assert!(generate_unless_reused(&options, true).unwrap().is_none());
    assert!(stale.exists());
    let again = generate_unless_reused(&options, false).unwrap();
    assert!(again.is_some());
    assert!(!stale.exists(), "the output directory is emptied first");
    assert!(costscope_synth::export_root(&options.out).exists());
}
