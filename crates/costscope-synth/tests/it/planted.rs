//! Planted changes: a level shift, a one-day burst and a new service appear in the bill
//! where and when they were asked for, at their size, and are labelled; without the
//! built-in incidents the last period holds none of them; bad plant specs are refused.

use costscope_synth::{
    Error, GenerateOptions, GenerateSummary, PlantedChange, PlantedKind, PlantedService, generate,
};

const SANDBOX: &str = "888888888888";
const SHARED: &str = "444444444444";
const DATA: &str = "666666666666";

fn generated(incidents: bool, planted: &[&str]) -> (tempfile::TempDir, GenerateSummary) {
    let dir = tempfile::tempdir().unwrap();
    let summary = generate(&GenerateOptions {
        out: dir.path().to_path_buf(),
        months: 1,
        incidents,
        planted: planted.iter().map(|p| p.parse().unwrap()).collect(),
        ..GenerateOptions::default()
    })
    .unwrap();
    (dir, summary)
}

/// The unblended cost of `account`'s `product` on day `day` of October 2026.
fn day_cost(summary: &GenerateSummary, account: &str, product: &str, day: u32) -> f64 {
    let date = format!("2026-10-{day:02}");
    summary
        .ledger
        .total_where(|k| {
            k.usage_account_id == account
                && k.product_code == product
                && k.day == date
                && k.line_item_type == "Usage"
        })
        .unblended
}

#[test]
fn planted_changes_are_billed_where_and_when_asked() {
    let (_quiet_dir, quiet) = generated(false, &[]);
    let (_dir, changed) = generated(
        false,
        &[
            "burst:Data-Platform:AmazonEC2:8:500",
            "level-shift:Shared-Services:AmazonEC2:12:300",
            "new-service:Sandbox:AmazonRDS:22:200",
        ],
    );
    let extra = |account: &str, product: &str, day: u32| {
        day_cost(&changed, account, product, day) - day_cost(&quiet, account, product, day)
    };
    let near = |value: f64, expected: f64| (value - expected).abs() <= expected * 0.05 + 1e-9;
    // The burst: one day only.
    assert!(extra(DATA, "AmazonEC2", 7).abs() < 1e-6);
    assert!(near(extra(DATA, "AmazonEC2", 8), 500.0));
    assert!(extra(DATA, "AmazonEC2", 9).abs() < 1e-6);
    // The level shift: from its day to the end of the month.
    assert!(extra(SHARED, "AmazonEC2", 11).abs() < 1e-6);
    for day in [12, 20, 31] {
        assert!(near(extra(SHARED, "AmazonEC2", day), 300.0), "day {day}");
    }
    // The new service: none before, its own cost after.
    assert_eq!(day_cost(&changed, SANDBOX, "AmazonRDS", 21), 0.0);
    assert!(near(day_cost(&changed, SANDBOX, "AmazonRDS", 25), 200.0));
    let shapes: Vec<(&str, &str)> = changed
        .labels
        .iter()
        .filter(|l| l.id.starts_with("planted-"))
        .map(|l| (l.shape.as_str(), l.onset.as_str()))
        .collect();
    assert_eq!(
        shapes,
        [
            ("spike", "2026-10-08"),
            ("level-shift", "2026-10-12"),
            ("new-service", "2026-10-22")
        ]
    );
}

#[test]
fn without_incidents_only_the_stories_change_the_last_period() {
    let (_dir, quiet_summary) = generated(false, &[]);
    let (_dir_default, default_summary) = generated(true, &[]);
    let ids = |summary: &GenerateSummary| -> Vec<String> {
        summary.labels.iter().map(|l| l.id.clone()).collect()
    };
    let (quiet, default) = (ids(&quiet_summary), ids(&default_summary));
    // The five incidents go; the labels of the stories' own changes stay.
    assert_eq!(default.len(), quiet.len() + 5, "{quiet:?} {default:?}");
    assert!(quiet.iter().all(|id| default.contains(id)));
    assert!(quiet.iter().all(|id| !id.starts_with("spike-")));
    assert!(quiet_summary.cur_rows < default_summary.cur_rows);
}

#[test]
fn plant_specs_parse_and_bad_ones_are_refused() {
    let change: PlantedChange = "level-shift:App-Team-Prod:AmazonS3:18:400".parse().unwrap();
    assert_eq!(
        change,
        PlantedChange {
            kind: PlantedKind::LevelShift,
            account: "App-Team-Prod".into(),
            service: PlantedService::S3,
            day: 18,
            usd_per_day: 400,
        }
    );
    assert_eq!(
        change.to_string(),
        "level-shift:App-Team-Prod:AmazonS3:18:400"
    );
    for bad in [
        "shift:App-Team-Prod:AmazonS3:18:400",
        "level-shift:App-Team-Prod:AmazonLightsail:18:400",
        "level-shift:App-Team-Prod:AmazonS3:eighteen:400",
        "level-shift:App-Team-Prod:AmazonS3:18",
    ] {
        assert!(
            matches!(
                bad.parse::<PlantedChange>(),
                Err(Error::InvalidOption { .. })
            ),
            "{bad}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    for bad in [
        "burst:No-Such-Account:AmazonEC2:8:500",
        "burst:Data-Platform:AmazonEC2:32:500",
        "burst:Data-Platform:AmazonEC2:0:500",
        "burst:Data-Platform:AmazonEC2:8:0",
    ] {
        let options = GenerateOptions {
            out: dir.path().to_path_buf(),
            months: 1,
            planted: vec![bad.parse().unwrap()],
            ..GenerateOptions::default()
        };
        let error = generate(&options).unwrap_err();
        assert!(
            matches!(error, Error::InvalidOption { .. }),
            "{bad}: {error}"
        );
    }
    assert!(!dir.path().join("cur").exists());
}
