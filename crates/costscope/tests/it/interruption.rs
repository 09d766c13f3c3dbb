//! A `kill -9` in the middle of an ingest leaves the previous data readable, and the next
//! ingest cleans up what the killed one left behind.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::cli::{costscope, export_root, ok};

#[test]
fn killed_ingest_leaves_the_previous_data_readable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let small = dir.path().join("small");
    let large = dir.path().join("large");
    let generate = |out: &std::path::Path, rows: &str, seed: &str| {
        ok(std::process::Command::new(env!("CARGO_BIN_EXE_costscope"))
            .args([
                "--quiet", "generate", "--months", "2", "--seed", seed, "--rows", rows, "--out",
            ])
            .arg(out));
    };
    generate(&small, "20000", "1");
    generate(&large, "600000", "2");
    let lake = dir.path().join("lake");
    ok(costscope(&lake)
        .args(["ingest", "cur"])
        .arg(export_root(&small)));
    let query = "SELECT billing_period, count(*) AS n, sum(line_item_unblended_cost) AS cost FROM cur GROUP BY 1 ORDER BY 1";
    let before = ok(costscope(&lake).args(["sql", query, "--format", "csv"]));

    let mut child = costscope(&lake)
        .args(["ingest", "cur"])
        .arg(export_root(&large))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    // Wait until the ingest has written at least one new data file, then kill it.
    let published: Vec<_> = std::fs::read_dir(lake.join("cur"))
        .expect("cur")
        .flat_map(|d| std::fs::read_dir(d.expect("entry").path()).expect("partition"))
        .map(|f| f.expect("file").path())
        .collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let now: usize = std::fs::read_dir(lake.join("cur"))
            .expect("cur")
            .flat_map(|d| std::fs::read_dir(d.expect("entry").path()).expect("partition"))
            .count();
        if now > published.len() {
            break;
        }
        assert!(
            child.try_wait().expect("wait").is_none(),
            "the ingest finished before it could be killed"
        );
        assert!(Instant::now() < deadline, "the ingest wrote nothing");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("kill -9");
    child.wait().expect("reap");

    assert_eq!(
        ok(costscope(&lake).args(["sql", query, "--format", "csv"])),
        before
    );
    // The next ingest takes the lock, removes the leftovers and publishes.
    ok(costscope(&lake)
        .args(["ingest", "cur"])
        .arg(export_root(&large)));
    let after = ok(costscope(&lake).args(["sql", query, "--format", "csv"]));
    assert_ne!(after, before);
    let live: usize = std::fs::read_dir(lake.join("cur"))
        .expect("cur")
        .flat_map(|d| std::fs::read_dir(d.expect("entry").path()).expect("partition"))
        .count();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(lake.join("manifest.json")).expect("manifest"))
            .expect("json");
    let listed: usize = manifest["tables"]["cur"]["partitions"]
        .as_object()
        .expect("partitions")
        .values()
        .map(|p| p["files"].as_array().expect("files").len())
        .sum();
    assert_eq!(live, listed, "files left behind by the killed ingest");
}
