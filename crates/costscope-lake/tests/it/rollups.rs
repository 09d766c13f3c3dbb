//! The rollups of `cur`: written with each billing period, summing its lines exactly,
//! keeping the tag keys the policy selects, replaced with their period on restatement,
//! and never published without it.

use std::collections::BTreeMap;
use std::path::Path;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{Float64Type, Int64Type};
use costscope_lake::ingest::cur::ingest_cur;
use costscope_lake::lake::PartitionChange;
use costscope_lake::rollup::TagKeys;
use costscope_lake::{IngestOptions, Lake};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::fixtures::{Line, Shape, cur2_file, ms, snapshot, write_cur2};
use crate::ingest::lake_totals;

fn read_table(lake: &Lake, table: &str) -> Vec<RecordBatch> {
    lake.table_files(table)
        .expect("files")
        .iter()
        .flat_map(|path| {
            ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(path).expect("open"))
                .expect("reader")
                .build()
                .expect("build")
                .map(|b| b.expect("batch"))
        })
        .collect()
}

/// Per billing period: lines and unblended cost summed from a rollup.
fn rollup_totals(lake: &Lake, table: &str) -> BTreeMap<String, (u64, f64)> {
    let mut totals: BTreeMap<String, (u64, f64)> = BTreeMap::new();
    for batch in read_table(lake, table) {
        let periods = batch
            .column_by_name("billing_period")
            .expect("period")
            .as_string::<i32>();
        let lines = batch
            .column_by_name("line_count")
            .expect("lines")
            .as_primitive::<Int64Type>();
        let costs = batch
            .column_by_name("line_item_unblended_cost")
            .expect("cost")
            .as_primitive::<Float64Type>();
        for i in 0..batch.num_rows() {
            let entry = totals.entry(periods.value(i).to_string()).or_default();
            entry.0 += lines.value(i) as u64;
            entry.1 += costs.value(i);
        }
    }
    totals
}

/// The distinct `resource_tags` of a rollup, as `key=value` lists (`NULL` for a NULL map).
fn tag_maps(lake: &Lake, table: &str) -> Vec<String> {
    let mut maps = Vec::new();
    for batch in read_table(lake, table) {
        let tags = batch
            .column_by_name("resource_tags")
            .expect("tags")
            .as_map();
        for i in 0..batch.num_rows() {
            if tags.is_null(i) {
                maps.push("NULL".to_string());
                continue;
            }
            let entries = tags.value(i);
            let keys = entries.column(0).as_string::<i32>();
            let values = entries.column(1).as_string::<i32>();
            let pairs: Vec<String> = (0..entries.len())
                .map(|j| format!("{}={}", keys.value(j), values.value(j)))
                .collect();
            maps.push(pairs.join(","));
        }
    }
    maps.sort();
    maps.dedup();
    maps
}

async fn ingest(lake: &Lake, source: &Path, options: &IngestOptions) {
    ingest_cur(lake, source.to_str().expect("path"), options)
        .await
        .expect("ingest");
}

fn month(
    period: &'static str,
    account: &'static str,
    cost: f64,
    team: Option<&'static str>,
) -> Vec<Line> {
    (0..48)
        .map(|i| Line {
            start_ms: ms(period, 1 + (i % 24) as u32) + (i as i64 % 3) * 3_600_000,
            team,
            ..Line::usage(account, "AmazonEC2", 1, cost)
        })
        .collect()
}

#[tokio::test]
async fn rollups_sum_every_line_of_their_period() {
    let dir = tempfile::tempdir().expect("tempdir");
    let export = dir.path().join("export");
    let mut august = month("2026-08", "111111111111", 0.5, Some("web"));
    august.extend(month("2026-08", "222222222222", 0.25, None));
    write_cur2(&cur2_file(&export, "2026-08", 1), &august, Shape::default());
    write_cur2(
        &cur2_file(&export, "2026-09", 1),
        &month("2026-09", "111111111111", 1.0, Some("data")),
        Shape::default(),
    );
    let lake = Lake::open(dir.path().join("lake")).expect("lake");
    ingest(&lake, &export, &IngestOptions::default()).await;
    let lines = lake_totals(&lake);
    for table in ["cur_daily", "cur_monthly"] {
        let rolled = rollup_totals(&lake, table);
        assert_eq!(
            rolled.keys().collect::<Vec<_>>(),
            lines.keys().collect::<Vec<_>>()
        );
        for (period, (count, cost)) in &lines {
            assert_eq!(rolled[period].0, *count, "{table} {period}");
            assert!((rolled[period].1 - cost).abs() < 1e-9, "{table} {period}");
        }
    }
    // The lines of a group fall in one row per day, or per month. Each file's first line
    // has a NULL map, a group of its own.
    let daily_rows: usize = read_table(&lake, "cur_daily")
        .iter()
        .map(|b| b.num_rows())
        .sum();
    let monthly_rows: usize = read_table(&lake, "cur_monthly")
        .iter()
        .map(|b| b.num_rows())
        .sum();
    assert_eq!(daily_rows, (1 + 24 + 24) + (1 + 24));
    assert_eq!(monthly_rows, 3 + 2);
    // A NULL map stays NULL and an empty one empty: `resource_tags['k']` and
    // `cardinality(resource_tags)` read the same from the rollups as from `cur`.
    assert_eq!(
        tag_maps(&lake, "cur_monthly"),
        ["", "NULL", "user_team=data", "user_team=web"]
    );
    let manifest = lake.manifest().expect("manifest");
    for table in ["cur_daily", "cur_monthly"] {
        assert!(manifest.derived_is_current(table, "cur"));
        assert_eq!(
            manifest
                .tag_keys(table)
                .map(|k| k.into_iter().collect::<Vec<_>>()),
            Some(vec!["user_created".to_string(), "user_team".to_string()])
        );
    }
}

#[tokio::test]
async fn tag_keys_on_little_cost_are_left_out_unless_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let export = dir.path().join("export");
    // `user_app` on 0.4% of the cost; `user_team`, read by the analyses, on 97.5%.
    let mut lines = month("2026-09", "111111111111", 1.0, Some("web"));
    lines.push(Line {
        team: None,
        tag: Some(("user_app", "shop")),
        ..Line::usage("111111111111", "AmazonS3", 2, 0.2)
    });
    write_cur2(&cur2_file(&export, "2026-09", 1), &lines, Shape::default());
    let lake = Lake::open(dir.path().join("lake")).expect("lake");
    let options = IngestOptions {
        rollup_tag_keys: TagKeys::CostShare(0.999),
        ..IngestOptions::default()
    };
    ingest(&lake, &export, &options).await;
    let kept = |lake: &Lake| {
        let keys = lake.manifest().expect("manifest").tag_keys("cur_daily");
        keys.map(|k| k.into_iter().collect::<Vec<_>>())
            .unwrap_or_default()
    };
    assert_eq!(kept(&lake), ["user_created", "user_team"]);
    assert_eq!(
        tag_maps(&lake, "cur_monthly"),
        ["", "NULL", "user_team=web"]
    );
    // Named keys are kept whatever their cost, and only they.
    let options = IngestOptions {
        rollup_tag_keys: TagKeys::Keys(vec!["user_app".into()]),
        ..IngestOptions::default()
    };
    ingest(&lake, &export, &options).await;
    assert_eq!(kept(&lake), ["user_app"]);
    assert!(
        lake.manifest()
            .expect("manifest")
            .derived_is_current("cur_daily", "cur")
    );
    assert_eq!(
        tag_maps(&lake, "cur_monthly"),
        ["", "NULL", "user_app=shop"]
    );
}

#[tokio::test]
async fn a_restatement_replaces_the_rollups_of_its_period_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let export = dir.path().join("export");
    write_cur2(
        &cur2_file(&export, "2026-08", 1),
        &month("2026-08", "111111111111", 1.0, Some("web")),
        Shape::default(),
    );
    write_cur2(
        &cur2_file(&export, "2026-09", 1),
        &month("2026-09", "111111111111", 1.0, Some("web")),
        Shape::default(),
    );
    let lake = Lake::open(dir.path().join("lake")).expect("lake");
    ingest(&lake, &export, &IngestOptions::default()).await;
    let before = lake.manifest().expect("manifest");
    let folder = dir.path().join("restated").join("BILLING_PERIOD=2026-09");
    let mut september = month("2026-09", "111111111111", 1.0, Some("web"));
    september.push(Line {
        line_item_type: "Credit",
        ..Line::usage("111111111111", "AmazonEC2", 30, -3.0)
    });
    write_cur2(
        &folder.join("export-00001.snappy.parquet"),
        &september,
        Shape::default(),
    );
    let report = ingest_cur(
        &lake,
        folder.to_str().expect("path"),
        &IngestOptions::default(),
    )
    .await
    .expect("restatement");
    assert_eq!(report.partitions[0].change, PartitionChange::Replaced);
    let after = lake.manifest().expect("manifest");
    for table in ["cur_daily", "cur_monthly"] {
        assert!(after.derived_is_current(table, "cur"), "{table}");
        let (old, new) = (
            &before.tables[table].partitions,
            &after.tables[table].partitions,
        );
        assert_eq!(
            old["2026-08"], new["2026-08"],
            "{table}: August is untouched"
        );
        assert_ne!(old["2026-09"].content_hash, new["2026-09"].content_hash);
        assert_eq!(rollup_totals(&lake, table)["2026-09"], (49, 45.0));
        // The replaced files are gone from disk.
        assert_eq!(
            snapshot(&lake.root().join(table)).len(),
            lake.table_files(table).expect("files").len()
        );
    }
}

#[tokio::test]
async fn a_failed_ingest_publishes_neither_the_period_nor_its_rollups() {
    let dir = tempfile::tempdir().expect("tempdir");
    let export = dir.path().join("export");
    write_cur2(
        &cur2_file(&export, "2026-08", 1),
        &month("2026-08", "111111111111", 1.0, Some("web")),
        Shape::default(),
    );
    let lake = Lake::open(dir.path().join("lake")).expect("lake");
    ingest(&lake, &export, &IngestOptions::default()).await;
    let before = snapshot(lake.root());
    // September's second file is not Parquet: the whole ingest is refused.
    write_cur2(
        &cur2_file(&export, "2026-09", 1),
        &month("2026-09", "111111111111", 1.0, Some("web")),
        Shape::default(),
    );
    std::fs::write(cur2_file(&export, "2026-09", 2), b"not parquet").expect("write");
    assert!(
        ingest_cur(
            &lake,
            export.to_str().expect("path"),
            &IngestOptions::default()
        )
        .await
        .is_err()
    );
    let manifest = lake.manifest().expect("manifest");
    for table in ["cur", "cur_daily", "cur_monthly"] {
        assert!(
            !manifest.tables[table].partitions.contains_key("2026-09"),
            "{table}"
        );
    }
    // Nothing of the failed ingest is left, except the lock file it took.
    let after: Vec<_> = snapshot(lake.root())
        .into_iter()
        .filter(|(p, _)| !p.ends_with(".lock"))
        .collect();
    let before: Vec<_> = before
        .into_iter()
        .filter(|(p, _)| !p.ends_with(".lock"))
        .collect();
    assert_eq!(after, before);
}
