//! Tag compliance tables: coverage pivoted to one column per key, untagged resources and
//! inconsistent values flattened, money to the cent.

use costscope_analytics::tags::{ALL_REQUIRED, CoverageRow, Scope, TagReport, UntaggableCost};
use serde::Serialize;

use super::{Grid, cents};

/// The columns of the coverage and totals rows (an empty CSV still gets its header).
pub const COVERAGE_COLUMNS: &[&str] = &[
    "period",
    "scope",
    "scope_id",
    "scope_name",
    "key",
    "cost_tagged",
    "cost_total",
    "cost_pct",
    "resources_tagged",
    "resources_total",
    "resources_pct",
];
/// The columns of the untaggable rows.
pub const UNTAGGABLE_COLUMNS: &[&str] = &["line_item_type", "cost"];
/// The columns of [`UntaggedRow`].
pub const UNTAGGED_COLUMNS: &[&str] = &[
    "resource_id",
    "account_id",
    "account_name",
    "service",
    "usage_type",
    "cost",
    "missing_keys",
];
/// The columns of [`ValueRow`].
pub const VALUE_COLUMNS: &[&str] = &[
    "key",
    "normalized",
    "suggested",
    "value",
    "cost",
    "resources",
];

/// One untagged resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UntaggedRow<'a> {
    pub resource_id: &'a str,
    pub account_id: &'a str,
    pub account_name: Option<&'a str>,
    pub service: Option<&'a str>,
    pub usage_type: Option<&'a str>,
    pub cost: f64,
    /// Missing keys joined by `;`.
    pub missing_keys: String,
}

/// The resources with the most untagged cost.
pub fn untagged_rows(report: &TagReport) -> Vec<UntaggedRow<'_>> {
    report
        .top_untagged
        .iter()
        .map(|r| UntaggedRow {
            resource_id: &r.resource_id,
            account_id: &r.account_id,
            account_name: r.account_name.as_deref(),
            service: r.service.as_deref(),
            usage_type: r.usage_type.as_deref(),
            cost: r.cost,
            missing_keys: r.missing_keys.join(";"),
        })
        .collect()
}

/// One variant of an inconsistent tag value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueRow<'a> {
    pub key: &'a str,
    pub normalized: &'a str,
    pub suggested: &'a str,
    pub value: &'a str,
    pub cost: f64,
    pub resources: i64,
}

/// Every variant of every inconsistent value.
pub fn value_rows(report: &TagReport) -> Vec<ValueRow<'_>> {
    report
        .inconsistent_values
        .iter()
        .flat_map(|group| {
            group.variants.iter().map(move |v| ValueRow {
                key: &group.key,
                normalized: &group.normalized,
                suggested: &group.suggested,
                value: &v.value,
                cost: v.cost,
                resources: v.resources,
            })
        })
        .collect()
}

/// The untaggable cost by line-item type, to the cent.
pub fn untaggable_in_cents(report: &TagReport) -> Vec<UntaggableCost> {
    report
        .untaggable
        .iter()
        .map(|u| UntaggableCost {
            cost: cents(u.cost),
            ..u.clone()
        })
        .collect()
}

/// [`untagged_rows`] to the cent.
pub fn untagged_in_cents(report: &TagReport) -> Vec<UntaggedRow<'_>> {
    let mut rows = untagged_rows(report);
    rows.iter_mut().for_each(|r| r.cost = cents(r.cost));
    rows
}

/// [`value_rows`] to the cent.
pub fn values_in_cents(report: &TagReport) -> Vec<ValueRow<'_>> {
    let mut rows = value_rows(report);
    rows.iter_mut().for_each(|r| r.cost = cents(r.cost));
    rows
}

/// The currency of the report, `-` when there is none.
fn currency(report: &TagReport) -> &str {
    report.currency.as_deref().unwrap_or("-")
}

/// The heading over the coverage of the whole range.
pub fn totals_heading(report: &TagReport) -> String {
    format!(
        "== Tag coverage over the whole range ({} cost, {}; % of cost / % of resources)",
        report.measure.name(),
        currency(report)
    )
}

/// The heading over the untaggable cost.
pub fn untaggable_heading(report: &TagReport) -> String {
    format!(
        "== Untaggable cost, not in the coverage: {:.2} {}",
        report.untaggable_cost,
        currency(report)
    )
}

/// The required keys and `*` (all of them), the columns of the pivots.
pub fn pivot_keys(report: &TagReport) -> Vec<String> {
    report
        .required
        .iter()
        .map(|k| k.key.clone())
        .chain([ALL_REQUIRED.to_string()])
        .collect()
}

/// Coverage rows as one line per period and scope, one `cost% / resources%` column per
/// key (`*`: all required keys).
pub fn pivot(rows: &[CoverageRow], keys: &[String], with_period: bool) -> Grid {
    let mut header: Vec<String> = Vec::new();
    if with_period {
        header.push("period".into());
    }
    header.extend(["scope", "name", "cost", "resources"].map(String::from));
    header.extend(keys.iter().map(|k| {
        if k == ALL_REQUIRED {
            "all keys".to_string()
        } else {
            k.clone()
        }
    }));
    let mut lines = Vec::new();
    for line in
        rows.chunk_by(|a, b| (&a.period, a.scope, &a.scope_id) == (&b.period, b.scope, &b.scope_id))
    {
        let first = &line[0];
        let mut cells: Vec<String> = Vec::new();
        if with_period {
            cells.push(first.period.clone().unwrap_or_default());
        }
        cells.push(
            match first.scope {
                Scope::Overall => "overall",
                Scope::Account => "account",
                Scope::Team => "team",
            }
            .to_string(),
        );
        cells.push(match (&first.scope_id, &first.scope_name) {
            (Some(id), Some(name)) if id != name => format!("{name} ({id})"),
            (_, Some(name)) => name.clone(),
            (Some(id), None) => id.clone(),
            (None, None) => String::new(),
        });
        cells.push(format!("{:.2}", first.cost_total));
        cells.push(first.resources_total.to_string());
        for key in keys {
            let cell = line
                .iter()
                .find(|r| &r.key == key)
                .map(|r| format!("{} / {}", percent(r.cost_pct), percent(r.resources_pct)))
                .unwrap_or_default();
            cells.push(cell);
        }
        lines.push(cells);
    }
    Grid {
        header,
        rows: lines,
    }
}

fn percent(value: Option<f64>) -> String {
    value.map_or("-".to_string(), |v| format!("{v:.1}%"))
}
