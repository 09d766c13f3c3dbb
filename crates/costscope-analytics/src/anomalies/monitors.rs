//! Monitors: which dimension a family of daily series is cut by, with its thresholds; the
//! monitors file; and the daily series themselves, one aggregate query per monitor.
//!
//! Recurring charges never enter the daily series: line-item types `Tax`, `Fee`, `RIFee`,
//! `SavingsPlanRecurringFee`, `SavingsPlanUpfrontFee`, `Credit`, `Refund`, and any line
//! whose usage spans four weeks or more (monthly fees arrive stamped with the first of the
//! month and cover the whole month). They are summed per month apart.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::records::{literal, query};
use crate::rules_file::{self, Spanned, invalid};
use crate::source::{Reads, Source};
use costscope_core::CostMeasure;
use costscope_core::{Granularity, rollup};

/// Line-item types that are charged periodically, not from daily usage.
pub const RECURRING_LINE_ITEM_TYPES: [&str; 7] = [
    "Tax",
    "Fee",
    "RIFee",
    "SavingsPlanRecurringFee",
    "SavingsPlanUpfrontFee",
    "Credit",
    "Refund",
];

/// SQL predicate over `cur_amortized` true for recurring charges.
pub fn recurring_sql(source: Source) -> String {
    let types: Vec<String> = RECURRING_LINE_ITEM_TYPES
        .iter()
        .map(|t| literal(t))
        .collect();
    format!(
        "(line_item_line_item_type IN ({}) OR {} >= {})",
        types.join(", "),
        source.usage_span(),
        28 * rollup::DAY_MS
    )
}

/// The dimension a monitor cuts cost by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "key")]
pub enum MonitorKind {
    /// `line_item_product_code`.
    Service,
    /// `line_item_usage_account_id`.
    Account,
    /// A resource tag (`user_team` …).
    Tag(String),
    /// A cost category (`business_unit` …).
    CostCategory(String),
    /// `line_item_usage_type`.
    UsageType,
}

impl MonitorKind {
    /// The dimension as SQL over `cur_amortized` (never NULL).
    pub fn sql(&self) -> String {
        match self {
            MonitorKind::Service => "line_item_product_code".into(),
            MonitorKind::Account => "line_item_usage_account_id".into(),
            MonitorKind::UsageType => "COALESCE(line_item_usage_type, '')".into(),
            MonitorKind::Tag(key) => format!(
                "COALESCE(NULLIF(resource_tags[{}], ''), {})",
                literal(key),
                literal(&self.missing_value())
            ),
            MonitorKind::CostCategory(key) => format!(
                "COALESCE(NULLIF(cost_category[{}], ''), {})",
                literal(key),
                literal(&self.missing_value())
            ),
        }
    }

    /// `reads` with what [`MonitorKind::sql`] reads.
    pub fn reads(&self, reads: Reads) -> Reads {
        match self {
            MonitorKind::Service => reads.columns(["line_item_product_code"]),
            MonitorKind::Account => reads.columns(["line_item_usage_account_id"]),
            MonitorKind::UsageType => reads.columns(["line_item_usage_type"]),
            MonitorKind::Tag(key) => reads.tag(key),
            MonitorKind::CostCategory(_) => reads.columns(["cost_category"]),
        }
    }

    /// The value that names cost without the tag or cost category: `(no team)` for the team
    /// tag, as elsewhere, `(no KEY)` otherwise.
    pub fn missing_value(&self) -> String {
        match self {
            MonitorKind::Tag(key) if key == "user_team" => "(no team)".into(),
            MonitorKind::Tag(key) | MonitorKind::CostCategory(key) => format!("(no {key})"),
            _ => String::new(),
        }
    }

    /// `service`, `account`, `tag`, `cost_category` or `usage_type`.
    pub fn name(&self) -> &'static str {
        match self {
            MonitorKind::Service => "service",
            MonitorKind::Account => "account",
            MonitorKind::Tag(_) => "tag",
            MonitorKind::CostCategory(_) => "cost_category",
            MonitorKind::UsageType => "usage_type",
        }
    }
}

/// A monitor with its thresholds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Monitor {
    /// Unique name, e.g. `services`.
    pub name: String,
    #[serde(flatten)]
    pub kind: MonitorKind,
    /// Least impact in USD over an anomaly's days.
    pub min_impact: f64,
    /// Least impact as a percentage of the expected cost.
    pub min_percent: f64,
    /// Residual in scales that opens an anomaly (lower is more sensitive).
    pub sensitivity: f64,
}

impl Monitor {
    pub fn new(name: &str, kind: MonitorKind) -> Self {
        Monitor {
            name: name.to_string(),
            kind,
            min_impact: DEFAULT_MIN_IMPACT,
            min_percent: DEFAULT_MIN_PERCENT,
            sensitivity: super::detector::DetectorConfig::default().z_open,
        }
    }

    /// The monitors used without a file: service, account, team tag, usage type and the
    /// `business_unit` cost category.
    pub fn defaults() -> Vec<Monitor> {
        vec![
            Monitor::new("services", MonitorKind::Service),
            Monitor::new("accounts", MonitorKind::Account),
            Monitor::new("teams", MonitorKind::Tag("user_team".into())),
            Monitor::new("usage-types", MonitorKind::UsageType),
            Monitor::new(
                "business-units",
                MonitorKind::CostCategory("business_unit".into()),
            ),
        ]
    }

    /// The label-matching kind: a `user_team` tag monitor counts as `team`.
    pub fn label_kind(&self) -> String {
        match &self.kind {
            MonitorKind::Tag(key) if key == "user_team" => "team".into(),
            other => other.name().into(),
        }
    }
}

/// Default least impact, USD.
pub const DEFAULT_MIN_IMPACT: f64 = 50.0;
/// Default least impact, percent.
pub const DEFAULT_MIN_PERCENT: f64 = 20.0;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MonitorsFile {
    monitors: Vec<MonitorEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MonitorEntry {
    name: Spanned<String>,
    kind: Spanned<String>,
    key: Option<Spanned<String>>,
    min_impact: Option<Spanned<f64>>,
    min_percent: Option<Spanned<f64>>,
    sensitivity: Option<Spanned<f64>>,
}

/// Reads a monitors file (see docs/anomalies.md).
pub fn load_monitors(path: &Path) -> Result<Vec<Monitor>> {
    let text = std::fs::read_to_string(path).map_err(|source| crate::Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    parse_monitors(&text, &path.display().to_string())
}

/// Parses monitors from YAML text (`origin` names it in errors).
pub fn parse_monitors(text: &str, origin: &str) -> Result<Vec<Monitor>> {
    let file: MonitorsFile = rules_file::parse(text, origin)?;
    let mut monitors: Vec<Monitor> = Vec::new();
    for entry in file.monitors {
        if entry.name.trim().is_empty() {
            return Err(invalid(origin, &entry.name, "a monitor needs a name"));
        }
        if monitors.iter().any(|m| m.name == *entry.name) {
            return Err(invalid(
                origin,
                &entry.name,
                format!("monitor `{}` is defined twice", *entry.name),
            ));
        }
        let key = |what: &str| -> Result<String> {
            match &entry.key {
                Some(key) if !key.trim().is_empty() => Ok(key.to_string()),
                _ => Err(invalid(
                    origin,
                    &entry.kind,
                    format!("a `{what}` monitor needs a `key`"),
                )),
            }
        };
        let kind = match entry.kind.as_str() {
            "service" => MonitorKind::Service,
            "account" => MonitorKind::Account,
            "usage_type" => MonitorKind::UsageType,
            "tag" => MonitorKind::Tag(key("tag")?),
            "cost_category" => MonitorKind::CostCategory(key("cost_category")?),
            other => {
                return Err(invalid(
                    origin,
                    &entry.kind,
                    format!(
                        "unknown monitor kind `{other}`: use service, account, tag, cost_category or usage_type"
                    ),
                ));
            }
        };
        let mut monitor = Monitor::new(&entry.name, kind);
        for (value, target, what) in [
            (&entry.min_impact, &mut monitor.min_impact, "min_impact"),
            (&entry.min_percent, &mut monitor.min_percent, "min_percent"),
        ] {
            if let Some(value) = value {
                if !(value.is_finite() && **value >= 0.0) {
                    return Err(invalid(origin, value, format!("{what} must be 0 or more")));
                }
                *target = **value;
            }
        }
        if let Some(value) = &entry.sensitivity {
            if !(value.is_finite() && **value > 0.0) {
                return Err(invalid(origin, value, "sensitivity must be above 0"));
            }
            monitor.sensitivity = **value;
        }
        monitors.push(monitor);
    }
    Ok(monitors)
}

/// The daily series of one monitor, dense from `first` to the as-of day.
#[derive(Debug, Clone)]
pub struct SeriesSet {
    pub first: NaiveDate,
    /// Dimension value → one cost per day.
    pub series: BTreeMap<String, Vec<f64>>,
}

#[derive(Deserialize)]
struct DailyRow {
    day: String,
    value: String,
    cost: Option<f64>,
}

/// Parses the date part of an ISO date or timestamp.
pub(crate) fn iso_day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()
}

/// Non-recurring cost per `unit` (`day`, `hour`) and value of `kind` over the days
/// `[first, last]`.
fn series_sql(
    unit: &str,
    kind: &MonitorKind,
    measure: CostMeasure,
    first: NaiveDate,
    last: NaiveDate,
    source: Source,
) -> String {
    let end = last.succ_opt().unwrap_or(last);
    format!(
        "SELECT date_trunc('{unit}', line_item_usage_start_date) AS day, {dim} AS value, \
         SUM({cost}) AS cost FROM {table} \
         WHERE line_item_usage_start_date >= TIMESTAMP {from} \
           AND line_item_usage_start_date < TIMESTAMP {to} AND NOT {recurring} \
         GROUP BY 1, 2",
        dim = kind.sql(),
        cost = measure.column(),
        from = literal(&format!("{first} 00:00:00")),
        to = literal(&format!("{end} 00:00:00")),
        recurring = recurring_sql(source),
        table = source.table(),
    )
}

/// What the series and the recurring charges read: the monitor's dimension and the
/// line-item type, by day.
fn series_reads(kind: &MonitorKind) -> Reads {
    kind.reads(Reads::at(Granularity::Daily).columns(["line_item_line_item_type"]))
}

/// Daily non-recurring cost per value of `kind` over `[first, last]`: one query.
pub async fn daily_series(
    session: &costscope_query::Session,
    kind: &MonitorKind,
    measure: CostMeasure,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<SeriesSet> {
    let source = Source::choose(session, &series_reads(kind));
    let sql = series_sql("day", kind, measure, first, last, source);
    let rows: Vec<DailyRow> = query(session, &sql).await?;
    let days = (last - first).num_days().max(0) as usize + 1;
    let mut series: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for row in rows {
        let Some(day) = iso_day(&row.day) else {
            continue;
        };
        let index = (day - first).num_days();
        if index < 0 || index as usize >= days {
            continue;
        }
        let values = series.entry(row.value).or_insert_with(|| vec![0.0; days]);
        values[index as usize] += row.cost.unwrap_or(0.0);
    }
    Ok(SeriesSet { first, series })
}

/// Hourly non-recurring cost per value of `kind` over the days `[first, last]`: one query.
/// Index 0 is `first` 00:00.
pub async fn hourly_series(
    session: &costscope_query::Session,
    kind: &MonitorKind,
    measure: CostMeasure,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<BTreeMap<String, Vec<f64>>> {
    let sql = series_sql("hour", kind, measure, first, last, Source::lines());
    let rows: Vec<DailyRow> = query(session, &sql).await?;
    let hours = ((last - first).num_days().max(0) as usize + 1) * 24;
    let origin = first.and_hms_opt(0, 0, 0).unwrap_or_default();
    let mut series: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for row in rows {
        let Some(at) = row
            .day
            .get(..19)
            .and_then(|t| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S").ok())
        else {
            continue;
        };
        let index = (at - origin).num_hours();
        if index < 0 || index as usize >= hours {
            continue;
        }
        let values = series.entry(row.value).or_insert_with(|| vec![0.0; hours]);
        values[index as usize] += row.cost.unwrap_or(0.0);
    }
    Ok(series)
}

/// A recurring charge summed per month, compared with the months before.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecurringCharge {
    /// `YYYY-MM`.
    pub month: String,
    pub line_item_type: String,
    pub product_code: String,
    pub amount: f64,
    /// Median of the earlier months (None for the first month seen).
    pub usual: Option<f64>,
    /// Above the usual amount by at least the thresholds.
    pub flagged: bool,
}

#[derive(Deserialize)]
struct MonthlyRow {
    month: String,
    line_item_type: String,
    product_code: String,
    amount: Option<f64>,
}

/// Recurring charges per month, line-item type and product up to `last`.
pub async fn recurring_charges(
    session: &costscope_query::Session,
    measure: CostMeasure,
    last: NaiveDate,
    min_impact: f64,
    min_percent: f64,
) -> Result<Vec<RecurringCharge>> {
    let end = last.succ_opt().unwrap_or(last);
    let source = Source::choose(session, &series_reads(&MonitorKind::Service));
    let sql = format!(
        "SELECT date_format(line_item_usage_start_date, '%Y-%m') AS month, \
         line_item_line_item_type AS line_item_type, line_item_product_code AS product_code, \
         SUM({cost}) AS amount FROM {table} \
         WHERE line_item_usage_start_date < TIMESTAMP {to} AND {recurring} \
         GROUP BY 1, 2, 3 ORDER BY 2, 3, 1",
        cost = measure.column(),
        to = literal(&format!("{end} 00:00:00")),
        recurring = recurring_sql(source),
        table = source.table(),
    );
    let rows: Vec<MonthlyRow> = query(session, &sql).await?;
    let mut charges: Vec<RecurringCharge> = Vec::with_capacity(rows.len());
    let mut history: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
    for row in rows {
        let amount = row.amount.unwrap_or(0.0);
        let earlier = history
            .entry((row.line_item_type.clone(), row.product_code.clone()))
            .or_default();
        let usual = (!earlier.is_empty()).then(|| {
            let mut sorted = earlier.clone();
            sorted.sort_by(f64::total_cmp);
            sorted[sorted.len() / 2]
        });
        let flagged = usual.is_some_and(|u| {
            let delta = amount - u;
            delta >= min_impact && (u.abs() < 1e-9 || 100.0 * delta / u.abs() >= min_percent)
        });
        earlier.push(amount);
        charges.push(RecurringCharge {
            month: row.month,
            line_item_type: row.line_item_type,
            product_code: row.product_code,
            amount,
            usual,
            flagged,
        });
    }
    Ok(charges)
}
