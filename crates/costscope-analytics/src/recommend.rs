//! Recommendations with estimated savings, optimizer imports and their lifecycle.
//!
//! Every rule reads the last 30 days of `cur_amortized` (ending with the last day of usage,
//! or `as_of`) through one shared aggregate per resource and usage type, and estimates a
//! monthly saving as usage × price difference from a [`PriceTable`] (at the rate actually
//! paid, so Spot and Savings-Plan-covered hours save proportionally). Rules by family live in
//! `recommend/rules/`. Imported Compute Optimizer and Cost Optimization Hub recommendations
//! are a second source; [`dedupe`] keeps one saving per resource and saving pool. The
//! lifecycle (open → accepted / dismissed → implemented) lives in the metadata store;
//! realized savings compare the bill before and after implementation.

pub mod imports;
pub mod prices;
pub mod realized;
pub mod rules;
pub mod usage;

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use costscope_core::TeamExpr;
use costscope_core::prices::PriceTable;
use costscope_query::Session;
use costscope_store::Store;
use costscope_store::recommendations::{State, StoredRecommendation};

use serde::{Deserialize, Serialize};

use crate::{Error, Result};
pub use usage::Window;

/// The groups recommendations are shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Compute,
    Storage,
    Database,
    Networking,
    Genai,
}

impl Category {
    pub const ALL: [Category; 5] = [
        Category::Compute,
        Category::Storage,
        Category::Database,
        Category::Networking,
        Category::Genai,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Category::Compute => "compute",
            Category::Storage => "storage",
            Category::Database => "database",
            Category::Networking => "networking",
            Category::Genai => "genai",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Category {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Category::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "unknown category `{s}`: expected compute, storage, database, networking or genai"
                ))
            })
    }
}

/// How much work a change takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Effort {
    Low,
    Medium,
    High,
}

impl Effort {
    pub fn name(self) -> &'static str {
        match self {
            Effort::Low => "low",
            Effort::Medium => "medium",
            Effort::High => "high",
        }
    }
}

/// Where a recommendation comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// costscope's own rules over the CUR.
    Costscope,
    /// An imported AWS Compute Optimizer export.
    ComputeOptimizer,
    /// An imported Cost Optimization Hub export.
    CostOptimizationHub,
}

/// Where a recommendation is in its lifecycle (see `costscope_store::recommendations`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Open,
    Accepted,
    Dismissed,
    Implemented,
}

impl From<State> for Status {
    fn from(state: State) -> Self {
        match state {
            State::Open => Status::Open,
            State::Accepted => Status::Accepted,
            State::Dismissed => Status::Dismissed,
            State::Implemented => Status::Implemented,
        }
    }
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Accepted => "accepted",
            Status::Dismissed => "dismissed",
            Status::Implemented => "implemented",
        }
    }
}

impl FromStr for Status {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        s.parse::<State>()
            .map(Status::from)
            .map_err(Error::InvalidArgument)
    }
}

/// A recommendation that lost to a larger one on the same resource and saving pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alternative {
    pub rule: String,
    pub source: Source,
    pub recommended: String,
    pub monthly_saving: f64,
}

/// One recommended change with its estimated monthly saving.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    /// Stable: `<rule>:<resource id>`.
    pub id: String,
    pub rule: String,
    pub source: Source,
    pub category: Category,
    pub effort: Effort,
    pub team: String,
    pub account_id: String,
    pub resource_id: String,
    /// What the saving is taken from (`instance-hours`, `ebs-storage`, …): two
    /// recommendations on the same resource and pool are alternatives, never both counted.
    pub pool: String,
    /// What runs now (`m5.large`, `gp2 100 GB`, …).
    pub current: String,
    /// What to change it to.
    pub recommended: String,
    /// The resource's (or pool's) monthly cost now, amortized.
    pub monthly_cost: f64,
    pub monthly_saving: f64,
    /// The formula with its figures.
    pub explanation: String,
    /// The `user_app` tag, when present (realized savings follow replacements within it).
    #[serde(default)]
    pub app: Option<String>,
    /// Smaller recommendations on the same resource and pool.
    #[serde(default)]
    pub alternatives: Vec<Alternative>,
    /// Lifecycle state from the store (`open` when never touched).
    #[serde(default = "open")]
    pub status: Status,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub implemented_on: Option<NaiveDate>,
    /// Measured from the bill after implementation (monthly).
    #[serde(default)]
    pub realized_monthly_saving: Option<f64>,
}

fn open() -> Status {
    Status::Open
}

impl Recommendation {
    /// The stable id of `rule` on `resource_id`.
    pub fn id_of(rule: &str, resource_id: &str) -> String {
        format!("{rule}:{resource_id}")
    }
}

/// What a rule or an import found: a recommendation before its id, alternatives and
/// lifecycle, which [`Found::open`] adds.
pub(crate) struct Found {
    pub rule: String,
    pub source: Source,
    pub category: Category,
    pub effort: Effort,
    pub team: String,
    pub account_id: String,
    pub resource_id: String,
    pub pool: String,
    pub current: String,
    pub recommended: String,
    pub monthly_cost: f64,
    pub monthly_saving: f64,
    pub explanation: String,
    pub app: Option<String>,
}

impl Found {
    /// A new, open recommendation with no alternatives yet, its id from its rule and
    /// resource.
    pub fn open(self) -> Recommendation {
        let id = Recommendation::id_of(&self.rule, &self.resource_id);
        self.open_as(id)
    }

    /// [`Found::open`] under a given id.
    pub fn open_as(self, id: String) -> Recommendation {
        Recommendation {
            id,
            rule: self.rule,
            source: self.source,
            category: self.category,
            effort: self.effort,
            team: self.team,
            account_id: self.account_id,
            resource_id: self.resource_id,
            pool: self.pool,
            current: self.current,
            recommended: self.recommended,
            monthly_cost: self.monthly_cost,
            monthly_saving: self.monthly_saving,
            explanation: self.explanation,
            app: self.app,
            alternatives: Vec::new(),
            status: Status::Open,
            reason: None,
            implemented_on: None,
            realized_monthly_saving: None,
        }
    }
}

/// What to recommend over.
#[derive(Debug, Clone, Default)]
pub struct RecommendOptions {
    pub category: Option<Category>,
    pub team: Option<String>,
    pub status: Option<Status>,
    /// Who owns each line (allocation rules, or by default the `user_team` tag).
    pub team_expr: TeamExpr,
    /// The last day of the window (default: the last day with usage).
    pub as_of: Option<NaiveDate>,
    /// Prices (default: the built-in us-east-1 table).
    pub prices: Option<PriceTable>,
}

/// Totals of one category.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryTotal {
    pub category: Category,
    pub count: usize,
    pub monthly_saving: f64,
}

/// Totals of one team.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamTotal {
    pub team: String,
    pub count: usize,
    pub monthly_saving: f64,
}

/// The price table's identity, shown with every report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PricesUsed {
    pub as_of: String,
    pub source: String,
    pub region: String,
}

/// Everything `costscope recommend` shows.
#[derive(Debug, Clone, Serialize)]
pub struct RecommendReport {
    pub window_from: Option<NaiveDate>,
    pub window_to: Option<NaiveDate>,
    pub prices: PricesUsed,
    /// Grouped by category, then team, largest saving first, then lowest effort.
    pub recommendations: Vec<Recommendation>,
    pub categories: Vec<CategoryTotal>,
    pub teams: Vec<TeamTotal>,
    pub total_monthly_saving: f64,
}

/// Computes every rule, adds imported optimizer recommendations, de-duplicates, applies the
/// stored lifecycle and filters.
pub async fn recommend(
    session: &Session,
    store: Option<&Store>,
    options: &RecommendOptions,
) -> Result<RecommendReport> {
    let prices = options
        .prices
        .clone()
        .unwrap_or_else(PriceTable::aws_us_east_1);
    let last = match options.as_of {
        Some(day) => Some(day),
        None => usage::last_usage_day(session).await?,
    };
    let mut all = Vec::new();
    let mut window = None;
    if let Some(last) = last {
        let w = Window::ending(last);
        window = Some(w);
        all = rules::evaluate(session, w, &options.team_expr, &prices).await?;
    }
    all.extend(imports::imported(session, window, &options.team_expr).await?);
    let mut recommendations = dedupe(all);
    if let Some(store) = store {
        apply_lifecycle(store, &mut recommendations)?;
        add_implemented(session, store, &mut recommendations).await?;
    }
    recommendations.retain(|r| {
        options.category.is_none_or(|c| r.category == c)
            && options.team.as_deref().is_none_or(|t| r.team == t)
            && options.status.is_none_or(|s| r.status == s)
    });
    sort(&mut recommendations);
    Ok(report(
        window,
        &prices,
        recommendations.into_iter().map(round).collect(),
    ))
}

/// One recommendation by id (computed now, or as stored when no longer computed).
pub async fn show(
    session: &Session,
    store: &Store,
    id: &str,
    options: &RecommendOptions,
) -> Result<Recommendation> {
    let all = recommend(session, Some(store), options).await?;
    all.recommendations
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| Error::NotFound {
            kind: "recommendation",
            id: id.into(),
        })
}

/// Finds the current recommendation `id` so the store can keep a snapshot of it.
pub async fn find(
    session: &Session,
    store: &Store,
    id: &str,
    options: &RecommendOptions,
) -> Result<Option<Recommendation>> {
    let all = recommend(session, Some(store), options).await?;
    Ok(all.recommendations.into_iter().find(|r| r.id == id))
}

/// Accepts recommendation `id` (which must be among the current ones or stored).
pub async fn transition(
    session: &Session,
    store: &Store,
    id: &str,
    change: Change,
    options: &RecommendOptions,
) -> Result<Recommendation> {
    let current = find(session, store, id, options).await?;
    let snapshot = match &current {
        Some(r) => Some(serde_json::to_string(r)?),
        None => None,
    };
    let stored = match (&snapshot, store.get(id)?) {
        (None, None) => {
            return Err(Error::NotFound {
                kind: "recommendation",
                id: id.to_string(),
            });
        }
        (snapshot, _) => snapshot.clone(),
    };
    match change {
        Change::Accept => store.accept(id, stored.as_deref()),
        Change::Dismiss(reason) => store.dismiss(id, &reason, stored.as_deref()),
        Change::Reopen => store.reopen(id),
        Change::Implement(on) => store.implement(id, on, stored.as_deref()),
    }?;
    let mut options = options.clone();
    options.status = None;
    show(session, store, id, &options).await
}

/// A lifecycle change.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Accept,
    Dismiss(String),
    Reopen,
    Implement(NaiveDate),
}

/// Keeps, per (resource, pool), the recommendation with the largest saving; the others
/// become its `alternatives`. Recommendations without a saving are dropped.
pub fn dedupe(all: Vec<Recommendation>) -> Vec<Recommendation> {
    let mut by_pool: BTreeMap<(String, String), Vec<Recommendation>> = BTreeMap::new();
    for r in all {
        if r.monthly_saving > 0.005 {
            by_pool
                .entry((r.resource_id.clone(), r.pool.clone()))
                .or_default()
                .push(r);
        }
    }
    by_pool
        .into_values()
        .filter_map(|mut group| {
            group.sort_by(|a, b| {
                b.monthly_saving
                    .total_cmp(&a.monthly_saving)
                    .then(a.effort.cmp(&b.effort))
                    .then(a.id.cmp(&b.id))
            });
            let mut rest = group.into_iter();
            let mut best = rest.next()?;
            best.alternatives.extend(rest.map(|r| Alternative {
                rule: r.rule,
                source: r.source,
                recommended: r.recommended,
                monthly_saving: r.monthly_saving,
            }));
            Some(best)
        })
        .collect()
}

fn apply_lifecycle(store: &Store, recommendations: &mut [Recommendation]) -> Result<()> {
    let stored: BTreeMap<String, StoredRecommendation> = store
        .list()?
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect();
    for r in recommendations {
        if let Some(s) = stored.get(&r.id) {
            r.status = s.state.into();
            r.reason = s.reason.clone();
            r.implemented_on = implemented_on(s);
        }
    }
    Ok(())
}

/// Adds stored recommendations that are no longer computed (typically implemented ones
/// whose resource is gone) from their snapshot, and measures realized savings.
async fn add_implemented(
    session: &Session,
    store: &Store,
    recommendations: &mut Vec<Recommendation>,
) -> Result<()> {
    let stored = store.list()?;
    for s in &stored {
        if recommendations.iter().any(|r| r.id == s.id) {
            continue;
        }
        let Some(snapshot) = &s.snapshot else {
            continue;
        };
        let mut r: Recommendation = serde_json::from_str(snapshot)?;
        r.status = s.state.into();
        r.reason = s.reason.clone();
        r.implemented_on = implemented_on(s);
        recommendations.push(r);
    }
    let implemented: Vec<&StoredRecommendation> = stored
        .iter()
        .filter(|s| s.state == State::Implemented)
        .collect();
    if implemented.is_empty() {
        return Ok(());
    }
    let realized = realized::measure(session, recommendations).await?;
    for r in recommendations.iter_mut() {
        if let Some(value) = realized.get(&r.id) {
            r.realized_monthly_saving = Some(*value);
        }
    }
    Ok(())
}

fn implemented_on(stored: &StoredRecommendation) -> Option<NaiveDate> {
    stored
        .implemented_on
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

/// Category, then team, then largest saving, then lowest effort, then id.
pub fn sort(recommendations: &mut [Recommendation]) {
    recommendations.sort_by(|a, b| {
        a.category
            .cmp(&b.category)
            .then(a.team.cmp(&b.team))
            .then(b.monthly_saving.total_cmp(&a.monthly_saving))
            .then(a.effort.cmp(&b.effort))
            .then(a.id.cmp(&b.id))
    });
}

fn round(mut r: Recommendation) -> Recommendation {
    r.monthly_cost = cents(r.monthly_cost);
    r.monthly_saving = cents(r.monthly_saving);
    r.realized_monthly_saving = r.realized_monthly_saving.map(cents);
    for a in &mut r.alternatives {
        a.monthly_saving = cents(a.monthly_saving);
    }
    r
}

fn cents(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

fn report(
    window: Option<Window>,
    prices: &PriceTable,
    recommendations: Vec<Recommendation>,
) -> RecommendReport {
    let mut categories = Vec::new();
    for category in Category::ALL {
        let of: Vec<&Recommendation> = recommendations
            .iter()
            .filter(|r| r.category == category)
            .collect();
        if !of.is_empty() {
            categories.push(CategoryTotal {
                category,
                count: of.len(),
                monthly_saving: cents(of.iter().map(|r| r.monthly_saving).sum()),
            });
        }
    }
    let mut teams: BTreeMap<&str, (usize, f64)> = BTreeMap::new();
    for r in &recommendations {
        let entry = teams.entry(&r.team).or_default();
        entry.0 += 1;
        entry.1 += r.monthly_saving;
    }
    let mut teams: Vec<TeamTotal> = teams
        .into_iter()
        .map(|(team, (count, saving))| TeamTotal {
            team: team.to_string(),
            count,
            monthly_saving: cents(saving),
        })
        .collect();
    teams.sort_by(|a, b| b.monthly_saving.total_cmp(&a.monthly_saving));
    RecommendReport {
        window_from: window.map(|w| w.from),
        window_to: window.map(|w| w.to - chrono::Duration::days(1)),
        prices: PricesUsed {
            as_of: prices.as_of.clone(),
            source: prices.source.clone(),
            region: prices.region.clone(),
        },
        total_monthly_saving: cents(recommendations.iter().map(|r| r.monthly_saving).sum()),
        recommendations,
        categories,
        teams,
    }
}
