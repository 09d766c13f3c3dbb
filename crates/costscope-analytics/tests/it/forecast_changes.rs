//! Month-end forecasts on generated organisations with and without planted changes (two
//! seeds each): intervals hold about as often as they say on spend without changes; from
//! the third day of a level shift or a new service the forecast is within 5% of the month's
//! actual and its interval holds it; a one-day burst does not move the forecast.

use costscope_analytics::budgets::{
    BacktestOptions, BacktestReport, Measure, NOMINAL_LEVELS, Scope, ScopeBacktest, backtest,
};
use costscope_lake::Lake;
use costscope_query::{Engine, Principal};
use costscope_synth::demo_lake::{self, DemoLakeOptions};
use costscope_synth::{GenerateOptions, IncidentLabel, LabelMonitor, PlantedChange};
use tokio::sync::OnceCell;

const SEEDS: [u64; 2] = [42, 7];

/// The changes planted in the changed organisations (day of October, USD per day).
const SCALE_OUT: &str = "level-shift:Shared-Services:AmazonEC2:12:6";
const S3_SPIKE: &str = "level-shift:App-Team-Prod:AmazonS3:18:200";
const BURST: &str = "burst:Data-Platform:AmazonEC2:8:500";
const NEW_SERVICE: &str = "new-service:Marketing-Web:AmazonRDS:22:10";

/// The accounts the changes are planted in.
const APP_TEAM_PROD: &str = "222222222222";
const SHARED_SERVICES: &str = "444444444444";
const MARKETING_WEB: &str = "999999999999";

struct Organisation {
    _dir: tempfile::TempDir,
    lake: Lake,
    labels: Vec<IncidentLabel>,
}

static ORGANISATIONS: [OnceCell<Organisation>; 4] = [
    OnceCell::const_new(),
    OnceCell::const_new(),
    OnceCell::const_new(),
    OnceCell::const_new(),
];

/// The backtest of October (amortized, every account) on the organisation of `seed`
/// without the labelled incidents, with the planted changes when `changed`, and the
/// labels of every change in the organisation (planted or part of a running example).
async fn october(seed: u64, changed: bool) -> (BacktestReport, &'static [IncidentLabel]) {
    let index = SEEDS.iter().position(|s| *s == seed).expect("seed") * 2 + usize::from(changed);
    let organisation = ORGANISATIONS[index]
        .get_or_init(|| async {
            let dir = tempfile::tempdir().expect("tempdir");
            let mut options = DemoLakeOptions::in_dir(dir.path(), seed);
            options.generate = GenerateOptions {
                incidents: false,
                planted: if changed {
                    [SCALE_OUT, S3_SPIKE, BURST, NEW_SERVICE]
                        .iter()
                        .map(|p| p.parse::<PlantedChange>().expect("plant"))
                        .collect()
                } else {
                    Vec::new()
                },
                ..options.generate
            };
            let built = demo_lake::build(&options).await.expect("lake");
            Organisation {
                _dir: dir,
                lake: built.lake,
                labels: built.summary.labels,
            }
        })
        .await;
    let session = Engine::new(organisation.lake.clone())
        .session(&Principal::admin())
        .await
        .expect("session");
    let report = backtest(
        &session,
        &BacktestOptions {
            measure: Measure::Amortized,
            ..BacktestOptions::default()
        },
    )
    .await
    .expect("backtest");
    (report, &organisation.labels)
}

fn account<'a>(report: &'a BacktestReport, name: &str) -> &'a ScopeBacktest {
    report
        .scopes
        .iter()
        .find(|s| s.scope == Scope::Account(name.to_string()))
        .expect("account")
}

/// The share of (scope, as-of day) forecasts whose interval at `confidence` held the
/// actual, over every scope of the report.
fn pooled_coverage(report: &BacktestReport, confidence: f64) -> f64 {
    let level = NOMINAL_LEVELS
        .iter()
        .position(|l| *l == confidence)
        .expect("level");
    let (mut held, mut count) = (0, 0);
    for scope in &report.scopes {
        for point in &scope.points {
            let interval = point.intervals[level];
            count += 1;
            if (interval.lower..=interval.upper).contains(&scope.actual) {
                held += 1;
            }
        }
    }
    f64::from(held) / f64::from(count)
}

#[tokio::test]
async fn intervals_hold_about_as_often_as_they_say_on_spend_without_changes() {
    for seed in SEEDS {
        let (report, _) = october(seed, false).await;
        let coverage: Vec<f64> = NOMINAL_LEVELS
            .iter()
            .map(|c| pooled_coverage(&report, *c))
            .collect();
        eprintln!(
            "seed {seed}: MAPE {:.2}% coverage {coverage:?}",
            report.mape
        );
        assert!(
            (0.70..=0.95).contains(&coverage[1]),
            "seed {seed}: 80% intervals held {:.2}",
            coverage[1]
        );
        assert!(coverage[0] <= coverage[1] && coverage[1] <= coverage[2]);
        assert!(report.mape <= 5.0, "seed {seed}: MAPE {}", report.mape);
    }
}

/// The days of October on which a labelled change of `account` starts.
fn change_days(labels: &[IncidentLabel], account: &str) -> Vec<u32> {
    use chrono::Datelike;
    labels
        .iter()
        .filter(|l| {
            std::iter::once(&l.monitor)
                .chain(&l.also)
                .any(|m: &LabelMonitor| m.kind == "account" && m.value == account)
        })
        .filter_map(|l| chrono::NaiveDate::parse_from_str(&l.onset, "%Y-%m-%d").ok())
        .filter(|d| d.month() == 10)
        .map(|d| d.day())
        .collect()
}

/// Checks the forecasts of `scope` from the third day of the change on `day`, on the
/// days every change of the account in the month had started two days before (no
/// forecaster can see a change before it happens).
fn follows_from_the_third_day(scope: &ScopeBacktest, day: u32, changes: &[u32], what: &str) {
    use chrono::Datelike;
    assert!(changes.contains(&day), "{what}: the change is labelled");
    let mut checked = 0;
    let settled = |as_of: u32| as_of >= day + 2 && changes.iter().all(|c| *c + 2 <= as_of);
    for point in scope.points.iter().filter(|p| settled(p.as_of.day())) {
        checked += 1;
        assert!(
            point.ape <= 5.0,
            "{what}: as of {} the forecast {:.2} is {:.1}% off {:.2}",
            point.as_of,
            point.mean,
            point.ape,
            scope.actual
        );
        assert!(
            (point.lower..=point.upper).contains(&scope.actual),
            "{what}: as of {} the interval [{:.2}, {:.2}] misses {:.2}",
            point.as_of,
            point.lower,
            point.upper,
            scope.actual
        );
    }
    assert!(checked >= 5, "{what}: only {checked} settled as-of days");
}

#[tokio::test]
async fn forecasts_follow_a_level_shift_and_a_new_service_from_their_third_day() {
    for seed in SEEDS {
        let (report, labels) = october(seed, true).await;
        for (name, id, day, what) in [
            ("Shared-Services", SHARED_SERVICES, 12, "scale-out"),
            ("App-Team-Prod", APP_TEAM_PROD, 18, "S3 spike"),
            ("Marketing-Web", MARKETING_WEB, 22, "new service"),
        ] {
            follows_from_the_third_day(
                account(&report, name),
                day,
                &change_days(labels, id),
                &format!("seed {seed} {what}"),
            );
        }
    }
}

#[tokio::test]
async fn a_one_day_burst_does_not_move_the_forecast() {
    use chrono::Datelike;
    for seed in SEEDS {
        let (quiet, changed) = (october(seed, false).await.0, october(seed, true).await.0);
        let (before, after) = (
            account(&quiet, "Data-Platform"),
            account(&changed, "Data-Platform"),
        );
        // The burst's own cost, and the tax on it, are in the actual.
        let burst = after.actual - before.actual;
        assert!(burst > 0.0);
        for (q, c) in before.points.iter().zip(&after.points) {
            if c.as_of.day() < 8 {
                assert!((c.mean - q.mean).abs() < 1e-6 * q.mean);
                continue;
            }
            let moved = c.mean - q.mean - if c.as_of.day() >= 8 { burst } else { 0.0 };
            assert!(
                moved.abs() <= 0.02 * before.actual,
                "seed {seed}: as of {} the burst moved the forecast by {moved:.2} ({:.2} vs {:.2})",
                c.as_of,
                c.mean,
                q.mean
            );
        }
    }
}
