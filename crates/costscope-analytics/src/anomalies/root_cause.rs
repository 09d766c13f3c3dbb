//! Root cause of an anomaly: the change in cost between the anomaly's days and a baseline
//! window before them, broken down service → account → region → usage type → operation →
//! resource id → tag, each node ranked by its contribution.
//!
//! Every node's `delta` is `actual − baseline × window days / baseline days`: the cost over
//! the anomaly's days minus the baseline window's average day times as many days. Both are
//! sums over the same lines, so a node's children add up to it exactly; children past the
//! first [`MAX_CHILDREN`] are folded into one `(other)` node so that still holds.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::monitors::{MonitorKind, recurring_sql};
use crate::Result;
use crate::records::{literal, query};
use crate::source::{Reads, Source};
use costscope_core::CostMeasure;
use costscope_core::Granularity;

/// The levels of the tree below the monitor, in order.
pub const LEVELS: [&str; 7] = [
    "service",
    "account",
    "region",
    "usage_type",
    "operation",
    "resource_id",
    "tag",
];

/// One leaf: its path through [`LEVELS`], actual cost and scaled baseline.
pub type Leaf = ([String; 7], f64, f64);

/// Children shown per node; the rest are summed into `(other)`.
pub const MAX_CHILDREN: usize = 5;

/// One node of the root-cause tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CauseNode {
    /// `monitor` for the root, else one of [`LEVELS`].
    pub level: String,
    pub value: String,
    /// Cost over the anomaly's days.
    pub actual: f64,
    /// The baseline window's cost scaled to the anomaly's days.
    pub baseline: f64,
    /// `actual − baseline`.
    pub delta: f64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<CauseNode>,
}

impl CauseNode {
    /// The path of largest contributions from the root down (root excluded).
    pub fn top_path(&self) -> Vec<&CauseNode> {
        let mut path = Vec::new();
        let mut node = self;
        while let Some(child) = node.children.first() {
            path.push(child);
            node = child;
        }
        path
    }

    /// The first node on the top path at `level`.
    pub fn top_at(&self, level: &str) -> Option<&CauseNode> {
        self.top_path().into_iter().find(|n| n.level == level)
    }

    /// All nodes at `level`, in tree order.
    pub fn nodes_at<'a>(&'a self, level: &str, out: &mut Vec<&'a CauseNode>) {
        for child in &self.children {
            if child.level == level {
                out.push(child);
            } else {
                child.nodes_at(level, out);
            }
        }
    }

    /// One sentence: "`NatGateway-Bytes` on nat-… in account 222… (us-east-1), +$Y".
    pub fn explanation(&self) -> Option<String> {
        let usage = self.top_at("usage_type")?;
        let account = self.top_at("account").map(|n| n.value.as_str());
        let region = self.top_at("region").map(|n| n.value.as_str());
        let resource = usage
            .top_path()
            .into_iter()
            .find(|n| n.level == "resource_id")
            .filter(|n| !n.value.is_empty() && n.value != OTHER);
        let mut text = format!("`{}`", usage.value);
        if let Some(resource) = resource {
            text.push_str(&format!(" on {}", resource.value));
        }
        if let Some(account) = account {
            text.push_str(&format!(" in account {account}"));
        }
        if let Some(region) = region.filter(|r| !r.is_empty()) {
            text.push_str(&format!(" ({region})"));
        }
        let delta = usage.delta;
        let sign = if delta >= 0.0 { "+" } else { "-" };
        text.push_str(&format!(", {sign}${:.2}", delta.abs()));
        Some(text)
    }
}

const OTHER: &str = "(other)";

/// What to explain.
#[derive(Debug, Clone)]
pub struct CauseQuery<'a> {
    pub kind: &'a MonitorKind,
    pub value: &'a str,
    pub measure: CostMeasure,
    /// First and last day of the anomaly.
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// Days of baseline before `start`.
    pub baseline_days: u32,
    /// Tag key of the last level.
    pub tag_key: &'a str,
}

#[derive(Deserialize)]
struct LeafRow {
    service: Option<String>,
    account: Option<String>,
    region: Option<String>,
    usage_type: Option<String>,
    operation: Option<String>,
    resource_id: Option<String>,
    tag: Option<String>,
    actual: Option<f64>,
    baseline: Option<f64>,
}

/// The SQL that sums actual and baseline cost per leaf of the tree (one query).
pub fn leaf_sql(q: &CauseQuery<'_>, source: Source) -> String {
    let baseline_start = q.start - chrono::Days::new(u64::from(q.baseline_days.max(1)));
    let end = q.end.succ_opt().unwrap_or(q.end);
    let ts = |d: NaiveDate| format!("TIMESTAMP {}", literal(&format!("{d} 00:00:00")));
    format!(
        "SELECT line_item_product_code AS service, line_item_usage_account_id AS account, \
         product_region_code AS region, line_item_usage_type AS usage_type, \
         line_item_operation AS operation, line_item_resource_id AS resource_id, \
         resource_tags[{tag}] AS tag, \
         SUM(CASE WHEN line_item_usage_start_date >= {start} THEN {cost} ELSE 0 END) AS actual, \
         SUM(CASE WHEN line_item_usage_start_date < {start} THEN {cost} ELSE 0 END) AS baseline \
         FROM {table} \
         WHERE {dim} = {value} AND line_item_usage_start_date >= {from} \
           AND line_item_usage_start_date < {to} AND NOT {recurring} \
         GROUP BY 1, 2, 3, 4, 5, 6, 7",
        tag = literal(q.tag_key),
        start = ts(q.start),
        cost = q.measure.column(),
        dim = q.kind.sql(),
        value = literal(q.value),
        from = ts(baseline_start),
        to = ts(end),
        recurring = recurring_sql(source),
        table = source.table(),
    )
}

/// What [`leaf_sql`] reads.
fn leaf_reads(q: &CauseQuery<'_>) -> Reads {
    let reads = Reads::at(Granularity::Daily)
        .columns([
            "line_item_product_code",
            "line_item_usage_account_id",
            "product_region_code",
            "line_item_usage_type",
            "line_item_operation",
            "line_item_resource_id",
            "line_item_line_item_type",
        ])
        .tag(q.tag_key);
    q.kind.reads(reads)
}

/// The root-cause tree of one anomaly.
pub async fn root_cause(
    session: &costscope_query::Session,
    q: &CauseQuery<'_>,
) -> Result<CauseNode> {
    let source = Source::choose(session, &leaf_reads(q));
    let rows: Vec<LeafRow> = query(session, &leaf_sql(q, source)).await?;
    let window_days = ((q.end - q.start).num_days() + 1).max(1) as f64;
    let scale = window_days / f64::from(q.baseline_days.max(1));
    let leaves: Vec<Leaf> = rows
        .into_iter()
        .map(|r| {
            let path = [
                r.service,
                r.account,
                r.region,
                r.usage_type,
                r.operation,
                r.resource_id,
                r.tag,
            ]
            .map(Option::unwrap_or_default);
            let actual = r.actual.unwrap_or(0.0);
            (path, actual, r.baseline.unwrap_or(0.0) * scale)
        })
        .collect();
    Ok(build_tree(q.value, &leaves))
}

/// Builds the tree from leaves (path, actual, scaled baseline).
pub fn build_tree(root_value: &str, leaves: &[Leaf]) -> CauseNode {
    let refs: Vec<&Leaf> = leaves.iter().collect();
    let mut root = node("monitor", root_value, &refs, 0);
    // The root's own totals are the sum of its children's.
    root.actual = leaves.iter().map(|l| l.1).sum();
    root.baseline = leaves.iter().map(|l| l.2).sum();
    root.delta = root.actual - root.baseline;
    root
}

fn node(level: &str, value: &str, leaves: &[&Leaf], depth: usize) -> CauseNode {
    let actual: f64 = leaves.iter().map(|l| l.1).sum();
    let baseline: f64 = leaves.iter().map(|l| l.2).sum();
    let mut children = Vec::new();
    if depth < LEVELS.len() {
        let mut groups: BTreeMap<&str, Vec<&Leaf>> = BTreeMap::new();
        for leaf in leaves {
            groups.entry(leaf.0[depth].as_str()).or_default().push(leaf);
        }
        children = groups
            .into_iter()
            .map(|(v, group)| node(LEVELS[depth], v, &group, depth + 1))
            .collect();
        children.sort_by(|a: &CauseNode, b: &CauseNode| {
            b.delta
                .total_cmp(&a.delta)
                .then_with(|| a.value.cmp(&b.value))
        });
        if children.len() > MAX_CHILDREN {
            let rest = children.split_off(MAX_CHILDREN);
            let actual = rest.iter().map(|c| c.actual).sum::<f64>();
            let baseline = rest.iter().map(|c| c.baseline).sum::<f64>();
            children.push(CauseNode {
                level: LEVELS[depth].to_string(),
                value: format!("{OTHER} {} more", rest.len()),
                actual,
                baseline,
                delta: actual - baseline,
                children: Vec::new(),
            });
        }
    }
    CauseNode {
        level: level.to_string(),
        value: value.to_string(),
        actual,
        baseline,
        delta: actual - baseline,
        children,
    }
}
