//! The SQL of the tag report: one aggregation over the lake (`lines_query`, run in the
//! principal's session), and the sections computed from its result, table [`LINES`]
//! in a scratch space of the session. Every user-supplied value enters as a quoted literal; the
//! required keys' values are columns `v0`, `v1`, … so key names never become identifiers.

use chrono::NaiveDate;

use super::{ALL_REQUIRED, Granularity, Measure, RequiredKey, TAGGABLE_LINE_ITEM_TYPES};
use costscope_core::TeamExpr;
use costscope_core::sql::{literal, map_value};

use crate::source::{Reads, Source};

/// The name of the first aggregation's result in the private context.
pub const LINES: &str = "lines";

/// Everything the queries depend on.
pub struct Plan<'a> {
    pub required: &'a [RequiredKey],
    pub measure: Measure,
    pub granularity: Granularity,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub team: &'a TeamExpr,
    /// The table of [`Plan::lines_query`]: `cur_amortized` or a rollup that answers.
    pub source: Source,
}

impl Plan<'_> {
    /// What [`Plan::lines_query`] reads.
    pub fn reads(required: &[RequiredKey], granularity: Granularity, team: &TeamExpr) -> Reads {
        let reads = Reads::at(granularity)
            .columns([
                "line_item_usage_account_id",
                "line_item_usage_account_name",
                "line_item_resource_id",
                "line_item_product_code",
                "line_item_usage_type",
                "line_item_line_item_type",
                "line_item_currency_code",
            ])
            .team(team);
        required
            .iter()
            .fold(reads, |reads, key| reads.tag(&key.tag_key))
    }

    /// Line items grouped by everything the report breaks cost down by, with the raw
    /// value of each required key (`v0`, `v1`, …) and the summed cost.
    pub fn lines_query(&self) -> String {
        let values: String = self
            .required
            .iter()
            .enumerate()
            .map(|(i, key)| format!(", {} AS v{i}", map_value("resource_tags", &key.tag_key)))
            .collect();
        // Account names and services follow from account and resource ids: aggregated,
        // not grouped by, which keeps the grouping key short.
        let group_by: Vec<String> = [1, 2, 4, 5, 7, 8, 9]
            .into_iter()
            .chain(10..10 + self.required.len())
            .map(|i| i.to_string())
            .collect();
        format!(
            "SELECT CAST(date_trunc({unit}, line_item_usage_start_date) AS DATE) AS period, \
               line_item_usage_account_id AS account_id, \
               max(line_item_usage_account_name) AS account_name, \
               nullif(trim(CAST(({team}) AS VARCHAR)), '') AS team, \
               coalesce(line_item_resource_id, '') AS resource_id, \
               max(line_item_product_code) AS service, \
               line_item_usage_type AS usage_type, \
               line_item_line_item_type AS line_item_type, \
               line_item_currency_code AS currency\
               {values}, \
               coalesce(sum({measure}), 0.0) AS cost \
             FROM {table} {range} GROUP BY {group_by}",
            table = self.source.table(),
            unit = literal(self.granularity.trunc_unit()),
            team = self.team.sql(),
            measure = self.measure.column(),
            range = self.range_filter(),
            group_by = group_by.join(", "),
        )
    }

    /// `WHERE` on usage start dates (and billing periods, so files can be skipped).
    fn range_filter(&self) -> String {
        let mut conditions = Vec::new();
        if let Some(from) = self.from {
            conditions.push(format!(
                "line_item_usage_start_date >= TIMESTAMP {}",
                literal(&format!("{from} 00:00:00"))
            ));
            conditions.push(format!(
                "billing_period >= {}",
                literal(&from.format("%Y-%m").to_string())
            ));
        }
        if let Some(to) = self.to {
            conditions.push(format!(
                "line_item_usage_start_date < TIMESTAMP {}",
                literal(&format!("{to} 00:00:00"))
            ));
            if let Some(last_day) = to.pred_opt() {
                conditions.push(format!(
                    "billing_period <= {}",
                    literal(&last_day.format("%Y-%m").to_string())
                ));
            }
        }
        if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        }
    }

    /// One row: for each required key, whether any line item in the range carries it.
    pub fn presence_query(&self) -> String {
        let flags: Vec<String> = (0..self.required.len())
            .map(|i| format!("coalesce(bool_or({}), false)", present(i)))
            .collect();
        format!(
            "SELECT make_array({}) AS present FROM {LINES}",
            flags.join(", ")
        )
    }

    /// Every tag key (CUR 2.0 form) on line items in the range, for error messages.
    pub fn known_keys_query(&self) -> String {
        format!(
            "SELECT DISTINCT t.k AS key FROM cur CROSS JOIN UNNEST(resource_tags) AS t(k, v) {} ORDER BY 1",
            self.range_filter()
        )
    }

    /// Taggable line items of `currency` with a flag per key (`p0`, …) and for all
    /// keys at once (`p_all`), and the resource id or NULL.
    fn flagged(&self, currency: &str) -> String {
        let flags: String = (0..self.required.len())
            .map(|i| format!(", {} AS p{i}", present(i)))
            .collect();
        let all: Vec<String> = (0..self.required.len()).map(present).collect();
        format!(
            "SELECT period, account_id, account_name, team, service, usage_type, cost, \
               nullif(resource_id, '') AS resource{flags}, ({all}) AS p_all \
             FROM {LINES} WHERE currency = {currency} AND line_item_type IN ({taggable})",
            all = all.join(" AND "),
            currency = literal(currency),
            taggable = taggable_list(),
        )
    }

    /// Coverage rows (the fields of `CoverageRow`) per scope and key: per period when
    /// `by_period`, else over the whole range.
    pub fn coverage_query(&self, currency: &str, by_period: bool) -> String {
        let period = if by_period {
            "CAST(period AS VARCHAR)"
        } else {
            "CAST(NULL AS VARCHAR)"
        };
        let scopes: [(&str, &str, &str, &[&str]); 3] = [
            (
                "overall",
                "CAST(NULL AS VARCHAR)",
                "CAST(NULL AS VARCHAR)",
                &[],
            ),
            (
                "account",
                "account_id",
                "max(account_name)",
                &["account_id"],
            ),
            ("team", "team", "coalesce(team, '(no team)')", &["team"]),
        ];
        let mut keys: Vec<(String, String)> = self
            .required
            .iter()
            .enumerate()
            .map(|(i, k)| (k.key.clone(), format!("p{i}")))
            .collect();
        keys.push((ALL_REQUIRED.to_string(), "p_all".to_string()));
        let mut branches = Vec::new();
        for (scope_order, (scope, id, name, columns)) in scopes.iter().enumerate() {
            let mut group_by: Vec<&str> = Vec::new();
            if by_period {
                group_by.push("period");
            }
            group_by.extend(columns.iter());
            let group_by = if group_by.is_empty() {
                String::new()
            } else {
                format!(" GROUP BY {}", group_by.join(", "))
            };
            for (key_order, (key, flag)) in keys.iter().enumerate() {
                branches.push(format!(
                    "SELECT {period} AS period, '{scope}' AS scope, {id} AS scope_id, \
                       {name} AS scope_name, {scope_order} AS scope_order, \
                       {key_order} AS key_order, {key} AS key, \
                       coalesce(sum(CASE WHEN {flag} THEN cost ELSE 0.0 END), 0.0) AS cost_tagged, \
                       coalesce(sum(cost), 0.0) AS cost_total, \
                       count(DISTINCT CASE WHEN {flag} THEN resource END) AS resources_tagged, \
                       count(DISTINCT resource) AS resources_total \
                     FROM flagged{group_by}",
                    key = literal(key),
                ));
            }
        }
        format!(
            "WITH flagged AS ({flagged}) \
             SELECT period, scope, scope_id, scope_name, key, cost_tagged, cost_total, \
               CASE WHEN cost_total <> 0 THEN 100.0 * cost_tagged / cost_total END AS cost_pct, \
               resources_tagged, resources_total, \
               CASE WHEN resources_total > 0 \
                 THEN 100.0 * resources_tagged / resources_total END AS resources_pct \
             FROM ({branches}) \
             ORDER BY period, scope_order, scope_id NULLS LAST, key_order",
            flagged = self.flagged(currency),
            branches = branches.join(" UNION ALL "),
        )
    }

    /// Cost of the line items that cannot carry tags, by line-item type.
    pub fn untaggable_query(&self, currency: &str) -> String {
        format!(
            "SELECT line_item_type, cost FROM ( \
               SELECT line_item_type, coalesce(sum(cost), 0.0) AS cost FROM {LINES} \
               WHERE currency = {currency} AND line_item_type IS NOT NULL \
                 AND line_item_type NOT IN ({taggable}) \
               GROUP BY line_item_type) \
             ORDER BY abs(cost) DESC, line_item_type",
            currency = literal(currency),
            taggable = taggable_list(),
        )
    }

    /// The `top` resources by cost of line items missing a required key, with a
    /// `missing` flag per required key and their largest usage type. Costs are ranked
    /// to a millionth so that equal costs summed in another order rank the same.
    pub fn untagged_query(&self, currency: &str, top: usize) -> String {
        let missing_by_usage: String = (0..self.required.len())
            .map(|i| format!(", bool_or(NOT p_all AND NOT p{i}) AS missing{i}"))
            .collect();
        let missing: Vec<String> = (0..self.required.len())
            .map(|i| format!("bool_or(missing{i})"))
            .collect();
        format!(
            "WITH flagged AS ({flagged}), \
             by_usage AS ( \
               SELECT resource, account_id, max(account_name) AS account_name, service, usage_type, \
                 coalesce(sum(CASE WHEN p_all THEN 0.0 ELSE cost END), 0.0) AS untagged_cost, \
                 bool_or(NOT p_all) AS untagged{missing_by_usage} \
               FROM flagged WHERE resource IS NOT NULL \
               GROUP BY resource, account_id, service, usage_type) \
             SELECT resource AS resource_id, account_id, max(account_name) AS account_name, service, \
               first_value(usage_type ORDER BY untagged_cost DESC, usage_type) AS usage_type, \
               sum(untagged_cost) AS cost, make_array({missing}) AS missing \
             FROM by_usage WHERE untagged \
             GROUP BY resource, account_id, service \
             ORDER BY round(cost, 6) DESC, resource_id LIMIT {top}",
            flagged = self.flagged(currency),
            missing = missing.join(", "),
            // SQL limits are signed 64-bit.
            top = top.min(i64::MAX as usize),
        )
    }

    /// Cost and resources of each value of each required key (taggable line items).
    pub fn required_values_query(&self, currency: &str) -> String {
        let branches: Vec<String> = self
            .required
            .iter()
            .enumerate()
            .map(|(i, key)| {
                format!(
                    "SELECT {key} AS key, v{i} AS value, cost, nullif(resource_id, '') AS resource \
                     FROM {LINES} WHERE currency = {currency} AND line_item_type IN ({taggable}) \
                       AND {present}",
                    key = literal(&key.key),
                    currency = literal(currency),
                    taggable = taggable_list(),
                    present = present(i),
                )
            })
            .collect();
        format!(
            "SELECT key, value, coalesce(sum(cost), 0.0) AS cost, \
               count(DISTINCT resource) AS resources \
             FROM ({}) GROUP BY key, value",
            branches.join(" UNION ALL ")
        )
    }

    /// Cost and resources of each value of every tag key (CUR 2.0 form), straight
    /// from the lake.
    pub fn all_values_query(&self, currency: &str) -> String {
        let range = self.range_filter();
        let scope = format!(
            "line_item_currency_code = {} AND line_item_line_item_type IN ({}) \
             AND coalesce(trim(t.v), '') <> ''",
            literal(currency),
            taggable_list()
        );
        let filter = if range.is_empty() {
            format!("WHERE {scope}")
        } else {
            format!("{range} AND {scope}")
        };
        format!(
            "SELECT t.k AS key, t.v AS value, coalesce(sum({measure}), 0.0) AS cost, \
               count(DISTINCT nullif(line_item_resource_id, '')) AS resources \
             FROM cur_amortized CROSS JOIN UNNEST(resource_tags) AS t(k, v) {filter} \
             GROUP BY 1, 2",
            measure = self.measure.column(),
        )
    }
}

/// The currencies billed in the range.
pub fn currencies_query() -> String {
    format!("SELECT DISTINCT currency FROM {LINES} WHERE currency IS NOT NULL ORDER BY 1")
}

/// True when value column `v{i}` holds a value: not NULL, not blank.
fn present(i: usize) -> String {
    format!("(coalesce(trim(v{i}), '') <> '')")
}

fn taggable_list() -> String {
    TAGGABLE_LINE_ITEM_TYPES
        .iter()
        .map(|t| literal(t))
        .collect::<Vec<_>>()
        .join(", ")
}
