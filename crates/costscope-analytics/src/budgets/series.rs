//! Daily cost series of many (scope, measure) pairs from one scan of `cur`: the daily
//! usage-driven cost apart from the lumpy recurring charges (tax, fees, credits, refunds and
//! any charge that covers a whole month), which are kept per month and line-item type.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Days, NaiveDate};
use costscope_core::TeamExpr;
use costscope_query::Session;
use serde::Deserialize;

use super::definition::{Measure, Scope, month_start};
use crate::records::{literal, query};
use crate::source::{Reads, Source};
use crate::{Error, Result};
use costscope_core::{Granularity, rollup};

/// Line-item types billed as monthly lumps rather than with daily usage.
pub const RECURRING_LINE_ITEM_TYPES: [&str; 6] = [
    "Tax",
    "Fee",
    "RIFee",
    "Credit",
    "Refund",
    "SavingsPlanUpfrontFee",
];

/// The charge kind of a reservation's upfront fee (a `Fee` row with a reservation ARN),
/// a one-off purchase rather than a monthly charge.
pub const RESERVATION_UPFRONT: &str = "Fee:reservation-upfront";

/// The series of one (scope, measure).
#[derive(Debug, Clone, Default)]
pub struct ScopeSeries {
    /// Usage-driven cost per day.
    pub daily: BTreeMap<NaiveDate, f64>,
    /// Recurring charges per (first day of month, line-item type).
    pub recurring: BTreeMap<(NaiveDate, String), f64>,
    /// Currencies of the scope's rows.
    pub currencies: BTreeSet<String>,
}

impl ScopeSeries {
    /// Usage-driven cost from `first` to `last`, inclusive.
    pub fn daily_between(&self, first: NaiveDate, last: NaiveDate) -> f64 {
        if first > last {
            return 0.0;
        }
        self.daily.range(first..=last).map(|(_, v)| v).sum()
    }

    /// Recurring charges billed in months from `first` to `last`, inclusive.
    pub fn recurring_between(&self, first: NaiveDate, last: NaiveDate) -> f64 {
        self.recurring
            .iter()
            .filter(|((month, _), _)| (month_start(first)..=last).contains(month))
            .map(|(_, v)| v)
            .sum()
    }

    /// True when no row matched the scope.
    pub fn is_empty(&self) -> bool {
        self.currencies.is_empty()
    }
}

#[derive(Debug, Deserialize)]
struct DayRow {
    day: String,
    currency: Option<String>,
    line_item_type: Option<String>,
    long_period: Option<bool>,
    reservation: Option<bool>,
    #[serde(flatten)]
    sums: BTreeMap<String, Option<f64>>,
}

/// Loads the series of every `(scope, measure)` in `keys` for the days `first..=last`
/// (usage start date, UTC) in one query.
pub async fn load_series(
    session: &Session,
    keys: &[(Scope, Measure)],
    team: &TeamExpr,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Vec<ScopeSeries>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let end = last
        .checked_add_days(Days::new(1))
        .ok_or_else(|| Error::InvalidArgument(format!("{last} is out of range")))?;
    let reads = keys.iter().fold(
        Reads::at(Granularity::Daily).columns([
            "line_item_currency_code",
            "line_item_line_item_type",
            "reservation_reservation_a_r_n",
        ]),
        |reads, (scope, _)| scope.reads(reads, team),
    );
    let source = Source::choose(session, &reads);
    let long_period = format!("{} > {}", source.usage_span(), rollup::DAY_MS);
    let sums: Vec<String> = keys
        .iter()
        .enumerate()
        .map(|(i, (scope, measure))| {
            format!(
                "sum(CASE WHEN {} THEN {} END) AS s{i}",
                scope.predicate(team),
                measure.column()
            )
        })
        .collect();
    let matched: Vec<String> = keys
        .iter()
        .map(|(scope, _)| format!("({})", scope.predicate(team)))
        .collect();
    // Group on cheap keys (a date, the type, two flags) and classify the few groups in
    // Rust; casting and CASE over strings per row would dominate the scan.
    let sql = format!(
        "SELECT CAST(day AS VARCHAR) AS day, currency, line_item_type, long_period, \
           reservation, {sum_columns} FROM ( \
         SELECT CAST(line_item_usage_start_date AS DATE) AS day, \
           line_item_currency_code AS currency, \
           line_item_line_item_type AS line_item_type, \
           {long_period} AS long_period, \
           reservation_reservation_a_r_n IS NOT NULL AND reservation_reservation_a_r_n <> '' \
             AS reservation, \
           {sums} \
         FROM {table} \
         WHERE billing_period >= {first_period} AND billing_period <= {last_period} \
           AND line_item_usage_start_date >= TIMESTAMP {from} \
           AND line_item_usage_start_date < TIMESTAMP {to} \
           AND ({matched}) \
         GROUP BY 1, 2, 3, 4, 5) AS days",
        sum_columns = (0..keys.len())
            .map(|i| format!("s{i}"))
            .collect::<Vec<_>>()
            .join(", "),
        sums = sums.join(", "),
        first_period = literal(&first.format("%Y-%m").to_string()),
        last_period = literal(&last.format("%Y-%m").to_string()),
        from = literal(&format!("{first} 00:00:00")),
        to = literal(&format!("{end} 00:00:00")),
        matched = matched.join(" OR "),
        table = source.table(),
    );
    let rows: Vec<DayRow> = query(session, &sql).await?;
    let mut series = vec![ScopeSeries::default(); keys.len()];
    for row in rows {
        let charge = charge_kind(&row);
        let day = NaiveDate::parse_from_str(&row.day, "%Y-%m-%d")
            .map_err(|e| Error::InvalidArgument(format!("bad usage date `{}`: {e}", row.day)))?;
        for (i, target) in series.iter_mut().enumerate() {
            let Some(Some(value)) = row.sums.get(&format!("s{i}")) else {
                continue;
            };
            target
                .currencies
                .insert(row.currency.clone().unwrap_or_default());
            match &charge {
                Some(charge) => {
                    *target
                        .recurring
                        .entry((month_start(day), charge.clone()))
                        .or_default() += value;
                }
                None => *target.daily.entry(day).or_default() += value,
            }
        }
    }
    Ok(series)
}

/// The recurring charge kind of a row group, `None` for usage-driven cost.
fn charge_kind(row: &DayRow) -> Option<String> {
    let line_item_type = row.line_item_type.as_deref().unwrap_or_default();
    if line_item_type == "Fee" && row.reservation == Some(true) {
        Some(RESERVATION_UPFRONT.to_string())
    } else if RECURRING_LINE_ITEM_TYPES.contains(&line_item_type) || row.long_period == Some(true) {
        Some(line_item_type.to_string())
    } else {
        None
    }
}

/// The last day with cost in the lake (month-long lines start on the 1st, so they do not
/// move it past the last day of usage). Parquet statistics answer it without a scan.
pub async fn last_usage_day(session: &Session) -> Result<Option<NaiveDate>> {
    #[derive(Deserialize)]
    struct Row {
        day: Option<String>,
    }
    let source = Source::choose(session, &Reads::at(Granularity::Daily));
    let rows: Vec<Row> = query(
        session,
        &format!(
            "SELECT CAST(CAST(max(line_item_usage_start_date) AS DATE) AS VARCHAR) AS day FROM {}",
            source.table()
        ),
    )
    .await?;
    Ok(rows
        .into_iter()
        .next()
        .and_then(|r| r.day)
        .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()))
}
