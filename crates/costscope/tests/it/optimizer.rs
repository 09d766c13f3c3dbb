//! End-to-end tests of `costscope ingest optimizer`: the generator's Compute Optimizer and
//! Cost Optimization Hub samples imported into a lake holding the organisation's CUR, shown
//! by `sql` and `recommend`; a malformed export refused naming its file, line and column,
//! with the lake left byte for byte as it was.

use std::path::{Path, PathBuf};

use costscope_synth::{GenerateOptions, OptimizerSamples, write_optimizer_samples};

use crate::cli::{costscope, fails, ingested_lake, ok};

/// Samples for the shared organisation (`generate --seed 7 --months 2`).
fn samples(dir: &Path) -> OptimizerSamples {
    write_optimizer_samples(
        dir,
        &GenerateOptions {
            seed: 7,
            months: 2,
            ..GenerateOptions::default()
        },
    )
    .expect("samples")
}

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).expect("json")
}

/// Every file under the lake with its bytes (the lock file and the store aside).
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                // The store changes with every command: it holds the audit log.
                if path.file_name().is_some_and(|n| n != "_state") {
                    stack.push(path);
                }
            } else if path.file_name().is_some_and(|n| n != ".lock") {
                out.push((path.clone(), std::fs::read(&path).expect("read")));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn optimizer_exports_are_imported_queried_and_recommended() {
    let lake = ingested_lake();
    let dir = tempfile::tempdir().expect("tempdir");
    let written = samples(dir.path());
    let report = json(&ok(costscope(lake.path())
        .args(["ingest", "optimizer", "--format", "json"])
        .arg(dir.path())));
    assert_eq!(report["files_read"], 2);
    assert_eq!(
        report["rows"].as_u64().unwrap() as usize,
        written.instances + written.hub_recommendations
    );
    assert_eq!(report["table"], "optimizer_ec2,optimizer_recommendations");

    let counts = json(&ok(costscope(lake.path()).args([
        "sql",
        "SELECT (SELECT count(*) FROM optimizer_ec2) AS instances, \
                (SELECT count(*) FROM optimizer_recommendations) AS hub, \
                (SELECT count(*) FROM optimizer_ec2 o JOIN \
                   (SELECT DISTINCT line_item_resource_id FROM cur) c \
                   ON c.line_item_resource_id = o.instance_id) AS billed",
        "--format",
        "json",
    ])));
    assert_eq!(
        counts[0]["instances"].as_u64().unwrap() as usize,
        written.instances
    );
    assert_eq!(
        counts[0]["hub"].as_u64().unwrap() as usize,
        written.hub_recommendations
    );
    assert_eq!(
        counts[0]["billed"], counts[0]["instances"],
        "every exported instance is one the CUR bills"
    );

    let listing = json(&ok(costscope(lake.path()).args([
        "recommend",
        "--format",
        "json",
    ])));
    let recs = listing["recommendations"]
        .as_array()
        .expect("recommendations");
    let imported: Vec<&serde_json::Value> = recs
        .iter()
        .filter(|r| r["source"] == "compute-optimizer" || r["source"] == "cost-optimization-hub")
        .collect();
    assert!(!imported.is_empty(), "{listing}");
    let with_alternative = imported.iter().any(|r| {
        r["alternatives"]
            .as_array()
            .is_some_and(|a| a.iter().any(|a| a["source"] == "costscope"))
    });
    assert!(
        with_alternative,
        "an import outranks a rule on the same instance"
    );

    // Importing the same export again changes nothing.
    let again = json(&ok(costscope(lake.path())
        .args(["ingest", "optimizer", "--format", "json"])
        .arg(dir.path())));
    for p in again["partitions"].as_array().unwrap() {
        assert_eq!(p["change"], "unchanged", "{again}");
    }
}

#[test]
fn a_malformed_export_is_refused_naming_file_line_and_column_and_the_lake_is_unchanged() {
    let lake = ingested_lake();
    let dir = tempfile::tempdir().expect("tempdir");
    let written = samples(&dir.path().join("good"));
    ok(costscope(lake.path())
        .args(["ingest", "optimizer"])
        .arg(dir.path().join("good")));
    let before = files(lake.path());

    let text = std::fs::read_to_string(&written.compute_optimizer_file).expect("read");
    let bad: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, line)| {
            if i == 2 {
                let mut fields: Vec<&str> = line.split(',').collect();
                fields[9] = "n/a";
                fields.join(",")
            } else {
                line.to_string()
            }
        })
        .collect();
    let path = dir.path().join("bad.csv");
    std::fs::write(&path, bad.join("\n")).expect("write");
    let output = fails(
        costscope(lake.path())
            .args(["ingest", "optimizer"])
            .arg(&path),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    let expected = format!(
        "{}, line 3, column `utilizationMetrics_CPU_MAXIMUM`: `n/a` is not a number",
        path.display()
    );
    assert!(stderr.contains(&expected), "{stderr}");
    assert_eq!(files(lake.path()), before, "the lake changed");

    let unknown = dir.path().join("unknown.csv");
    std::fs::write(&unknown, "id,cost\n1,2\n").expect("write");
    let output = fails(
        costscope(lake.path())
            .args(["ingest", "optimizer"])
            .arg(&unknown),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "{}, line 1, column `id`: unrecognised header",
            unknown.display()
        )),
        "{stderr}"
    );
    assert_eq!(files(lake.path()), before, "the lake changed");
}
