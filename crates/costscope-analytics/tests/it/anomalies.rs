//! Tests of `costscope_analytics::anomalies`: the detector on each shape, recurring charges,
//! root-cause sums against SQL, the NAT incident, feedback across runs, and monitors files.

use chrono::NaiveDate;
use costscope_analytics::anomalies::detector::{DetectorConfig, Trigger, detect};
use costscope_analytics::anomalies::monitors::{self, MonitorKind, parse_monitors};
use costscope_analytics::anomalies::quality::{self, Label};
use costscope_analytics::anomalies::root_cause::{self, CauseNode, CauseQuery};
use costscope_analytics::anomalies::{self, AnomalyOptions, Monitor, ScanOptions};
use costscope_analytics::measure::CostMeasure;
use costscope_analytics::records::query;
use costscope_store::Store;
use costscope_store::anomalies::FeedbackState;
use serde::Deserialize;

use crate::fixture;

/// A noisy series with a weekly pattern and a gentle trend (deterministic noise).
fn seasonal(days: usize, base: f64) -> Vec<f64> {
    let mut state: u64 = 7;
    (0..days)
        .map(|d| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let noise = ((state >> 33) as f64 / (1u64 << 31) as f64 - 0.5) * 0.08;
            let weekly = if d % 7 >= 5 { 0.6 } else { 1.0 };
            base * weekly * (1.0 + 0.004 * d as f64) * (1.0 + noise)
        })
        .collect()
}

fn config() -> DetectorConfig {
    DetectorConfig::default()
}

#[test]
fn seasonal_noise_and_growth_raise_nothing() {
    let values = seasonal(120, 100.0);
    assert_eq!(detect(&values, 40, &config()), vec![]);
    // 45% a month, compounding, like the NAT story before its deploy.
    let growing: Vec<f64> = (0..120)
        .map(|d| 50.0 * 1.45f64.powf(d as f64 / 30.0))
        .collect();
    assert_eq!(detect(&growing, 40, &config()), vec![]);
}

#[test]
fn a_spike_is_one_short_closed_run() {
    let mut values = seasonal(100, 100.0);
    values[80] += 150.0;
    values[81] += 60.0;
    let runs = detect(&values, 60, &config());
    assert_eq!(runs.len(), 1, "{runs:?}");
    let run = runs[0];
    assert_eq!((run.start, run.end, run.open), (80, 81, false));
    assert!((run.impact() - 210.0).abs() < 20.0, "{run:?}");
    assert_eq!(run.trigger, Trigger::Day);
}

#[test]
fn a_level_shift_is_one_open_run_from_its_first_day() {
    let mut values = seasonal(100, 100.0);
    for v in &mut values[90..] {
        *v += 40.0;
    }
    let runs = detect(&values, 60, &config());
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].start, 90);
    assert!(runs[0].open);
    assert!(runs[0].impact() > 300.0, "{:?}", runs[0]);
}

#[test]
fn a_slow_drift_is_found_within_ten_days() {
    let mut values = seasonal(100, 100.0);
    for (i, v) in values[80..].iter_mut().enumerate() {
        *v *= 1.0 + 0.04 * i as f64;
    }
    // As of each day after the onset: the first run reported.
    let found = (81..100).find(|&today| {
        detect(&values[..=today], 60, &config())
            .iter()
            .any(|r| r.start >= 77 && r.start <= 90)
    });
    let today = found.expect("drift detected");
    assert!(today - 80 <= 10, "detected on day {today}");
}

#[test]
fn a_new_series_is_flagged_from_its_first_day() {
    let mut values = vec![0.0; 60];
    values.extend(std::iter::repeat_n(25.0, 5));
    let runs = detect(&values, 30, &config());
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!((runs[0].start, runs[0].open), (60, true));
    assert_eq!(runs[0].expected, 0.0);
}

#[test]
fn weekends_that_stop_being_quiet_are_flagged() {
    // Weekdays 100, weekends (days 5 and 6 of each week) 10; from day 84 on, weekends are 100.
    let values: Vec<f64> = (0..98)
        .map(|d| if d % 7 >= 5 && d < 84 { 10.0 } else { 100.0 })
        .collect();
    assert_eq!(values[84], 100.0);
    let runs = detect(&values, 60, &config());
    assert!(!runs.is_empty());
    assert_eq!(runs[0].start, 89, "{runs:?}");
    assert!(runs.iter().all(|r| r.start % 7 >= 5), "{runs:?}");
}

#[test]
fn a_monthly_charge_in_the_daily_series_would_alarm_so_it_is_kept_out() {
    // Why recurring charges are excluded: a fee on the first of each month is a spike to
    // any daily detector.
    let mut values = seasonal(100, 100.0);
    values[91] += 500.0;
    assert_eq!(detect(&values, 60, &config()).len(), 1);
}

async fn fixture_labels() -> Vec<Label> {
    let org = fixture::organisation().await;
    serde_json::from_value(serde_json::to_value(&org.summary.labels).expect("json"))
        .expect("labels")
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
}

#[derive(Deserialize)]
struct Total {
    total: Option<f64>,
}

#[tokio::test]
async fn daily_series_leave_recurring_charges_to_the_monthly_list() {
    let session = fixture::admin_session().await;
    let (first, last) = anomalies::usage_span(&session).await.expect("span");
    let set = monitors::daily_series(
        &session,
        &MonitorKind::Service,
        CostMeasure::Amortized,
        first,
        last,
    )
    .await
    .expect("series");
    for product in ["AWSSupportBusiness", "ComputeSavingsPlans"] {
        assert!(
            !set.series.contains_key(product),
            "{product} in daily series"
        );
    }
    let daily: f64 = set.series.values().flatten().sum();
    let sql = |filter: &str| {
        format!(
            "SELECT SUM(amortized_cost) AS total FROM cur_amortized WHERE {filter} \
             AND line_item_usage_start_date < TIMESTAMP '{} 00:00:00'",
            last.succ_opt().expect("next")
        )
    };
    let usage: Vec<Total> = query(
        &session,
        &sql("line_item_line_item_type NOT IN ('Tax', 'Fee', 'RIFee', \
              'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee', 'Credit', 'Refund')"),
    )
    .await
    .expect("sql");
    let expected = usage[0].total.expect("total");
    assert!(
        (daily - expected).abs() < 1e-6 * expected.abs(),
        "{daily} vs {expected}"
    );
    let recurring = monitors::recurring_charges(&session, CostMeasure::Amortized, last, 50.0, 20.0)
        .await
        .expect("recurring");
    let types: Vec<&str> = recurring
        .iter()
        .map(|r| r.line_item_type.as_str())
        .collect();
    for wanted in ["Tax", "Fee", "RIFee", "Credit", "SavingsPlanRecurringFee"] {
        assert!(types.contains(&wanted), "{wanted} missing from {types:?}");
    }
    let monthly: f64 = recurring.iter().map(|r| r.amount).sum();
    let all: Vec<Total> = query(&session, &sql("TRUE")).await.expect("sql");
    assert!((daily + monthly - all[0].total.expect("total")).abs() < 1e-6 * monthly.abs().max(1.0));
}

#[tokio::test]
async fn untagged_cost_is_its_own_named_series() {
    let session = fixture::admin_session().await;
    let (first, last) = anomalies::usage_span(&session).await.expect("span");
    let team = MonitorKind::Tag("user_team".into());
    let set = monitors::daily_series(&session, &team, CostMeasure::Amortized, first, last)
        .await
        .expect("series");
    assert!(!set.series.contains_key(""), "an unnamed team series");
    let untagged: f64 = set.series.get("(no team)").expect("(no team)").iter().sum();
    let sql = format!(
        "SELECT SUM(amortized_cost) AS total FROM cur_amortized \
         WHERE COALESCE(resource_tags['user_team'], '') = '' \
         AND line_item_line_item_type NOT IN ('Tax', 'Fee', 'RIFee', \
             'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee', 'Credit', 'Refund') \
         AND line_item_usage_start_date < TIMESTAMP '{} 00:00:00'",
        last.succ_opt().expect("next")
    );
    let expected = query::<Total>(&session, &sql).await.expect("sql")[0]
        .total
        .expect("total");
    assert!(expected > 0.0, "the fixture has untagged cost");
    assert!(
        (untagged - expected).abs() < 1e-6 * expected,
        "{untagged} vs {expected}"
    );
    let category = MonitorKind::CostCategory("business_unit".into());
    assert_eq!(category.missing_value(), "(no business_unit)");
}

#[tokio::test]
async fn detection_meets_its_goals_on_the_labelled_fixture() {
    let session = fixture::admin_session().await;
    let labels = fixture_labels().await;
    let options = AnomalyOptions {
        explain: false,
        ..AnomalyOptions::default()
    };
    let report = quality::evaluate(&session, &labels, &options, Some(day("2026-09-01")), None)
        .await
        .expect("evaluate");
    assert!(report.precision >= 0.9, "{:#?}", report.unmatched);
    assert!(report.recall >= 0.9, "{:#?}", report.labels);
    let shapes: Vec<&str> = report.shapes.iter().map(|s| s.shape.as_str()).collect();
    for shape in [
        "spike",
        "level-shift",
        "slow-drift",
        "new-service",
        "weekly-pattern",
    ] {
        assert!(shapes.contains(&shape), "{shape} not labelled: {shapes:?}");
    }
    // No false alarm on the first of a month, when tax, support and fees arrive.
    for unmatched in &report.unmatched {
        assert!(!unmatched.start.ends_with("-01"), "{unmatched:?}");
    }
    let nat = report.nat.expect("NAT label");
    assert!(nat.days_to_detect.is_some_and(|d| d <= 2), "{nat:?}");
    assert!(nat.top_is_right, "{nat:#?}");
}

fn assert_children_sum(node: &CauseNode) {
    if node.children.is_empty() {
        return;
    }
    let actual: f64 = node.children.iter().map(|c| c.actual).sum();
    let baseline: f64 = node.children.iter().map(|c| c.baseline).sum();
    let delta: f64 = node.children.iter().map(|c| c.delta).sum();
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-6 * (1.0 + b.abs());
    assert!(close(actual, node.actual), "{} {}", node.level, node.value);
    assert!(
        close(baseline, node.baseline),
        "{} {}",
        node.level,
        node.value
    );
    assert!(close(delta, node.delta), "{} {}", node.level, node.value);
    for pair in node.children.windows(2) {
        let ranked = pair[0].delta >= pair[1].delta || pair[1].value.starts_with("(other)");
        assert!(ranked, "{} before {}", pair[0].value, pair[1].value);
    }
    node.children.iter().for_each(assert_children_sum);
}

#[tokio::test]
async fn the_nat_deploy_is_explained_by_nat_bytes_on_the_gateway() {
    let session = fixture::admin_session().await;
    let labels = fixture_labels().await;
    let nat = labels
        .iter()
        .find(|l| l.usage_types.iter().any(|u| u == "NatGateway-Bytes"))
        .expect("NAT label");
    let onset = day(&nat.onset);
    let as_of = onset + chrono::Days::new(1);
    let report = anomalies::detect(
        &session,
        &AnomalyOptions {
            as_of: Some(as_of),
            ..AnomalyOptions::default()
        },
    )
    .await
    .expect("detect");
    let anomaly = report
        .anomalies
        .iter()
        .find(|a| a.kind == "usage_type" && a.value == "NatGateway-Bytes" && a.start >= onset)
        .expect("an anomaly on NatGateway-Bytes");
    let tree = anomaly.root_cause.as_ref().expect("root cause");
    let usage = tree.top_at("usage_type").expect("usage type");
    assert!(
        ["NatGateway-Bytes", "DataTransfer-Regional-Bytes"].contains(&usage.value.as_str()),
        "{}",
        usage.value
    );
    let resource = usage
        .top_path()
        .into_iter()
        .find(|n| n.level == "resource_id")
        .expect("resource");
    assert!(
        nat.resources
            .iter()
            .any(|r| resource.value.contains(r.as_str())),
        "{} not in {:?}",
        resource.value,
        nat.resources
    );
    let explanation = anomaly.explanation.as_deref().expect("explanation");
    assert!(explanation.contains(&usage.value), "{explanation}");
    assert!(explanation.contains("222222222222"), "{explanation}");
    assert_children_sum(tree);

    // The tree's totals are the SQL sums of the same lines.
    let end = onset + chrono::Days::new(anomaly.days as u64 - 1);
    let baseline_days = 28u32;
    let sql = format!(
        "SELECT \
           SUM(CASE WHEN line_item_usage_start_date >= TIMESTAMP '{onset} 00:00:00' THEN amortized_cost ELSE 0 END) AS actual, \
           SUM(CASE WHEN line_item_usage_start_date < TIMESTAMP '{onset} 00:00:00' THEN amortized_cost ELSE 0 END) AS baseline \
         FROM cur_amortized WHERE line_item_usage_account_id = '222222222222' \
           AND line_item_usage_start_date >= TIMESTAMP '{} 00:00:00' \
           AND line_item_usage_start_date < TIMESTAMP '{} 00:00:00' \
           AND line_item_line_item_type NOT IN ('Tax', 'Fee', 'RIFee', 'SavingsPlanRecurringFee', \
               'SavingsPlanUpfrontFee', 'Credit', 'Refund') \
           AND line_item_usage_end_date - line_item_usage_start_date < INTERVAL '28' DAY",
        onset - chrono::Days::new(u64::from(baseline_days)),
        end + chrono::Days::new(1),
    );
    #[derive(Deserialize)]
    struct Sums {
        actual: f64,
        baseline: f64,
    }
    let sums: Vec<Sums> = query(&session, &sql).await.expect("sql");
    let explicit = root_cause::root_cause(
        &session,
        &CauseQuery {
            kind: &MonitorKind::Account,
            value: "222222222222",
            measure: CostMeasure::Amortized,
            start: onset,
            end,
            baseline_days,
            tag_key: "user_team",
        },
    )
    .await
    .expect("root cause");
    let days = (end - onset).num_days() as f64 + 1.0;
    let scaled = sums[0].baseline * days / f64::from(baseline_days);
    assert!((explicit.actual - sums[0].actual).abs() < 1e-6 * sums[0].actual);
    assert!((explicit.baseline - scaled).abs() < 1e-6 * scaled);
    assert_children_sum(&explicit);
}

#[tokio::test]
async fn feedback_persists_across_runs_and_stops_re_alerting() {
    let session = fixture::admin_session().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let options = AnomalyOptions {
        as_of: Some(day("2026-10-20")),
        monitors: vec![Monitor::new("accounts", MonitorKind::Account)],
        ..AnomalyOptions::default()
    };
    let first = {
        let store = Store::for_lake(dir.path()).expect("store");
        anomalies::scan(&session, &store, &options, ScanOptions::default())
            .await
            .expect("scan")
    };
    assert!(!first.anomalies.is_empty());
    let target = first.anomalies[0].id.clone();
    let store = Store::for_lake(dir.path()).expect("reopen");
    store
        .set_anomaly_feedback(&target, FeedbackState::Expected, Some("planned"))
        .expect("feedback");
    let unknown = store.set_anomaly_feedback("an-nope", FeedbackState::Confirmed, None);
    assert!(unknown.is_err());
    drop(store);

    let store = Store::for_lake(dir.path()).expect("reopen");
    let later = AnomalyOptions {
        as_of: Some(day("2026-10-21")),
        ..options.clone()
    };
    let second = anomalies::scan(&session, &store, &later, ScanOptions::default())
        .await
        .expect("scan");
    assert!(second.anomalies.iter().all(|a| a.id != target));
    assert!(second.suppressed >= 1);
    let all = anomalies::scan(&session, &store, &later, ScanOptions { all: true })
        .await
        .expect("scan");
    let shown = all
        .anomalies
        .iter()
        .find(|a| a.id == target)
        .expect("still visible with all");
    assert_eq!(shown.feedback.as_deref(), Some("expected"));
    assert_eq!(shown.first_detected.as_deref(), Some("2026-10-20"));
    assert_eq!(shown.runs, Some(3));
    let stored = anomalies::show(&store, &target).expect("show");
    assert_eq!(stored.id, target);
    assert!(stored.root_cause.is_some());
    assert!(anomalies::show(&store, "an-nope").is_err());
}

#[test]
fn bad_monitors_files_name_file_line_and_column() {
    let error = parse_monitors(
        "monitors:\n  - name: teams\n    kind: tag\n  - name: x\n    kind: colour\n",
        "monitors.yaml",
    )
    .expect_err("tag without key");
    assert!(
        error.to_string().starts_with("monitors.yaml:3:11"),
        "{error}"
    );
    let error = parse_monitors("monitors:\n  - name: x\n    kind: colour\n", "m.yaml")
        .expect_err("unknown kind")
        .to_string();
    assert!(
        error.starts_with("m.yaml:3:11") && error.contains("colour"),
        "{error}"
    );
    let error = parse_monitors(
        "monitors:\n  - name: x\n    kind: service\n    min_impact: -5\n",
        "m.yaml",
    )
    .expect_err("negative")
    .to_string();
    assert!(error.starts_with("m.yaml:4:17"), "{error}");
    let error = parse_monitors(
        "monitors:\n  - name: x\n    kind: service\n    colour: 1\n",
        "m.yaml",
    )
    .expect_err("unknown field")
    .to_string();
    assert!(error.starts_with("m.yaml:"), "{error}");
    let monitors = parse_monitors(
        "monitors:\n  - name: bu\n    kind: cost_category\n    key: business_unit\n    min_impact: 10\n    sensitivity: 3\n",
        "m.yaml",
    )
    .expect("valid");
    assert_eq!(
        monitors[0].kind,
        MonitorKind::CostCategory("business_unit".into())
    );
    assert_eq!(
        (monitors[0].min_impact, monitors[0].sensitivity),
        (10.0, 3.0)
    );
}
