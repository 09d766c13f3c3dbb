//! Unit economics: cost per unit of a business metric (invocations, orders …) or of a
//! metric derived from the bill (Lambda requests, Bedrock tokens …) over time, with
//! static cost (capacity) apart from variable cost (work), ROI and margin where a revenue
//! metric exists, and each period's cost change split into a volume effect and a
//! unit-cost (efficiency) effect.
//!
//! Everything is aggregated in SQL: one scan of `cur_amortized` for cost (and bill
//! metrics) grouped by usage type before classification, one of `business_metrics` for
//! units and revenue.

mod change;
mod classification;
mod metric;
mod scope;
mod summary;

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use costscope_query::Session;
use serde::{Deserialize, Serialize};

pub use change::{FLAT_THRESHOLD, PeriodChange, Trend, decompose};
pub use classification::{ClassRule, Classification, CostClass};
pub use metric::{BILL_METRICS, BillMetric, MetricSource, bill_metric};
pub use scope::Scope;
pub use summary::Summary;

use costscope_core::sql::{date, midnight};

use crate::records::{literal, query};
use crate::source::{Reads, Source};
use crate::{Error, Result};

pub use costscope_core::{CostMeasure, Granularity};

/// The measures cost per unit divides: money, billed or at on-demand prices.
pub const MEASURES: [CostMeasure; 5] = [
    CostMeasure::Unblended,
    CostMeasure::Amortized,
    CostMeasure::NetUnblended,
    CostMeasure::NetAmortized,
    CostMeasure::Public,
];

/// What to compute.
#[derive(Debug, Clone)]
pub struct UnitCostOptions {
    /// A business metric name, or a bill metric (see [`BILL_METRICS`]).
    pub metric: String,
    /// Restrictions, all of which apply (none: the whole bill).
    pub scope: Vec<Scope>,
    pub granularity: Granularity,
    pub measure: CostMeasure,
    pub classification: Classification,
    /// The business metric that holds revenue, for ROI and margin.
    pub revenue_metric: String,
    /// First day included.
    pub start: Option<NaiveDate>,
    /// First day excluded.
    pub end: Option<NaiveDate>,
}

impl UnitCostOptions {
    /// Monthly amortized cost per unit of `metric` over the whole bill, with the built-in
    /// classification and `revenue` as the revenue metric.
    pub fn new(metric: impl Into<String>) -> Self {
        UnitCostOptions {
            metric: metric.into(),
            scope: Vec::new(),
            granularity: Granularity::Monthly,
            measure: CostMeasure::Amortized,
            classification: Classification::default(),
            revenue_metric: "revenue".into(),
            start: None,
            end: None,
        }
    }
}

/// Cost, units and their ratio in one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodUnitCost {
    /// `2026-10` (monthly), `2026-W41` (weekly) or `2026-10-05` (daily).
    pub period: String,
    /// First day of the period.
    pub start: String,
    pub cost: f64,
    pub static_cost: f64,
    pub variable_cost: f64,
    /// Units of the metric (0 when none were recorded).
    pub units: f64,
    /// `cost / units`; null without units.
    pub cost_per_unit: Option<f64>,
    /// `variable_cost / units`; null without units.
    pub variable_cost_per_unit: Option<f64>,
    /// Revenue in the period; null without a revenue metric for the scope.
    pub revenue: Option<f64>,
    /// `(revenue − cost) / cost`.
    pub roi: Option<f64>,
    /// `(revenue − cost) / revenue`.
    pub margin: Option<f64>,
}

/// The unit-cost report (its JSON form is documented in `docs/unit-cost.md`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitCostReport {
    pub metric: String,
    pub metric_source: MetricSource,
    /// What the metric counts.
    pub metric_description: String,
    /// The scope as given (`tag:app=clickstream` …); empty for the whole bill.
    pub scope: Vec<String>,
    pub granularity: Granularity,
    /// The cost measure (`amortized` by default).
    pub measure: String,
    /// The currency of every amount (null when no cost was found).
    pub currency: Option<String>,
    /// The revenue metric used for ROI and margin, when it exists for the scope.
    pub revenue_metric: Option<String>,
    pub periods: Vec<PeriodUnitCost>,
    /// One entry per consecutive pair of periods.
    pub changes: Vec<PeriodChange>,
    pub summary: Summary,
    /// Caveats (e.g. a business metric that the scope cannot narrow).
    pub notes: Vec<String>,
}

/// Computes cost per unit of `options.metric` in `session` (the principal's access
/// applies to both cost and metrics).
pub async fn unit_cost(session: &Session, options: &UnitCostOptions) -> Result<UnitCostReport> {
    options.measure.supported_by("unit cost", &MEASURES)?;
    options
        .granularity
        .supported_by("unit cost", &Granularity::CALENDAR)?;
    if let (Some(start), Some(end)) = (options.start, options.end)
        && start >= end
    {
        return Err(Error::InvalidArgument(format!(
            "the start date {start} is not before the end date {end}"
        )));
    }
    let business_names = business_metric_names(session).await?;
    let (source, description, bill) = if business_names.contains(&options.metric) {
        let description = format!("business metric `{}`", options.metric);
        (MetricSource::Business, description, None)
    } else if let Some(bill) = bill_metric(&options.metric) {
        let description = format!("{} [{}]", bill.description, bill.unit);
        (MetricSource::Bill, description, Some(bill))
    } else {
        return Err(unknown_metric(&options.metric, &business_names));
    };

    let mut notes = Vec::new();
    let costs = cost_by_period(session, options, bill).await?;
    let currency = single_currency(&costs)?;
    // Revenue only where it can be narrowed to the scope: ROI of one account's cost
    // against the whole organisation's revenue would mislead.
    let narrowable = options.scope.iter().all(|s| s.metric_predicate().is_some());
    let revenue_exists = business_names.contains(&options.revenue_metric) && narrowable;
    if business_names.contains(&options.revenue_metric) && !narrowable {
        notes.push(format!(
            "no ROI or margin: `{}` cannot be narrowed to this scope",
            options.revenue_metric
        ));
    }
    let mut wanted = Vec::new();
    if source == MetricSource::Business {
        wanted.push(options.metric.as_str());
    }
    if revenue_exists {
        wanted.push(options.revenue_metric.as_str());
    }
    let business = business_by_period(session, options, &wanted, &mut notes).await?;

    let metric_units = |start: &str| -> f64 {
        business
            .get(&(start.to_string(), options.metric.clone()))
            .copied()
            .unwrap_or(0.0)
    };
    let revenue_found = business.keys().any(|(_, m)| *m == options.revenue_metric);
    let mut periods = Vec::new();
    for row in &costs {
        let start = NaiveDate::parse_from_str(&row.period_start, "%Y-%m-%d").map_err(|e| {
            Error::Decode(serde::de::Error::custom(format!(
                "period start `{}`: {e}",
                row.period_start
            )))
        })?;
        let units = match source {
            MetricSource::Bill => row.units.unwrap_or(0.0),
            MetricSource::Business => metric_units(&row.period_start),
        };
        let cost = row.cost.unwrap_or(0.0);
        let revenue = revenue_found.then(|| {
            business
                .get(&(row.period_start.clone(), options.revenue_metric.clone()))
                .copied()
                .unwrap_or(0.0)
        });
        let per_unit = |amount: f64| (units > 0.0).then(|| amount / units);
        let variable_cost = row.variable_cost.unwrap_or(0.0);
        periods.push(PeriodUnitCost {
            period: options.granularity.label(start),
            start: row.period_start.clone(),
            cost,
            static_cost: row.static_cost.unwrap_or(0.0),
            variable_cost,
            units,
            cost_per_unit: per_unit(cost),
            variable_cost_per_unit: per_unit(variable_cost),
            revenue,
            roi: revenue.and_then(|r| (cost != 0.0).then(|| (r - cost) / cost)),
            margin: revenue.and_then(|r| (r != 0.0).then(|| (r - cost) / r)),
        });
    }
    if source == MetricSource::Business {
        let billed: Vec<&str> = costs.iter().map(|r| r.period_start.as_str()).collect();
        let unbilled = business
            .keys()
            .filter(|(start, metric)| {
                *metric == options.metric && !billed.contains(&start.as_str())
            })
            .count();
        if unbilled > 0 {
            notes.push(format!(
                "{unbilled} period(s) with `{}` but no cost in scope are left out",
                options.metric
            ));
        }
    }

    let changes: Vec<PeriodChange> = periods
        .windows(2)
        .map(|pair| {
            change::period_change(
                (&pair[0].period, pair[0].cost, pair[0].units),
                (&pair[1].period, pair[1].cost, pair[1].units),
            )
        })
        .collect();
    let currency_code = currency.clone().unwrap_or_default();
    let summary = summary::summarise(&options.metric, &periods, &changes, &currency_code);

    Ok(UnitCostReport {
        metric: options.metric.clone(),
        metric_source: source,
        metric_description: description,
        scope: options.scope.iter().map(Scope::to_string).collect(),
        granularity: options.granularity,
        measure: options.measure.to_string(),
        currency,
        revenue_metric: revenue_found.then(|| options.revenue_metric.clone()),
        periods,
        changes,
        summary,
        notes,
    })
}

/// A `YYYY-MM-DD` day given by a user.
pub fn parse_day(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| Error::InvalidArgument(format!("`{text}` is not a YYYY-MM-DD date")))
}

/// The names of the metrics in `business_metrics`, sorted.
pub async fn business_metric_names(session: &Session) -> Result<Vec<String>> {
    #[derive(Deserialize)]
    struct Row {
        metric: Option<String>,
    }
    let rows: Vec<Row> = query(
        session,
        "SELECT DISTINCT metric FROM business_metrics ORDER BY metric",
    )
    .await?;
    Ok(rows.into_iter().filter_map(|r| r.metric).collect())
}

fn unknown_metric(name: &str, business: &[String]) -> Error {
    let business = if business.is_empty() {
        "none ingested (costscope ingest metrics FILE)".to_string()
    } else {
        business.join(", ")
    };
    let bill: Vec<&str> = BILL_METRICS.iter().map(|m| m.name).collect();
    Error::InvalidArgument(format!(
        "unknown metric `{name}`; business metrics: {business}; from the bill: {}",
        bill.join(", ")
    ))
}

#[derive(Debug, Deserialize)]
struct CostRow {
    period_start: String,
    currency: Option<String>,
    cost: Option<f64>,
    static_cost: Option<f64>,
    variable_cost: Option<f64>,
    #[serde(default)]
    units: Option<f64>,
}

/// Cost by period (and currency), split by class, with a bill metric's units.
async fn cost_by_period(
    session: &Session,
    options: &UnitCostOptions,
    bill: Option<&BillMetric>,
) -> Result<Vec<CostRow>> {
    let measure = options.measure.column();
    let is_static = options.classification.static_predicate();
    let mut filters: Vec<String> = options.scope.iter().map(Scope::cur_predicate).collect();
    if let Some(start) = options.start {
        filters.push(format!("line_item_usage_start_date >= {}", midnight(start)));
    }
    if let Some(end) = options.end {
        filters.push(format!("line_item_usage_start_date < {}", midnight(end)));
    }
    let units = bill
        .map(|b| format!(", sum({}) AS units", b.units_sql()))
        .unwrap_or_default();
    // Days are enough unless the range cuts a month (then days are needed to cut it).
    let whole_months = [options.start, options.end]
        .iter()
        .flatten()
        .all(|day| day.day() == 1);
    let granularity = match options.granularity {
        Granularity::Monthly if !whole_months => Granularity::Daily,
        other => other,
    };
    let reads = options.scope.iter().fold(
        Reads::at(granularity).columns([
            "line_item_currency_code",
            "line_item_product_code",
            "line_item_usage_type",
            "line_item_line_item_type",
            "pricing_unit",
        ]),
        |reads, scope| scope.reads(reads),
    );
    let source = Source::choose(session, &reads);
    // Aggregate rows to one per usage type first, then classify the few groups: the
    // rules' patterns run once per group, not once per CUR row.
    let sql = format!(
        "WITH grouped AS ( \
           SELECT CAST(date_trunc('{unit}', line_item_usage_start_date) AS DATE) AS period_start, \
             line_item_currency_code AS currency, line_item_product_code, line_item_usage_type, \
             line_item_line_item_type, pricing_unit, \
             sum({measure}) AS cost, sum(line_item_usage_amount) AS line_item_usage_amount \
           FROM {table} WHERE {where_clause} GROUP BY 1, 2, 3, 4, 5, 6) \
         SELECT period_start, currency, sum(cost) AS cost, \
           sum(CASE WHEN {is_static} THEN cost ELSE 0 END) AS static_cost, \
           sum(CASE WHEN {is_static} THEN 0 ELSE cost END) AS variable_cost{units} \
         FROM grouped GROUP BY 1, 2 ORDER BY 1, 2",
        unit = options.granularity.trunc_unit(),
        where_clause = where_clause(&filters),
        table = source.table(),
    );
    query(session, &sql).await
}

fn single_currency(rows: &[CostRow]) -> Result<Option<String>> {
    let mut currencies: Vec<&str> = rows
        .iter()
        .map(|r| r.currency.as_deref().unwrap_or("(none)"))
        .collect();
    currencies.sort_unstable();
    currencies.dedup();
    match currencies.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one.to_string())),
        many => Err(Error::InvalidArgument(format!(
            "the scope mixes currencies ({}); narrow it (e.g. account=ID) so one currency remains",
            many.join(", ")
        ))),
    }
}

/// Sums of `metrics` by (period start, metric), narrowed by the scopes that name an app
/// or a team; a note for every scope that cannot narrow business metrics.
async fn business_by_period(
    session: &Session,
    options: &UnitCostOptions,
    metrics: &[&str],
    notes: &mut Vec<String>,
) -> Result<BTreeMap<(String, String), f64>> {
    if metrics.is_empty() {
        return Ok(BTreeMap::new());
    }
    let names: Vec<String> = metrics.iter().map(|m| literal(m)).collect();
    let mut filters = vec![format!("metric IN ({})", names.join(", "))];
    for scope in &options.scope {
        match scope.metric_predicate() {
            Some(predicate) => filters.push(predicate),
            None => notes.push(format!(
                "business metrics have no dimension for `{scope}`: `{}` is the whole organisation's",
                metrics.join("` and `")
            )),
        }
    }
    if let Some(start) = options.start {
        filters.push(format!("date >= {}", date(start)));
    }
    if let Some(end) = options.end {
        filters.push(format!("date < {}", date(end)));
    }
    #[derive(Deserialize)]
    struct Row {
        period_start: String,
        metric: String,
        value: Option<f64>,
    }
    let sql = format!(
        "SELECT CAST(date_trunc('{unit}', CAST(date AS TIMESTAMP)) AS DATE) AS period_start, \
           metric, sum(value) AS value \
         FROM business_metrics WHERE {where_clause} GROUP BY 1, 2",
        unit = options.granularity.trunc_unit(),
        where_clause = where_clause(&filters),
    );
    let rows: Vec<Row> = query(session, &sql).await?;
    Ok(rows
        .into_iter()
        .map(|r| ((r.period_start, r.metric), r.value.unwrap_or(0.0)))
        .collect())
}

fn where_clause(filters: &[String]) -> String {
    if filters.is_empty() {
        "TRUE".into()
    } else {
        filters
            .iter()
            .map(|f| format!("({f})"))
            .collect::<Vec<_>>()
            .join(" AND ")
    }
}
