//! Totals in the lake equal the generator's own ledger, computed independently while the
//! rows were written: by account, service, day and line-item type, unblended and amortized.

use std::collections::BTreeMap;
use std::path::Path;

use costscope_synth::{GenerateOptions, Ledger, generate};
use proptest::prelude::*;

use crate::cli::{costscope, demo_data, export_root, ok};

type Key = (String, String, String, String);

/// (rows, unblended, amortized) per key, as the lake answers through SQL.
fn lake_totals(lake: &Path) -> BTreeMap<Key, (u64, f64, f64)> {
    let out = ok(costscope(lake).args([
        "sql",
        "SELECT line_item_usage_account_id AS a, line_item_product_code AS p, \
         date_format(line_item_usage_start_date, '%Y-%m-%d') AS d, line_item_line_item_type AS t, \
         count(*) AS n, sum(line_item_unblended_cost) AS u, sum(amortized_cost) AS m \
         FROM cur_amortized GROUP BY 1, 2, 3, 4",
        "--format",
        "json",
    ]));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).expect("json");
    rows.into_iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or_default().to_owned();
            let f = |k: &str| r[k].as_f64().unwrap_or(0.0);
            (
                (s("a"), s("p"), s("d"), s("t")),
                (r["n"].as_u64().unwrap_or(0), f("u"), f("m")),
            )
        })
        .collect()
}

fn ledger_totals(ledger: &Ledger) -> BTreeMap<Key, (u64, f64, f64)> {
    ledger
        .entries
        .iter()
        .map(|(k, t)| {
            (
                (
                    k.usage_account_id.clone(),
                    k.product_code.clone(),
                    k.day.clone(),
                    k.line_item_type.clone(),
                ),
                (t.rows, t.unblended, t.amortized),
            )
        })
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1e-3)
}

fn assert_same(lake: &BTreeMap<Key, (u64, f64, f64)>, ledger: &BTreeMap<Key, (u64, f64, f64)>) {
    assert_eq!(
        lake.len(),
        ledger.len(),
        "different sets of (account, service, day, type)"
    );
    for (key, expected) in ledger {
        let got = lake
            .get(key)
            .unwrap_or_else(|| panic!("{key:?} missing from the lake"));
        assert_eq!(got.0, expected.0, "rows of {key:?}");
        assert!(
            close(got.1, expected.1),
            "unblended of {key:?}: {} vs {}",
            got.1,
            expected.1
        );
        assert!(
            close(got.2, expected.2),
            "amortized of {key:?}: {} vs {}",
            got.2,
            expected.2
        );
    }
}

#[test]
fn demo_organisation_totals_equal_the_ledger() {
    let lake = tempfile::tempdir().expect("tempdir");
    ok(costscope(lake.path())
        .args(["ingest", "cur"])
        .arg(export_root(demo_data())));
    let ledger = Ledger::read_csv(demo_data().join("ledger.csv")).expect("ledger");
    assert_same(&lake_totals(lake.path()), &ledger_totals(&ledger));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3, .. ProptestConfig::default() })]

    #[test]
    fn ingest_then_query_returns_the_generated_totals(seed in 0u64..1_000_000, rows in 20_000u64..60_000) {
        let dir = tempfile::tempdir().expect("tempdir");
        let summary = generate(&GenerateOptions {
            out: dir.path().join("data"),
            seed,
            months: 2,
            rows: Some(rows),
            ..GenerateOptions::default()
        })
        .expect("generate");
        let lake = dir.path().join("lake");
        ok(costscope(&lake).args(["ingest", "cur"]).arg(&summary.export_root));
        assert_same(&lake_totals(&lake), &ledger_totals(&summary.ledger));
    }
}
