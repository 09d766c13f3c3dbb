//! The explorer's SQL: one aggregate over `cur_amortized` per report, with the top-N cut
//! and the `Others` sums done by the engine over the already-aggregated groups.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use costscope_query::Session;
use serde::Deserialize;

use super::report::{self, Comparison, ComparisonRow, ComparisonTotal, CostRow, OTHERS_LABEL};
use super::{DimensionColumn, ExplorerOptions, Granularity, Measure, USAGE_LINE_ITEM_TYPES};
use costscope_core::sql::{in_list, literal, midnight};

use crate::records;
use crate::source::Source;
use crate::{Error, Result};

/// The usage start of a row: what ranges and periods are cut on.
const USAGE_START: &str = "line_item_usage_start_date";

/// A report's query, built once from validated options.
pub(super) struct Spec {
    columns: Vec<DimensionColumn>,
    measure: Measure,
    granularity: Granularity,
    /// Filters (and, for usage, the usage line-item types), without the date range.
    predicates: Vec<String>,
    from: NaiveDate,
    to: NaiveDate,
    top: Option<usize>,
    /// `cur_amortized`, or a rollup that answers.
    source: Source,
}

/// A result row before its group columns (`g0`, `g1` …) are put in order.
#[derive(Deserialize)]
struct RawRow {
    period: Option<String>,
    unit: String,
    amount: Option<f64>,
    current: Option<f64>,
    previous: Option<f64>,
    #[serde(flatten)]
    groups: BTreeMap<String, serde_json::Value>,
}

impl Spec {
    pub fn new(options: &ExplorerOptions, from: NaiveDate, to: NaiveDate, source: Source) -> Spec {
        let team = &options.team;
        let columns = options
            .group_by
            .iter()
            .flat_map(|d| d.columns(team))
            .collect();
        let mut predicates: Vec<String> = options.filters.iter().map(|f| f.sql(team)).collect();
        if options.measure == Measure::Usage {
            predicates.push(in_list("line_item_line_item_type", USAGE_LINE_ITEM_TYPES));
        }
        Spec {
            columns,
            measure: options.measure,
            granularity: options.granularity,
            predicates,
            from,
            to,
            // The top N of nothing is everything.
            top: options.top.filter(|_| !options.group_by.is_empty()),
            source,
        }
    }

    pub fn dimension_columns(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name.clone()).collect()
    }

    fn group_names(&self) -> Vec<String> {
        (0..self.columns.len()).map(|i| format!("g{i}")).collect()
    }

    /// `SELECT` items of the group columns and the unit.
    fn group_items(&self) -> Vec<String> {
        let mut items: Vec<String> = self
            .columns
            .iter()
            .zip(self.group_names())
            .map(|(c, name)| format!("{} AS {name}", c.sql))
            .collect();
        items.push(format!(
            "coalesce(nullif({}, ''), {}) AS unit",
            self.measure.unit_column(),
            literal(super::NONE_LABEL)
        ));
        items
    }

    fn where_clause(&self, from: NaiveDate) -> String {
        let mut predicates = vec![
            format!("{USAGE_START} >= {}", midnight(from)),
            format!("{USAGE_START} < {}", midnight(self.to)),
        ];
        predicates.extend(self.predicates.iter().cloned());
        predicates.join(" AND ")
    }

    fn period_sql(&self) -> String {
        let truncated = format!(
            "date_trunc('{}', {USAGE_START})",
            self.granularity.trunc_unit()
        );
        match self.granularity {
            Granularity::Hourly => truncated,
            _ => format!("CAST({truncated} AS DATE)"),
        }
    }

    /// The SQL of the report's rows.
    pub fn rows_sql(&self) -> String {
        let mut items = vec![format!("{} AS period", self.period_sql())];
        items.extend(self.group_items());
        let groups = (1..=items.len())
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        items.push(format!(
            "coalesce(sum({}), 0.0) AS amount",
            self.measure.column()
        ));
        let base = format!(
            "SELECT {} FROM {} WHERE {} GROUP BY {groups}",
            items.join(", "),
            self.source.table(),
            self.where_clause(self.from)
        );
        let names = self.group_names();
        let order = order_list(
            &["period".into(), "others".into(), "amount DESC".into()],
            &names,
        );
        match self.top {
            None => format!(
                "WITH base AS ({base}) SELECT period, {}unit, amount, false AS others FROM base ORDER BY {order}",
                prefixed("", &names, ", ")
            ),
            Some(n) => format!(
                "WITH base AS ({base}), {ranked} \
                 SELECT b.period AS period, {cut}b.unit AS unit, sum(b.amount) AS amount, b.group_rank > {n} AS others \
                 FROM ranked b \
                 GROUP BY {group} ORDER BY {order}",
                ranked = ranked_sql(&names, "amount"),
                cut = top_cut(&names, n),
                group = group_positions(names.len() + 2, &[names.len() + 4]),
            ),
        }
    }

    /// Runs the rows query.
    pub async fn rows(&self, session: &Session) -> Result<Vec<CostRow>> {
        let sql = self.rows_sql();
        tracing::debug!(%sql, "cost explorer rows");
        let raw: Vec<RawRow> = records::query(session, &sql).await?;
        raw.into_iter()
            .map(|row| {
                Ok(CostRow {
                    period: row.period.clone().unwrap_or_default(),
                    dimensions: self.dimensions_of(&row)?,
                    amount: row.amount.unwrap_or(0.0),
                    unit: row.unit,
                })
            })
            .collect()
    }

    /// The SQL comparing `[from, to)` with `[previous_from, from)` per group.
    pub fn comparison_sql(&self, previous_from: NaiveDate) -> String {
        let from = midnight(self.from);
        let measure = self.measure.column();
        let mut items = self.group_items();
        let groups = (1..=items.len())
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        items.push(format!(
            "coalesce(sum(CASE WHEN {USAGE_START} >= {from} THEN {measure} END), 0.0) AS current"
        ));
        items.push(format!(
            "coalesce(sum(CASE WHEN {USAGE_START} < {from} THEN {measure} END), 0.0) AS previous"
        ));
        let base = format!(
            "SELECT {} FROM {} WHERE {} GROUP BY {groups}",
            items.join(", "),
            self.source.table(),
            self.where_clause(previous_from)
        );
        let names = self.group_names();
        let order = order_list(&["others".into(), "current DESC".into()], &names);
        match self.top {
            None => format!(
                "WITH base AS ({base}) SELECT {}unit, current, previous, false AS others FROM base ORDER BY {order}",
                prefixed("", &names, ", ")
            ),
            Some(n) => format!(
                "WITH base AS ({base}), {ranked} \
                 SELECT {cut}b.unit AS unit, sum(b.current) AS current, sum(b.previous) AS previous, b.group_rank > {n} AS others \
                 FROM ranked b \
                 GROUP BY {group} ORDER BY {order}",
                ranked = ranked_sql(&names, "current"),
                cut = top_cut(&names, n),
                group = group_positions(names.len() + 1, &[names.len() + 4]),
            ),
        }
    }

    /// Runs the comparison query.
    pub async fn comparison(
        &self,
        session: &Session,
        previous_from: NaiveDate,
    ) -> Result<Comparison> {
        let sql = self.comparison_sql(previous_from);
        tracing::debug!(%sql, "cost explorer comparison");
        let raw: Vec<RawRow> = records::query(session, &sql).await?;
        let mut rows = Vec::with_capacity(raw.len());
        let mut totals: Vec<ComparisonTotal> = Vec::new();
        for row in raw {
            let current = row.current.unwrap_or(0.0);
            let previous = row.previous.unwrap_or(0.0);
            let (change, change_pct) = report::change(current, previous);
            match totals.iter_mut().find(|t| t.unit == row.unit) {
                Some(total) => {
                    total.current += current;
                    total.previous += previous;
                }
                None => totals.push(ComparisonTotal {
                    unit: row.unit.clone(),
                    current,
                    previous,
                    change: 0.0,
                    change_pct: None,
                }),
            }
            rows.push(ComparisonRow {
                dimensions: self.dimensions_of(&row)?,
                unit: row.unit,
                current,
                previous,
                change,
                change_pct,
            });
        }
        for total in &mut totals {
            (total.change, total.change_pct) = report::change(total.current, total.previous);
        }
        Ok(Comparison {
            from: previous_from,
            to: self.from,
            rows,
            totals,
        })
    }

    fn dimensions_of(&self, row: &RawRow) -> Result<Vec<String>> {
        self.group_names()
            .iter()
            .map(|name| match row.groups.get(name) {
                Some(serde_json::Value::String(value)) => Ok(value.clone()),
                other => Err(Error::InvalidArgument(format!(
                    "group column {name} is {other:?}, not text: check the team expression"
                ))),
            })
            .collect()
    }
}

/// `ranked`: the rows of `base` with their group's rank within its unit by the group's
/// total of `value` over the whole range (largest first, ties by value). Window functions
/// rather than a join back to `base`, which the engine would compute twice.
fn ranked_sql(names: &[String], value: &str) -> String {
    let list = names.join(", ");
    format!(
        "totalled AS (SELECT *, sum({value}) OVER (PARTITION BY {list}, unit) AS group_total FROM base), \
         ranked AS (SELECT *, dense_rank() OVER (PARTITION BY unit ORDER BY group_total DESC, {list}) AS group_rank FROM totalled)"
    )
}

/// The group columns, kept for the top `n` and `Others` beyond.
fn top_cut(names: &[String], n: usize) -> String {
    names
        .iter()
        .map(|g| {
            format!(
                "CASE WHEN b.group_rank <= {n} THEN b.{g} ELSE {} END AS {g}, ",
                literal(OTHERS_LABEL)
            )
        })
        .collect()
}

/// `1, 2, …, count` and the extra positions.
fn group_positions(count: usize, extra: &[usize]) -> String {
    (1..=count)
        .chain(extra.iter().copied())
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn order_list(first: &[String], names: &[String]) -> String {
    first
        .iter()
        .cloned()
        .chain(names.iter().cloned())
        .chain(std::iter::once("unit".to_string()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `before` + names joined by `, ` + `after`, or nothing when there are no names.
fn prefixed(before: &str, names: &[String], after: &str) -> String {
    if names.is_empty() {
        String::new()
    } else {
        format!("{before}{}{after}", names.join(", "))
    }
}
