//! The generator's own record of what it wrote: row counts, unblended and amortized cost per
//! (account, product code, usage day, line-item type), summed in Rust as rows are produced.
//! Tests compare it with what engines read back from the files.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// One monitored dimension value an incident shows in: `kind` is `service`, `account`,
/// `team`, `usage_type` or `cost_category`; `value` the product code, account id, team,
/// usage type or `business_unit` value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LabelMonitor {
    pub kind: String,
    pub value: String,
}

/// A labelled incident the generator put in the organisation: what an anomaly detector
/// should find. Written to `labels.json` beside the ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentLabel {
    /// Stable name, e.g. `spike-data-platform-backfill`.
    pub id: String,
    /// `spike`, `level-shift`, `slow-drift`, `new-service` or `weekly-pattern`.
    pub shape: String,
    /// The monitor that shows it most plainly.
    pub monitor: LabelMonitor,
    /// Every other monitored value the incident raises.
    pub also: Vec<LabelMonitor>,
    /// First day with extra cost, `YYYY-MM-DD`.
    pub onset: String,
    /// Last day with extra cost, if it ends inside the generated calendar.
    pub end: Option<String>,
    /// Extra cost (USD, on-demand rates, before noise) from the onset to the end or to the
    /// end of the calendar.
    pub expected_impact: f64,
    /// Resource ids behind the extra cost.
    pub resources: Vec<String>,
    /// Usage types behind the extra cost.
    pub usage_types: Vec<String>,
    pub description: String,
}

/// Writes `labels` as pretty JSON.
pub fn write_labels(labels: &[IncidentLabel], path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let text = serde_json::to_string_pretty(labels)
        .map_err(|e| Error::io(path, std::io::Error::other(e)))?;
    std::fs::write(path, text + "\n").map_err(|e| Error::io(path, e))
}

/// Reads labels written by [`write_labels`].
pub fn read_labels(path: impl AsRef<Path>) -> Result<Vec<IncidentLabel>> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| Error::Malformed {
        file: path.display().to_string(),
        line: e.line() as u64,
        message: e.to_string(),
    })
}

/// Key of one ledger entry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LedgerKey {
    pub usage_account_id: String,
    pub product_code: String,
    /// `YYYY-MM-DD` of `line_item_usage_start_date`.
    pub day: String,
    pub line_item_type: String,
}

/// Totals of one ledger entry.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LedgerTotals {
    pub rows: u64,
    /// Sum of `line_item_unblended_cost`.
    pub unblended: f64,
    /// Sum of the amortized cost ([`costscope_core::measures::amortized_cost`]).
    pub amortized: f64,
}

impl LedgerTotals {
    fn add(&mut self, other: &LedgerTotals) {
        self.rows += other.rows;
        self.unblended += other.unblended;
        self.amortized += other.amortized;
    }
}

/// Totals per key, ordered by key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ledger {
    pub entries: BTreeMap<LedgerKey, LedgerTotals>,
}

const HEADER: [&str; 7] = [
    "usage_account_id",
    "product_code",
    "day",
    "line_item_type",
    "rows",
    "unblended_cost",
    "amortized_cost",
];

impl Ledger {
    /// Total rows over all entries.
    pub fn rows(&self) -> u64 {
        self.entries.values().map(|t| t.rows).sum()
    }

    /// Sum of the totals of the entries that `keep` selects.
    pub fn total_where(&self, mut keep: impl FnMut(&LedgerKey) -> bool) -> LedgerTotals {
        let mut total = LedgerTotals::default();
        for (key, totals) in &self.entries {
            if keep(key) {
                total.add(totals);
            }
        }
        total
    }

    /// Writes the ledger as CSV; floats keep full precision so they read back exactly.
    pub fn write_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let mut out = String::with_capacity(self.entries.len() * 80 + 100);
        out.push_str(&HEADER.join(","));
        out.push('\n');
        for (key, totals) in &self.entries {
            out.push_str(&format!(
                "{},{},{},{},{},{:?},{:?}\n",
                key.usage_account_id,
                key.product_code,
                key.day,
                key.line_item_type,
                totals.rows,
                totals.unblended,
                totals.amortized
            ));
        }
        std::fs::write(path, out).map_err(|e| Error::io(path, e))
    }

    /// Reads a ledger written by [`Ledger::write_csv`].
    pub fn read_csv(path: impl AsRef<Path>) -> Result<Ledger> {
        let path = path.as_ref();
        let file = path.display().to_string();
        let malformed = |line: u64, message: String| Error::Malformed {
            file: file.clone(),
            line,
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut lines = text.lines();
        let header = lines.next().unwrap_or_default();
        if header != HEADER.join(",") {
            return Err(malformed(
                1,
                format!("expected header `{}`", HEADER.join(",")),
            ));
        }
        let mut entries = BTreeMap::new();
        for (index, line) in lines.enumerate() {
            let line_no = index as u64 + 2;
            let fields: Vec<&str> = line.split(',').collect();
            let [
                account,
                product,
                day,
                line_item_type,
                rows,
                unblended,
                amortized,
            ] = fields[..]
            else {
                return Err(malformed(
                    line_no,
                    format!("expected 7 fields, found {}", fields.len()),
                ));
            };
            let number = |what: &str, text: &str| {
                text.parse::<f64>()
                    .map_err(|e| malformed(line_no, format!("{what} `{text}`: {e}")))
            };
            let totals = LedgerTotals {
                rows: rows
                    .parse()
                    .map_err(|e| malformed(line_no, format!("rows `{rows}`: {e}")))?,
                unblended: number("unblended_cost", unblended)?,
                amortized: number("amortized_cost", amortized)?,
            };
            let key = LedgerKey {
                usage_account_id: account.to_string(),
                product_code: product.to_string(),
                day: day.to_string(),
                line_item_type: line_item_type.to_string(),
            };
            entries.insert(key, totals);
        }
        Ok(Ledger { entries })
    }
}

/// Accumulates one billing period densely, indexed by (day, account, ledger class), then
/// folds it into a [`Ledger`]. A ledger class is a (product code, line-item type) pair.
#[derive(Debug)]
pub(crate) struct PeriodLedger {
    accounts: usize,
    classes: usize,
    days: usize,
    cells: Vec<LedgerTotals>,
}

impl PeriodLedger {
    pub fn new(days: usize, accounts: usize, classes: usize) -> Self {
        PeriodLedger {
            accounts,
            classes,
            days,
            cells: vec![LedgerTotals::default(); days * accounts * classes],
        }
    }

    /// Records one row.
    pub fn add(
        &mut self,
        day_in_period: usize,
        account: usize,
        class: usize,
        unblended: f64,
        amortized: f64,
    ) {
        let cell =
            &mut self.cells[(day_in_period * self.accounts + account) * self.classes + class];
        cell.rows += 1;
        cell.unblended += unblended;
        cell.amortized += amortized;
    }

    /// Unblended cost of one account over the period for the classes `keep` selects.
    pub fn unblended_where(&self, account: usize, mut keep: impl FnMut(usize) -> bool) -> f64 {
        let mut total = 0.0;
        for day in 0..self.days {
            for class in 0..self.classes {
                if keep(class) {
                    total += self.cells[(day * self.accounts + account) * self.classes + class]
                        .unblended;
                }
            }
        }
        total
    }

    /// Adds the period to `ledger`; `key` names the entry of (day, account, class).
    pub fn fold_into(
        &self,
        ledger: &mut Ledger,
        mut key: impl FnMut(usize, usize, usize) -> LedgerKey,
    ) {
        for day in 0..self.days {
            for account in 0..self.accounts {
                for class in 0..self.classes {
                    let cell = &self.cells[(day * self.accounts + account) * self.classes + class];
                    if cell.rows > 0 {
                        ledger
                            .entries
                            .entry(key(day, account, class))
                            .or_default()
                            .add(cell);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_round_trips_exactly() {
        let mut ledger = Ledger::default();
        ledger.entries.insert(
            LedgerKey {
                usage_account_id: "222222222222".into(),
                product_code: "AmazonEC2".into(),
                day: "2026-10-01".into(),
                line_item_type: "Usage".into(),
            },
            LedgerTotals {
                rows: 3,
                unblended: 0.1 + 0.2,
                amortized: 1.0 / 3.0,
            },
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.csv");
        ledger.write_csv(&path).unwrap();
        assert_eq!(Ledger::read_csv(&path).unwrap(), ledger);
        std::fs::write(&path, "bad header\n").unwrap();
        assert!(Ledger::read_csv(&path).is_err());
    }

    #[test]
    fn period_ledger_folds_by_key() {
        let mut period = PeriodLedger::new(2, 2, 2);
        period.add(0, 1, 1, 2.0, 1.5);
        period.add(0, 1, 1, 3.0, 1.5);
        period.add(1, 0, 0, 1.0, 1.0);
        assert_eq!(period.unblended_where(1, |_| true), 5.0);
        let mut ledger = Ledger::default();
        period.fold_into(&mut ledger, |day, account, class| LedgerKey {
            usage_account_id: account.to_string(),
            product_code: class.to_string(),
            day: day.to_string(),
            line_item_type: String::new(),
        });
        assert_eq!(ledger.entries.len(), 2);
        assert_eq!(ledger.rows(), 3);
        assert_eq!(
            ledger.total_where(|k| k.usage_account_id == "1").unblended,
            5.0
        );
    }
}
