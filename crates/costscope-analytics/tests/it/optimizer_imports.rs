//! Imported Compute Optimizer and Cost Optimization Hub recommendations over a lake holding
//! the shared organisation's CUR and the generator's optimizer samples for it: imports and
//! costscope's rules on the same instance count one saving, the team comes from the CUR
//! tags, and the utilisation KPI reads the imported export.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use costscope_analytics::efficiency::{self, KpiOptions};
use costscope_analytics::recommend::{
    self, RecommendOptions, RecommendReport, Recommendation, Source, imports,
};
use costscope_core::TeamExpr;
use costscope_lake::ingest::{cur, optimizer};
use costscope_lake::{IngestOptions, Lake};
use costscope_query::{Engine, Principal, Session};
use costscope_synth::{GenerateOptions, OptimizerSamples, write_optimizer_samples};
use tokio::sync::OnceCell;

use crate::fixture;

struct Imported {
    _dir: tempfile::TempDir,
    lake: Lake,
    samples: OptimizerSamples,
    /// The recommendations of the same lake before the import.
    before: RecommendReport,
}

static IMPORTED: OnceCell<Imported> = OnceCell::const_new();

/// A lake with the shared organisation's CUR and its optimizer samples imported.
async fn imported() -> &'static Imported {
    IMPORTED
        .get_or_init(|| async {
            let org = fixture::organisation().await;
            let dir = tempfile::tempdir().expect("tempdir");
            let lake = Lake::open(dir.path().join("lake")).expect("lake");
            let path = |p: &Path| p.display().to_string();
            cur::ingest_cur(
                &lake,
                &path(&org.summary.export_root),
                &IngestOptions::default(),
            )
            .await
            .expect("cur");
            let before = report(&session(&lake).await).await;
            let exports = dir.path().join("exports");
            let samples = write_optimizer_samples(
                &exports,
                &GenerateOptions {
                    seed: 42,
                    ..GenerateOptions::default()
                },
            )
            .expect("samples");
            optimizer::ingest_optimizer(&lake, &path(&exports))
                .await
                .expect("optimizer");
            Imported {
                _dir: dir,
                lake,
                samples,
                before,
            }
        })
        .await
}

async fn session(lake: &Lake) -> Session {
    Engine::new(lake.clone())
        .session(&Principal::admin())
        .await
        .expect("session")
}

async fn report(session: &Session) -> RecommendReport {
    recommend::recommend(session, None, &RecommendOptions::default())
        .await
        .expect("recommend")
}

#[tokio::test]
async fn an_import_overlapping_a_rule_counts_one_saving_with_the_rule_as_alternative() {
    let with = report(&session(&imported().await.lake).await).await;
    let without = &imported().await.before;

    // An over-provisioned m5 that costscope's Graviton rule also covers: one recommendation,
    // the other sources its alternatives.
    let overlap = with
        .recommendations
        .iter()
        .find(|r| {
            r.source != Source::Costscope
                && r.current == "m5.large"
                && r.alternatives.iter().any(|a| a.rule == "graviton")
        })
        .expect("an imported rightsizing overlapping the graviton rule");
    assert_eq!(overlap.pool, "instance-hours");
    let sources: BTreeSet<String> = std::iter::once(overlap.source)
        .chain(overlap.alternatives.iter().map(|a| a.source))
        .map(|s| format!("{s:?}"))
        .collect();
    assert_eq!(
        sources,
        BTreeSet::from([
            "ComputeOptimizer".to_string(),
            "CostOptimizationHub".to_string(),
            "Costscope".to_string()
        ])
    );
    let rule = without
        .recommendations
        .iter()
        .find(|r| r.resource_id == overlap.resource_id && r.rule == "graviton")
        .expect("the rule on the same instance without imports");
    assert_eq!(overlap.team, rule.team, "the team comes from the CUR tags");
    assert_eq!(overlap.account_id, rule.account_id);
    assert!(overlap.monthly_saving > rule.monthly_saving);

    // One recommendation per resource and pool.
    let mut seen = BTreeSet::new();
    for r in &with.recommendations {
        assert!(
            seen.insert((r.resource_id.clone(), r.pool.clone())),
            "{} counted twice in pool {}",
            r.resource_id,
            r.pool
        );
    }
    // The total is the largest saving of each (resource, pool) among the rules' and the
    // imports' candidates, each counted once.
    let raw = imports::imported(
        &session(&imported().await.lake).await,
        with.window_from
            .map(|from| recommend::Window::ending(from + chrono::Duration::days(29))),
        &TeamExpr::default(),
    )
    .await
    .expect("imports");
    assert!(!raw.is_empty());
    let mut best: BTreeMap<(String, String), f64> = BTreeMap::new();
    for r in without.recommendations.iter().chain(raw.iter()) {
        let slot = best
            .entry((r.resource_id.clone(), r.pool.clone()))
            .or_default();
        *slot = slot.max(r.monthly_saving);
    }
    let expected: f64 = best.values().sum();
    assert!(
        (with.total_monthly_saving - expected).abs() < 0.01 * best.len() as f64,
        "total {} vs {expected}",
        with.total_monthly_saving
    );
    let imported_winners: Vec<&Recommendation> = with
        .recommendations
        .iter()
        .filter(|r| r.source != Source::Costscope)
        .collect();
    assert!(imported_winners.len() >= imported().await.samples.overprovisioned);
    assert!(
        with.total_monthly_saving > without.total_monthly_saving,
        "imports add the savings the rules do not find"
    );
}

#[tokio::test]
async fn gp2_volumes_from_the_hub_share_the_storage_pool_of_the_gp3_rule() {
    let with = report(&session(&imported().await.lake).await).await;
    let rules_of = |r: &Recommendation| -> BTreeSet<String> {
        std::iter::once(r.rule.clone())
            .chain(r.alternatives.iter().map(|a| a.rule.clone()))
            .collect()
    };
    let volume = with
        .recommendations
        .iter()
        .find(|r| {
            let rules = rules_of(r);
            rules.contains("gp2-to-gp3") && rules.contains("cost-optimization-hub-upgrade")
        })
        .expect("a gp2 volume recommended by both costscope and Cost Optimization Hub");
    assert!(volume.resource_id.starts_with("vol-"), "{volume:?}");
    assert_eq!(volume.pool, "ebs-storage");
    assert_eq!(volume.category, recommend::Category::Storage);
    assert_eq!(volume.alternatives.len(), 1);
}

#[tokio::test]
async fn utilisation_reads_the_imported_compute_optimizer_export() {
    let imported = imported().await;
    let report = efficiency::kpis(&session(&imported.lake).await, &KpiOptions::default())
        .await
        .expect("kpis");
    assert_eq!(report.utilisation.status, "available");
    assert_eq!(report.utilisation.source, "optimizer_ec2");
    // Per account, the average of the export's CPU and memory maxima, read from the file.
    let mut expected: BTreeMap<String, (i64, f64, f64)> = BTreeMap::new();
    let mut reader = csv::Reader::from_path(&imported.samples.compute_optimizer_file).expect("csv");
    let header = reader.headers().expect("header").clone();
    let at = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (account, cpu, memory) = (
        at("accountId"),
        at("utilizationMetrics_CPU_MAXIMUM"),
        at("utilizationMetrics_MEMORY_MAXIMUM"),
    );
    for record in reader.records() {
        let record = record.expect("record");
        let entry = expected.entry(record[account].to_string()).or_default();
        entry.0 += 1;
        entry.1 += record[cpu].parse::<f64>().expect("cpu");
        entry.2 += record[memory].parse::<f64>().expect("memory");
    }
    assert_eq!(report.utilisation.accounts.len(), expected.len());
    for a in &report.utilisation.accounts {
        let (count, cpu, memory) = expected[&a.account_id];
        assert_eq!(a.instances, count, "{}", a.account_id);
        let close =
            |v: Option<f64>, sum: f64| (v.expect("value") - sum / count as f64).abs() < 1e-9;
        assert!(close(a.cpu_max_percent, cpu), "{a:?}");
        assert!(close(a.memory_max_percent, memory), "{a:?}");
    }
}

#[tokio::test]
async fn a_later_export_is_kept_as_history_and_only_the_latest_counts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exports = dir.path().join("exports");
    let samples = write_optimizer_samples(
        &exports,
        &GenerateOptions {
            seed: 42,
            ..GenerateOptions::default()
        },
    )
    .expect("samples");
    let lake = Lake::open(dir.path().join("lake")).expect("lake");
    let path = |p: &Path| p.display().to_string();
    optimizer::ingest_optimizer(&lake, &path(&samples.compute_optimizer_file))
        .await
        .expect("first export");
    // A week later every instance is optimized but one, whose saving doubled.
    let mut reader = csv::Reader::from_path(&samples.compute_optimizer_file).expect("csv");
    let header = reader.headers().expect("header").clone();
    let at = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (finding, saving, refreshed, arn) = (
        at("finding"),
        at("recommendationOptions_1_estimatedMonthlySavings_value"),
        at("lastRefreshTimestamp_UTC"),
        at("instanceArn"),
    );
    let later = dir.path().join("later.csv");
    let mut writer = csv::Writer::from_path(&later).expect("writer");
    writer.write_record(&header).expect("header");
    let mut kept = None;
    for record in reader.records() {
        let mut fields: Vec<String> = record.expect("record").iter().map(str::to_string).collect();
        fields[refreshed] = "2026-11-07 00:10:00".into();
        if fields[finding] == "Overprovisioned" && kept.is_none() {
            let doubled = 2.0 * fields[saving].parse::<f64>().expect("saving");
            fields[saving] = format!("{doubled:.2}");
            kept = Some((fields[arn].clone(), doubled));
        } else {
            fields[finding] = "Optimized".into();
            fields[saving] = "0".into();
        }
        writer.write_record(&fields).expect("write");
    }
    writer.flush().expect("flush");
    optimizer::ingest_optimizer(&lake, &path(&later))
        .await
        .expect("later export");
    assert_eq!(
        lake.manifest().expect("manifest").tables["optimizer_ec2"]
            .partitions
            .len(),
        2,
        "the first export stays as history"
    );

    let session = session(&lake).await;
    let recs = imports::imported(&session, None, &TeamExpr::default())
        .await
        .expect("imports");
    let (arn, doubled) = kept.expect("an over-provisioned instance");
    assert_eq!(recs.len(), 1, "{recs:?}");
    assert!(arn.ends_with(&recs[0].resource_id));
    assert!((recs[0].monthly_saving - doubled).abs() < 1e-9);
    assert_eq!(recs[0].team, "untagged", "no CUR lines name its team");
}
