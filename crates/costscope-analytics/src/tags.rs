//! Tag policy compliance: how much of the taggable cost, and how many resources, carry
//! each required tag key (per account and per team, over time); the largest resources
//! missing a required key; and tag values that differ only in case or spelling.
//!
//! The work is two aggregations. The first scans the lake once through the principal's
//! session and groups line items by period, account, team, resource, service, usage type,
//! line-item type, currency and the raw value of each required key. That result is small
//! (thousands of rows where the lake has millions), so every section of the report is
//! then computed by SQL over it in a scratch space of the session, which adds no table
//! to the session itself.
//!
//! What counts: only usage lines (`Usage`, `DiscountedUsage`, `SavingsPlanCoveredUsage`)
//! belong to a resource that can carry tags. Tax, support and other fees, credits,
//! refunds, RI fees and the Savings Plan negation and recurring fee lines are left out of
//! the coverage and reported apart as untaggable cost.

mod keys;
mod sql;
mod values;

use chrono::NaiveDate;
use costscope_core::TeamExpr;
use costscope_query::{Scratch, Session};
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::source::Source;
use crate::{Result, records};

pub use keys::RequiredKey;
pub use values::{ValueGroup, ValueVariant};

/// The `key` of coverage rows that count line items and resources carrying every
/// required key at once (`*` cannot be part of an AWS tag key).
pub const ALL_REQUIRED: &str = "*";

/// Line-item types whose cost belongs to a resource that can carry tags.
pub const TAGGABLE_LINE_ITEM_TYPES: [&str; 3] =
    ["Usage", "DiscountedUsage", "SavingsPlanCoveredUsage"];

pub use costscope_core::{CostMeasure as Measure, Granularity};

/// Parses a `YYYY-MM-DD` date, naming `what` (e.g. `--from`) in the error.
pub fn parse_date(what: &str, text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| Error::InvalidArgument(format!("{what}: `{text}` is not a date (YYYY-MM-DD)")))
}

/// What to report on.
#[derive(Debug, Clone)]
pub struct TagOptions {
    /// Required tag keys: `department` or its CUR 2.0 form `user_department`.
    pub required: Vec<String>,
    pub measure: Measure,
    pub granularity: Granularity,
    /// First day included (line-item usage start); `None`: from the first data.
    pub from: Option<NaiveDate>,
    /// First day excluded; `None`: to the last data.
    pub to: Option<NaiveDate>,
    /// The currency to report; `None`: the only one billed (an error if several are).
    pub currency: Option<String>,
    /// Who owns a line item (by default the `user_team` tag). Empty or NULL means no
    /// team.
    pub team: TeamExpr,
    /// How many untagged resources to list.
    pub top: usize,
    /// Look for inconsistent values in every tag key, not only the required ones.
    pub values_of_all_keys: bool,
    /// Also group values one typo apart (`platfrom` / `platform`; 5+ characters,
    /// digits never count as typos).
    pub fuzzy_values: bool,
    /// Report 0% for a required key no line item carries instead of refusing it as a
    /// probable misspelling.
    pub allow_absent_keys: bool,
}

impl Default for TagOptions {
    fn default() -> Self {
        TagOptions {
            required: Vec::new(),
            measure: Measure::default(),
            granularity: Granularity::default(),
            from: None,
            to: None,
            currency: None,
            team: TeamExpr::default(),
            top: 20,
            values_of_all_keys: false,
            fuzzy_values: false,
            allow_absent_keys: false,
        }
    }
}

/// What a coverage row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Every account.
    Overall,
    /// One usage account (`scope_id` the account id, `scope_name` its name).
    Account,
    /// One team (`scope_id` the team; NULL for line items without a team).
    Team,
}

/// Coverage of one required key (or [`ALL_REQUIRED`]) in one scope and period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverageRow {
    /// First day of the period (`YYYY-MM-DD`); `None` in [`TagReport::totals`].
    pub period: Option<String>,
    pub scope: Scope,
    pub scope_id: Option<String>,
    pub scope_name: Option<String>,
    /// The tag key as users write it (`department`), or `*` for all required keys.
    pub key: String,
    /// Taggable cost of line items carrying the key.
    pub cost_tagged: f64,
    /// All taggable cost in the scope and period.
    pub cost_total: f64,
    /// `100 * cost_tagged / cost_total`; `None` when the total is 0.
    pub cost_pct: Option<f64>,
    /// Resources with at least one line item carrying the key.
    pub resources_tagged: i64,
    /// Distinct non-empty `line_item_resource_id` of taggable line items.
    pub resources_total: i64,
    pub resources_pct: Option<f64>,
}

/// Cost of line items that cannot carry tags, by line-item type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UntaggableCost {
    pub line_item_type: String,
    pub cost: f64,
}

/// A resource with taggable cost on line items missing at least one required key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UntaggedResource {
    pub resource_id: String,
    pub account_id: String,
    pub account_name: Option<String>,
    /// `line_item_product_code`.
    pub service: Option<String>,
    /// The usage type with the most untagged cost.
    pub usage_type: Option<String>,
    /// Cost of the resource's line items missing at least one required key.
    pub cost: f64,
    /// Required keys absent from at least one of those line items.
    pub missing_keys: Vec<String>,
}

/// The tag policy compliance report.
#[derive(Debug, Clone, Serialize)]
pub struct TagReport {
    pub required: Vec<RequiredKey>,
    pub measure: Measure,
    pub granularity: Granularity,
    /// The requested range (`to` excluded), as given.
    pub from: Option<String>,
    pub to: Option<String>,
    /// The currency of every amount; `None` when there is no data.
    pub currency: Option<String>,
    /// The line-item types the coverage measures.
    pub taggable_line_item_types: Vec<String>,
    /// Coverage over the whole range: overall, per account, per team.
    pub totals: Vec<CoverageRow>,
    /// Coverage per period: overall, per account, per team.
    pub coverage: Vec<CoverageRow>,
    /// Cost of line items that cannot carry tags (not in the coverage).
    pub untaggable_cost: f64,
    pub untaggable: Vec<UntaggableCost>,
    /// Resources with the most untagged cost, most first.
    pub top_untagged: Vec<UntaggedResource>,
    /// Values of one key that are probably meant to be the same.
    pub inconsistent_values: Vec<ValueGroup>,
}

/// Builds the tag policy compliance report over `session`'s data.
#[tracing::instrument(skip_all, fields(required = ?options.required))]
pub async fn tag_report(session: &Session, options: &TagOptions) -> Result<TagReport> {
    let required = keys::parse_required(&options.required)?;
    options
        .measure
        .supported_by("tag coverage", &Measure::BILLED)?;
    options
        .granularity
        .supported_by("tag coverage", &Granularity::CALENDAR)?;
    if let (Some(from), Some(to)) = (options.from, options.to)
        && from >= to
    {
        return Err(Error::InvalidArgument(format!(
            "the range is empty: --from {from} is not before --to {to}"
        )));
    }
    let plan = sql::Plan {
        required: &required,
        measure: options.measure,
        granularity: options.granularity,
        from: options.from,
        to: options.to,
        team: &options.team,
        source: Source::choose(
            session,
            &sql::Plan::reads(&required, options.granularity, &options.team),
        ),
    };
    let lines = session.sql(&plan.lines_query()).await?;
    let local = session.scratch(sql::LINES, lines)?;

    let mut report = TagReport {
        required: required.clone(),
        measure: options.measure,
        granularity: options.granularity,
        from: options.from.map(|d| d.to_string()),
        to: options.to.map(|d| d.to_string()),
        currency: None,
        taggable_line_item_types: TAGGABLE_LINE_ITEM_TYPES.map(String::from).to_vec(),
        totals: Vec::new(),
        coverage: Vec::new(),
        untaggable_cost: 0.0,
        untaggable: Vec::new(),
        top_untagged: Vec::new(),
        inconsistent_values: Vec::new(),
    };
    let Some(currency) = choose_currency(&local, options.currency.as_deref()).await? else {
        return Ok(report);
    };
    if !options.allow_absent_keys {
        refuse_absent_keys(session, &local, &plan).await?;
    }
    report.coverage = local_query(&local, &plan.coverage_query(&currency, true)).await?;
    report.totals = local_query(&local, &plan.coverage_query(&currency, false)).await?;
    report.untaggable = local_query(&local, &plan.untaggable_query(&currency)).await?;
    report.untaggable_cost = report.untaggable.iter().map(|u| u.cost).sum();
    report.top_untagged = top_untagged(&local, &plan, &currency, options.top).await?;

    let mut counts: Vec<values::ValueCount> =
        local_query(&local, &plan.required_values_query(&currency)).await?;
    if options.values_of_all_keys {
        let others: Vec<values::ValueCount> =
            records::query(session, &plan.all_values_query(&currency)).await?;
        counts.extend(others.into_iter().filter_map(|mut row| {
            let key = keys::display_name(&row.key);
            // Required keys were counted above, under the name the caller used.
            (!required.iter().any(|r| r.tag_key == row.key)).then(|| {
                row.key = key;
                row
            })
        }));
    }
    report.inconsistent_values = values::inconsistent(counts, options.fuzzy_values);
    report.currency = Some(currency);
    Ok(report)
}

/// Runs `query` over the scratch table and decodes its rows.
async fn local_query<T: serde::de::DeserializeOwned>(ctx: &Scratch, query: &str) -> Result<Vec<T>> {
    records::decode(&ctx.sql(query).await?)
}

/// The currency to report in: the requested one, or the only one billed.
async fn choose_currency(ctx: &Scratch, requested: Option<&str>) -> Result<Option<String>> {
    #[derive(Deserialize)]
    struct Row {
        currency: Option<String>,
    }
    let rows: Vec<Row> = local_query(ctx, &sql::currencies_query()).await?;
    let billed: Vec<String> = rows.into_iter().filter_map(|r| r.currency).collect();
    match requested {
        Some(wanted) if billed.iter().any(|c| c == wanted) => Ok(Some(wanted.to_string())),
        Some(wanted) => Err(Error::InvalidArgument(format!(
            "no costs in currency `{wanted}` in the range; billed: {}",
            listing(&billed)
        ))),
        None if billed.len() > 1 => Err(Error::InvalidArgument(format!(
            "costs are billed in several currencies ({}): choose one",
            billed.join(", ")
        ))),
        None => Ok(billed.into_iter().next()),
    }
}

/// Refuses required keys that no line item in the range carries: most likely misspelt.
async fn refuse_absent_keys(session: &Session, ctx: &Scratch, plan: &sql::Plan<'_>) -> Result<()> {
    #[derive(Deserialize)]
    struct Row {
        present: Vec<bool>,
    }
    let rows: Vec<Row> = local_query(ctx, &plan.presence_query()).await?;
    let present = rows
        .into_iter()
        .next()
        .map(|r| r.present)
        .unwrap_or_default();
    let absent: Vec<&RequiredKey> = plan
        .required
        .iter()
        .zip(present.iter().chain(std::iter::repeat(&false)))
        .filter(|(_, present)| !**present)
        .map(|(key, _)| key)
        .collect();
    if absent.is_empty() {
        return Ok(());
    }
    #[derive(Deserialize)]
    struct KeyRow {
        key: String,
    }
    let known: Vec<KeyRow> = records::query(session, &plan.known_keys_query()).await?;
    let known: Vec<String> = known
        .into_iter()
        .map(|k| keys::display_name(&k.key))
        .collect();
    let names: Vec<String> = absent
        .iter()
        .map(|k| format!("`{}` ({})", k.key, k.tag_key))
        .collect();
    Err(Error::InvalidArgument(format!(
        "no line item in the range carries the tag key {}; tag keys present: {}",
        names.join(", "),
        listing(&known)
    )))
}

fn listing(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.join(", ")
    }
}

/// The resources with the most cost on line items missing a required key.
async fn top_untagged(
    ctx: &Scratch,
    plan: &sql::Plan<'_>,
    currency: &str,
    top: usize,
) -> Result<Vec<UntaggedResource>> {
    #[derive(Deserialize)]
    struct Row {
        resource_id: String,
        account_id: String,
        account_name: Option<String>,
        service: Option<String>,
        usage_type: Option<String>,
        cost: f64,
        missing: Vec<Option<bool>>,
    }
    let rows: Vec<Row> = local_query(ctx, &plan.untagged_query(currency, top)).await?;
    Ok(rows
        .into_iter()
        .map(|row| UntaggedResource {
            missing_keys: plan
                .required
                .iter()
                .zip(&row.missing)
                .filter(|(_, missing)| missing.unwrap_or(false))
                .map(|(key, _)| key.key.clone())
                .collect(),
            resource_id: row.resource_id,
            account_id: row.account_id,
            account_name: row.account_name,
            service: row.service,
            usage_type: row.usage_type,
            cost: row.cost,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_and_granularities_parse_or_name_the_choices() {
        assert_eq!(
            "net-amortized".parse::<Measure>().ok(),
            Some(Measure::NetAmortized)
        );
        assert_eq!(
            "Weekly".parse::<Granularity>().ok(),
            Some(Granularity::Weekly)
        );
        let message = "blended"
            .parse::<Measure>()
            .expect_err("unknown")
            .to_string();
        assert!(message.contains("blended") && message.contains("amortized"));
        let message = Granularity::Hourly
            .supported_by("tag coverage", &Granularity::CALENDAR)
            .expect_err("not for tags")
            .to_string();
        assert!(message.contains("hourly") && message.contains("monthly"));
    }

    #[test]
    fn dates_parse_or_name_the_option() {
        assert!(parse_date("--from", "2026-09-01").is_ok());
        let message = parse_date("--to", "2026-13-01")
            .expect_err("bad")
            .to_string();
        assert!(message.contains("--to") && message.contains("2026-13-01"));
    }
}
