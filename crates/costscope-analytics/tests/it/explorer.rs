//! The cost explorer against hand-written SQL over `cur` / `cur_amortized` and against
//! the generator's ledger.

use std::collections::BTreeMap;

use costscope_analytics::explorer::{
    self, Compare, CostReport, Dimension, ExplorerOptions, Filter, Granularity, Measure,
};
use costscope_analytics::{Error, records};
use costscope_query::Session;

use crate::fixture;

mod inputs;
mod top_and_compare;
mod versus_sql;

/// Amounts keyed by their group: period (for reports), dimension values, unit.
pub type Amounts = BTreeMap<Vec<String>, f64>;

pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

pub fn assert_same(what: &str, actual: &Amounts, expected: &Amounts) {
    assert!(
        !expected.is_empty(),
        "{what}: the hand-written query found nothing"
    );
    let missing: Vec<_> = expected
        .keys()
        .filter(|k| !actual.contains_key(*k))
        .collect();
    let extra: Vec<_> = actual
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: missing groups {missing:?}, unexpected groups {extra:?}"
    );
    for (key, value) in expected {
        assert!(
            close(actual[key], *value),
            "{what}: {key:?} is {} but hand-written SQL says {value}",
            actual[key]
        );
    }
}

pub fn date(text: &str) -> chrono::NaiveDate {
    explorer::parse_date("date", text).expect("date")
}

pub fn dims(names: &[&str]) -> Vec<Dimension> {
    names.iter().map(|n| n.parse().expect(n)).collect()
}

pub fn filters(texts: &[&str]) -> Vec<Filter> {
    texts.iter().map(|t| t.parse().expect(t)).collect()
}

pub async fn explore(session: &Session, options: &ExplorerOptions) -> CostReport {
    explorer::explore(session, options).await.expect("explore")
}

pub fn report_amounts(report: &CostReport) -> Amounts {
    let mut amounts = Amounts::new();
    for row in &report.rows {
        let mut key = vec![row.period.clone()];
        key.extend(row.dimensions.iter().cloned());
        key.push(row.unit.clone());
        assert!(
            amounts.insert(key.clone(), row.amount).is_none(),
            "group {key:?} appears twice"
        );
    }
    amounts
}

/// Runs hand-written SQL whose columns are `k1`, `k2` … (the key, in order; NULL or ''
/// shown as the label given for that column) and `amount`.
pub async fn hand(session: &Session, sql: &str, null_labels: &[&str]) -> Amounts {
    let rows: Vec<BTreeMap<String, serde_json::Value>> =
        records::query(session, sql).await.expect(sql);
    let mut amounts = Amounts::new();
    for row in rows {
        let key: Vec<String> = null_labels
            .iter()
            .enumerate()
            .map(|(i, label)| match &row.get(&format!("k{}", i + 1)) {
                Some(serde_json::Value::String(s)) if !s.is_empty() => s.clone(),
                _ => label.to_string(),
            })
            .collect();
        let amount = row.get("amount").and_then(|v| v.as_f64()).unwrap_or(0.0);
        *amounts.entry(key).or_default() += amount;
    }
    amounts
}
