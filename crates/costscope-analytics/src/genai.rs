//! GenAI (Bedrock) cost and tokens by model, provider type, pricing model, application
//! inference profile, team, app, department or any tag: cost per million tokens, what
//! prompt caching saved, Bedrock spend that no profile or tag attributes (flagged), and why
//! one department pays more than another for similar token volumes.
//!
//! One aggregate scan of `cur_amortized` over the Bedrock lines (first/second-party product
//! codes and Marketplace "(Amazon Bedrock Edition)" products; tax excluded), grouped by
//! usage type, profile and tags; classification and grouping happen here. See
//! `docs/genai.md`.

pub mod classify;

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use costscope_core::TeamExpr;
use costscope_query::Session;
use serde::Serialize;

pub use classify::{ProviderType, TokenKind};

use crate::records::{literal, query_selective};
use crate::{Error, Result};

/// Label of a group with no value (no profile, no tag).
pub const NONE_LABEL: &str = "(none)";

/// A grouping of GenAI cost.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GroupBy {
    Model,
    Provider,
    PricingModel,
    Profile,
    Team,
    App,
    Department,
    Account,
    /// A resource tag (`tag:KEY`, CUR key `user_KEY`).
    Tag(String),
}

impl fmt::Display for GroupBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupBy::Model => f.write_str("model"),
            GroupBy::Provider => f.write_str("provider"),
            GroupBy::PricingModel => f.write_str("pricing-model"),
            GroupBy::Profile => f.write_str("profile"),
            GroupBy::Team => f.write_str("team"),
            GroupBy::App => f.write_str("app"),
            GroupBy::Department => f.write_str("department"),
            GroupBy::Account => f.write_str("account"),
            GroupBy::Tag(key) => write!(f, "tag:{key}"),
        }
    }
}

impl FromStr for GroupBy {
    type Err = Error;
    fn from_str(text: &str) -> Result<Self> {
        let text = text.trim();
        Ok(match text {
            "model" => GroupBy::Model,
            "provider" | "provider-type" => GroupBy::Provider,
            "pricing-model" | "pricing" => GroupBy::PricingModel,
            "profile" | "inference-profile" => GroupBy::Profile,
            "team" => GroupBy::Team,
            "app" => GroupBy::App,
            "department" => GroupBy::Department,
            "account" => GroupBy::Account,
            _ => match text.strip_prefix("tag:") {
                Some(key) if !key.is_empty() => GroupBy::Tag(key.to_string()),
                _ => {
                    return Err(Error::InvalidArgument(format!(
                        "unknown group-by `{text}`: use model, provider, pricing-model, profile, \
                         team, app, department, account or tag:KEY"
                    )));
                }
            },
        })
    }
}

/// What to report.
#[derive(Debug, Clone)]
pub struct GenaiOptions {
    /// One or more groupings (combined); default: model.
    pub group_by: Vec<GroupBy>,
    /// First day (inclusive).
    pub from: Option<NaiveDate>,
    /// Last day (inclusive).
    pub to: Option<NaiveDate>,
    /// Who owns a line (allocation rules, or by default the `user_team` tag).
    pub team: TeamExpr,
}

impl Default for GenaiOptions {
    fn default() -> Self {
        GenaiOptions {
            group_by: vec![GroupBy::Model],
            from: None,
            to: None,
            team: TeamExpr::default(),
        }
    }
}

/// GenAI cost and tokens of one group. Flat, for tables and CSV.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GenaiRow {
    /// The group's values, joined with ` / ` in `group_by` order.
    pub group: String,
    /// Amortized cost, USD.
    pub cost: f64,
    pub share: f64,
    pub tokens: f64,
    pub input_tokens: f64,
    pub output_tokens: f64,
    pub cache_read_tokens: f64,
    pub cache_write_tokens: f64,
    /// Cost per million tokens (all kinds).
    pub cost_per_million_tokens: Option<f64>,
    /// What cache reads saved against the model's input price, USD.
    pub cache_savings: f64,
    /// Cost no inference profile, team or department tag attributes, USD.
    pub unattributed_cost: f64,
}

/// One department's GenAI use, for the comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DepartmentUse {
    pub department: String,
    pub cost: f64,
    pub tokens: f64,
    pub cost_per_million_tokens: Option<f64>,
    /// The model with the largest cost.
    pub main_model: String,
    pub main_model_cost_per_million_tokens: Option<f64>,
    pub main_model_share: f64,
}

/// Two departments with similar token volumes and different costs, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub higher: String,
    pub lower: String,
    /// Cost of `higher` over cost of `lower`.
    pub cost_ratio: f64,
    /// Tokens of `higher` over tokens of `lower`.
    pub token_ratio: f64,
    pub why: String,
}

/// The GenAI report. Its JSON form is documented in `docs/genai.md` and stable.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GenaiReport {
    pub group_by: Vec<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub rows: Vec<GenaiRow>,
    pub total: GenaiRow,
    /// Per model: the on-demand input and cache-read prices per million tokens observed.
    pub models: Vec<ModelPrice>,
    pub departments: Vec<DepartmentUse>,
    pub comparisons: Vec<Comparison>,
    /// Unattributed spend (no profile, team or department tag), flagged when above zero.
    pub unattributed_cost: f64,
    pub unattributed_flag: bool,
}

/// The prices a model was billed at, per million tokens.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelPrice {
    pub model: String,
    pub provider_type: ProviderType,
    pub cost: f64,
    pub tokens: f64,
    pub input_per_million: Option<f64>,
    pub output_per_million: Option<f64>,
    pub cache_read_per_million: Option<f64>,
}

/// One classified group of Bedrock lines.
#[derive(Debug, Clone)]
struct Line {
    account: String,
    model: String,
    provider: ProviderType,
    pricing: &'static str,
    kind: TokenKind,
    profile: Option<String>,
    team: Option<String>,
    app: Option<String>,
    department: Option<String>,
    extra: Vec<Option<String>>,
    cost: f64,
    tokens: f64,
}

impl Line {
    fn attributed(&self) -> bool {
        self.profile.is_some() || self.team.is_some() || self.department.is_some()
    }
}

/// The SQL filter selecting Bedrock lines (tax excluded).
///
/// Its first conjunct is implied by the rest and reads only two plain columns: with filter
/// pushdown it discards almost every line before the `product` map is decoded.
pub fn bedrock_filter() -> String {
    let codes: Vec<String> = classify::BEDROCK_PRODUCT_CODES
        .iter()
        .map(|c| literal(c))
        .collect();
    let codes = codes.join(", ");
    format!(
        "(line_item_product_code IN ({codes}) OR bill_billing_entity = 'AWS Marketplace') \
         AND line_item_line_item_type <> 'Tax' AND (line_item_product_code IN ({codes}) \
         OR (bill_billing_entity = 'AWS Marketplace' AND product['product_name'] LIKE {}))",
        literal(&format!("%{}", classify::MARKETPLACE_SUFFIX.trim_start()))
    )
}

/// GenAI cost and tokens grouped as asked.
pub async fn genai(session: &Session, options: &GenaiOptions) -> Result<GenaiReport> {
    if let (Some(from), Some(to)) = (options.from, options.to)
        && from > to
    {
        return Err(Error::InvalidArgument(format!(
            "empty range: --from {from} is after --to {to}"
        )));
    }
    let group_by = if options.group_by.is_empty() {
        vec![GroupBy::Model]
    } else {
        options.group_by.clone()
    };
    let lines = load(session, options, &group_by).await?;
    let prices = model_prices(&lines);
    let price_of: BTreeMap<&str, &ModelPrice> =
        prices.iter().map(|p| (p.model.as_str(), p)).collect();

    let total_cost: f64 = lines.iter().map(|l| l.cost).sum();
    let mut groups: BTreeMap<Vec<String>, GenaiRow> = BTreeMap::new();
    let mut total = empty_row("total");
    for line in &lines {
        let key: Vec<String> = group_by
            .iter()
            .map(|g| value_of(line, g, &group_by))
            .collect();
        let row = groups
            .entry(key.clone())
            .or_insert_with(|| empty_row(&key.join(" / ")));
        let price = price_of.get(line.model.as_str()).copied();
        add(row, line, price);
        add(&mut total, line, price);
    }
    let mut rows: Vec<GenaiRow> = groups.into_values().collect();
    for row in rows.iter_mut().chain(std::iter::once(&mut total)) {
        finish(row, total_cost);
    }
    rows.sort_by(|a, b| {
        b.cost
            .total_cmp(&a.cost)
            .then_with(|| a.group.cmp(&b.group))
    });
    let departments = departments(&lines);
    let comparisons = compare(&departments);
    Ok(GenaiReport {
        group_by: group_by.iter().map(ToString::to_string).collect(),
        from: options.from.map(|d| d.to_string()),
        to: options.to.map(|d| d.to_string()),
        unattributed_cost: total.unattributed_cost,
        unattributed_flag: total.unattributed_cost > 0.005,
        rows,
        total,
        models: prices,
        departments,
        comparisons,
    })
}

fn empty_row(group: &str) -> GenaiRow {
    GenaiRow {
        group: group.to_string(),
        cost: 0.0,
        share: 0.0,
        tokens: 0.0,
        input_tokens: 0.0,
        output_tokens: 0.0,
        cache_read_tokens: 0.0,
        cache_write_tokens: 0.0,
        cost_per_million_tokens: None,
        cache_savings: 0.0,
        unattributed_cost: 0.0,
    }
}

fn add(row: &mut GenaiRow, line: &Line, price: Option<&ModelPrice>) {
    row.cost += line.cost;
    row.tokens += line.tokens;
    match line.kind {
        TokenKind::Input => row.input_tokens += line.tokens,
        TokenKind::Output => row.output_tokens += line.tokens,
        TokenKind::CacheRead => {
            row.cache_read_tokens += line.tokens;
            if let Some(price) = price
                && let (Some(input), Some(read)) =
                    (price.input_per_million, price.cache_read_per_million)
            {
                row.cache_savings += line.tokens / 1e6 * (input - read).max(0.0);
            }
        }
        TokenKind::CacheWrite => row.cache_write_tokens += line.tokens,
        TokenKind::Other => {}
    }
    if !line.attributed() {
        row.unattributed_cost += line.cost;
    }
}

fn finish(row: &mut GenaiRow, total_cost: f64) {
    row.cost_per_million_tokens = (row.tokens > 0.0).then(|| row.cost / row.tokens * 1e6);
    row.share = if total_cost.abs() > 1e-9 {
        row.cost / total_cost
    } else {
        0.0
    };
}

fn value_of(line: &Line, group: &GroupBy, all: &[GroupBy]) -> String {
    let or_none = |v: &Option<String>| v.clone().unwrap_or_else(|| NONE_LABEL.to_string());
    match group {
        GroupBy::Model => line.model.clone(),
        GroupBy::Provider => line.provider.name().to_string(),
        GroupBy::PricingModel => line.pricing.to_string(),
        GroupBy::Profile => or_none(&line.profile),
        GroupBy::Team => or_none(&line.team),
        GroupBy::App => or_none(&line.app),
        GroupBy::Department => or_none(&line.department),
        GroupBy::Account => line.account.clone(),
        GroupBy::Tag(_) => {
            let index = all
                .iter()
                .filter(|g| matches!(g, GroupBy::Tag(_)))
                .position(|g| g == group)
                .unwrap_or(0);
            line.extra.get(index).map(or_none).unwrap_or_default()
        }
    }
}

async fn load(
    session: &Session,
    options: &GenaiOptions,
    group_by: &[GroupBy],
) -> Result<Vec<Line>> {
    let team = options.team.sql();
    let tags: Vec<String> = group_by
        .iter()
        .filter_map(|g| match g {
            GroupBy::Tag(key) => Some(crate::explorer::tag_column_key(key)),
            _ => None,
        })
        .collect();
    let mut extra_columns = String::new();
    let mut extra_keys = String::new();
    for (index, key) in tags.iter().enumerate() {
        extra_columns.push_str(&format!(
            ", nullif(resource_tags[{}], '') AS extra_{index}",
            literal(key)
        ));
        extra_keys.push_str(&format!(", extra_{index}"));
    }
    let mut filter = bedrock_filter();
    if let Some(from) = options.from {
        filter.push_str(&format!(
            " AND line_item_usage_start_date >= TIMESTAMP {}",
            literal(&format!("{from} 00:00:00"))
        ));
        filter.push_str(&format!(
            " AND billing_period >= {}",
            literal(&from.format("%Y-%m").to_string())
        ));
    }
    if let Some(to) = options.to {
        let end = to + chrono::Duration::days(1);
        filter.push_str(&format!(
            " AND line_item_usage_start_date < TIMESTAMP {}",
            literal(&format!("{end} 00:00:00"))
        ));
        filter.push_str(&format!(
            " AND billing_period <= {}",
            literal(&to.format("%Y-%m").to_string())
        ));
    }
    let sql = format!(
        "SELECT account_id, billing_entity, usage_type, unit, description, product_name, model, \
                provider, resource_id, team, app, department{extra_keys}, \
                sum(cost) AS cost, sum(usage) AS usage \
         FROM (SELECT line_item_usage_account_id AS account_id, bill_billing_entity AS billing_entity, \
                 line_item_usage_type AS usage_type, pricing_unit AS unit, \
                 CASE WHEN bill_billing_entity = 'AWS Marketplace' THEN line_item_line_item_description END AS description, \
                 product['product_name'] AS product_name, product['model'] AS model, \
                 product['provider'] AS provider, line_item_resource_id AS resource_id, \
                 nullif(CAST(({team}) AS VARCHAR), '') AS team, \
                 nullif(resource_tags['user_app'], '') AS app, \
                 nullif(resource_tags['user_department'], '') AS department{extra_columns}, \
                 amortized_cost AS cost, line_item_usage_amount AS usage \
               FROM cur_amortized WHERE {filter}) AS bedrock \
         GROUP BY account_id, billing_entity, usage_type, unit, description, product_name, model, \
                  provider, resource_id, team, app, department{extra_keys}"
    );
    let rows: Vec<serde_json::Map<String, serde_json::Value>> =
        query_selective(session, &sql).await?;
    let text = |row: &serde_json::Map<String, serde_json::Value>, key: &str| {
        row.get(key).and_then(|v| v.as_str()).map(str::to_string)
    };
    let number = |row: &serde_json::Map<String, serde_json::Value>, key: &str| {
        row.get(key).and_then(|v| v.as_f64()).unwrap_or(0.0)
    };
    let mut lines = Vec::with_capacity(rows.len());
    for row in &rows {
        let usage_type = text(row, "usage_type").unwrap_or_default();
        let model = classify::model(
            text(row, "model").as_deref(),
            text(row, "product_name").as_deref(),
            &usage_type,
        );
        let provider = classify::provider_type(
            text(row, "billing_entity").as_deref(),
            text(row, "provider").as_deref(),
            &model,
        );
        let kind = classify::token_kind(&usage_type);
        let per_unit = classify::tokens_per_unit(
            text(row, "unit").as_deref(),
            text(row, "description").as_deref(),
            kind,
        );
        lines.push(Line {
            account: text(row, "account_id").unwrap_or_default(),
            model,
            provider,
            pricing: classify::pricing_model(&usage_type),
            kind,
            profile: classify::profile(text(row, "resource_id").as_deref()),
            team: text(row, "team"),
            app: text(row, "app"),
            department: text(row, "department"),
            extra: (0..tags.len())
                .map(|i| text(row, &format!("extra_{i}")))
                .collect(),
            cost: number(row, "cost"),
            tokens: number(row, "usage") * per_unit,
        });
    }
    Ok(lines)
}

/// The prices each model was billed at (on-demand input, output and cache read).
fn model_prices(lines: &[Line]) -> Vec<ModelPrice> {
    #[derive(Default)]
    struct Sums {
        provider: Option<ProviderType>,
        cost: f64,
        tokens: f64,
        by_kind: BTreeMap<&'static str, (f64, f64)>,
    }
    let mut models: BTreeMap<String, Sums> = BTreeMap::new();
    for line in lines {
        let sums = models.entry(line.model.clone()).or_default();
        sums.provider = Some(line.provider);
        sums.cost += line.cost;
        sums.tokens += line.tokens;
        let kind = match (line.kind, line.pricing) {
            (TokenKind::Input, "on-demand") => "input",
            (TokenKind::Output, "on-demand") => "output",
            (TokenKind::CacheRead, _) => "cache-read",
            _ => continue,
        };
        let entry = sums.by_kind.entry(kind).or_default();
        entry.0 += line.cost;
        entry.1 += line.tokens;
    }
    models
        .into_iter()
        .map(|(model, sums)| {
            let per_million = |kind: &str| {
                sums.by_kind
                    .get(kind)
                    .filter(|(_, tokens)| *tokens > 0.0)
                    .map(|(cost, tokens)| cost / tokens * 1e6)
            };
            let cache_read = per_million("cache-read");
            // Without input lines, cache reads are priced at 0.1x input (FORMATS §4).
            let input = per_million("input").or(cache_read.map(|r| r * 10.0));
            ModelPrice {
                provider_type: sums.provider.unwrap_or(ProviderType::SecondParty),
                cost: sums.cost,
                tokens: sums.tokens,
                input_per_million: input,
                output_per_million: per_million("output"),
                cache_read_per_million: cache_read,
                model,
            }
        })
        .collect()
}

/// Cost, tokens and (cost, tokens) per model.
type Usage = (f64, f64, BTreeMap<String, (f64, f64)>);

fn departments(lines: &[Line]) -> Vec<DepartmentUse> {
    let mut by: BTreeMap<String, Usage> = BTreeMap::new();
    for line in lines {
        let department = line
            .department
            .clone()
            .unwrap_or_else(|| NONE_LABEL.to_string());
        let entry = by.entry(department).or_default();
        entry.0 += line.cost;
        entry.1 += line.tokens;
        let model = entry.2.entry(line.model.clone()).or_default();
        model.0 += line.cost;
        model.1 += line.tokens;
    }
    let mut out: Vec<DepartmentUse> = by
        .into_iter()
        .map(|(department, (cost, tokens, models))| {
            let (main_model, (model_cost, model_tokens)) = models
                .into_iter()
                .max_by(|a, b| a.1.0.total_cmp(&b.1.0))
                .unwrap_or_default();
            DepartmentUse {
                department,
                cost,
                tokens,
                cost_per_million_tokens: (tokens > 0.0).then(|| cost / tokens * 1e6),
                main_model,
                main_model_cost_per_million_tokens: (model_tokens > 0.0)
                    .then(|| model_cost / model_tokens * 1e6),
                main_model_share: if cost.abs() > 1e-9 {
                    model_cost / cost
                } else {
                    0.0
                },
            }
        })
        .collect();
    out.sort_by(|a, b| b.cost.total_cmp(&a.cost));
    out
}

/// Pairs of departments whose token volumes are within a factor of 1.5 of each other and
/// whose cost per token differs by 1.5x or more, most different first.
fn compare(departments: &[DepartmentUse]) -> Vec<Comparison> {
    let mut out = Vec::new();
    for higher in departments {
        for lower in departments {
            let (Some(high_rate), Some(low_rate)) = (
                higher.cost_per_million_tokens,
                lower.cost_per_million_tokens,
            ) else {
                continue;
            };
            if higher.department == lower.department || low_rate <= 0.0 || lower.tokens <= 0.0 {
                continue;
            }
            let token_ratio = higher.tokens / lower.tokens;
            if !(1.0 / 1.5..=1.5).contains(&token_ratio) || high_rate / low_rate < 1.5 {
                continue;
            }
            let cost_ratio = higher.cost / lower.cost;
            let describe = |d: &DepartmentUse| {
                format!(
                    "{} pays ${:.2} for {:.0}M tokens ({:.0}% on {} at ${:.2} per million tokens)",
                    d.department,
                    d.cost,
                    d.tokens / 1e6,
                    d.main_model_share * 100.0,
                    d.main_model,
                    d.main_model_cost_per_million_tokens.unwrap_or(0.0)
                )
            };
            let why = if higher.main_model != lower.main_model {
                format!(
                    "{}; {}: {:.1}x the cost for {:.2}x the tokens, because {} uses {} and {} uses {}",
                    describe(higher),
                    describe(lower),
                    cost_ratio,
                    token_ratio,
                    higher.department,
                    higher.main_model,
                    lower.department,
                    lower.main_model
                )
            } else {
                format!(
                    "{}; {}: {:.1}x the cost for {:.2}x the tokens on the same main model \
                     (the mix of other models and token kinds differs)",
                    describe(higher),
                    describe(lower),
                    cost_ratio,
                    token_ratio
                )
            };
            out.push(Comparison {
                higher: higher.department.clone(),
                lower: lower.department.clone(),
                cost_ratio,
                token_ratio,
                why,
            });
        }
    }
    out.sort_by(|a, b| b.cost_ratio.total_cmp(&a.cost_ratio));
    out
}
