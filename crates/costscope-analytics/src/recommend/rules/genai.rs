//! GenAI (Bedrock first-party models, per inference profile and model): a cheaper model of
//! the same family, batch inference for usage that does not follow office hours, and prompt
//! caching when input tokens dominate and nothing is read from a cache. All three draw on
//! the same tokens, so one profile's recommendations are alternatives (the largest counts).

use std::collections::BTreeMap;

use super::{Context, Draft, usd};
use crate::recommend::usage::UsageRow;
use crate::recommend::{Category, Effort, Recommendation};

/// Tiers of each model family, most expensive first.
const TIERS: &[(&str, &[&str])] = &[
    ("Claude", &["Opus", "Sonnet", "Haiku"]),
    ("Nova", &["Premier", "Pro", "Lite", "Micro"]),
];

/// Usage spread around the clock: less than this share in office hours (which are 30% of
/// the week) means nobody waits for the answer.
pub const MAX_OFFICE_SHARE_FOR_BATCH: f64 = 0.45;

/// Prompt caching applies when input tokens are at least this many times the output.
pub const MIN_INPUT_TO_OUTPUT_FOR_CACHING: f64 = 3.0;

/// The share of input tokens assumed to be a repeated prefix (system prompt, context).
pub const ASSUMED_CACHEABLE_SHARE: f64 = 0.5;

/// Which tokens a usage type counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Input,
    Output,
    CacheRead,
    CacheWrite,
}

/// `Claude4.6Sonnet-input-tokens` → (`Claude4.6Sonnet`, Input).
fn parse(usage_type: &str) -> Option<(&str, Kind)> {
    let (model, rest) = usage_type.split_once('-')?;
    let kind = match rest {
        "input-tokens" => Kind::Input,
        "output-tokens" => Kind::Output,
        "cache-read-input-token-count" => Kind::CacheRead,
        "cache-write-input-token-count" => Kind::CacheWrite,
        _ => return None,
    };
    Some((model, kind))
}

/// The next cheaper tier of `model`'s family that the price table knows (the latest
/// version when several).
fn cheaper_model<'a>(cx: &'a Context<'_>, model: &str) -> Option<&'a str> {
    let (family, tiers) = TIERS.iter().find(|(f, _)| model.starts_with(f))?;
    let position = tiers.iter().position(|t| model.ends_with(t))?;
    let next = tiers.get(position + 1)?;
    cx.prices
        .with_prefix("bedrock/")
        .filter_map(|(key, _)| key.strip_prefix("bedrock/")?.strip_suffix("/input"))
        .filter(|m| m.starts_with(family) && m.ends_with(next))
        .max()
}

#[derive(Default)]
struct Profile<'a> {
    row: Option<&'a UsageRow>,
    tokens: BTreeMap<Kind, f64>,
    cost: BTreeMap<Kind, f64>,
    office_input: f64,
}

pub(crate) fn bedrock(cx: &Context<'_>) -> Vec<Recommendation> {
    let mut profiles: BTreeMap<(&str, &str), Profile<'_>> = BTreeMap::new();
    for row in cx
        .rows
        .iter()
        .filter(|r| r.product_code.starts_with("AmazonBedrock"))
    {
        let Some((model, kind)) = parse(&row.usage_type) else {
            continue;
        };
        let p = profiles.entry((&row.resource_id, model)).or_default();
        p.row = p.row.or(Some(row));
        *p.tokens.entry(kind).or_default() += row.usage;
        *p.cost.entry(kind).or_default() += row.cost;
        if kind == Kind::Input {
            p.office_input += row.office_usage;
        }
    }
    let cache_read = cx.price("bedrock/cache-read-factor").unwrap_or(0.1);
    let mut out = Vec::new();
    for ((resource, model), p) in &profiles {
        let Some(row) = p.row else { continue };
        let tokens = |k| p.tokens.get(&k).copied().unwrap_or(0.0);
        let cost = |k| p.cost.get(&k).copied().unwrap_or(0.0);
        let total_cost: f64 = p.cost.values().sum();
        let draft = |rule, effort, recommended: String, saving: f64, explanation: String| {
            Draft {
                rule,
                category: Category::Genai,
                effort,
                row,
                resource_id: resource.to_string(),
                pool: "bedrock-tokens",
                current: model.to_string(),
                recommended,
                monthly_cost: cx.monthly(total_cost),
                monthly_saving: saving,
                explanation,
            }
            .build()
        };
        // Per 1K tokens (CUR usage unit) from per-1M prices.
        let price =
            |m: &str, side: &str| cx.price(&format!("bedrock/{m}/{side}")).map(|p| p / 1000.0);
        if let Some(target) = cheaper_model(cx, model)
            && let (Some(ci), Some(co), Some(ti), Some(to)) = (
                price(model, "input"),
                price(model, "output"),
                price(target, "input"),
                price(target, "output"),
            )
        {
            let window_saving = tokens(Kind::Input) * (ci - ti)
                + tokens(Kind::Output) * (co - to)
                + tokens(Kind::CacheRead) * (ci - ti) * cache_read;
            let saving = cx.monthly(window_saving);
            out.push(draft(
                "cheaper-model",
                Effort::Medium,
                target.to_string(),
                saving,
                format!(
                    "{:.0}K input × ({} − {}) + {:.0}K output × ({} − {}) + {:.0}K cache reads × ({} − {}) × {cache_read} per 1K tokens, × 730/720 = {}/month, if {target} answers well enough for this use",
                    tokens(Kind::Input),
                    usd(ci),
                    usd(ti),
                    tokens(Kind::Output),
                    usd(co),
                    usd(to),
                    tokens(Kind::CacheRead),
                    usd(ci),
                    usd(ti),
                    usd(saving)
                ),
            ));
        }
        let input = tokens(Kind::Input);
        if input > 0.0 {
            let office_share = p.office_input / input;
            if office_share < MAX_OFFICE_SHARE_FOR_BATCH
                && let Some(discount) = cx.price("bedrock/batch-discount")
            {
                let on_demand = cost(Kind::Input) + cost(Kind::Output);
                let saving = cx.monthly(on_demand * discount);
                out.push(draft(
                    "bedrock-batch",
                    Effort::Medium,
                    "batch inference".into(),
                    saving,
                    format!(
                        "only {:.0}% of input tokens in office hours (steady, nobody waits): {} of input and output × {:.0}% batch discount × 730/720 = {}/month",
                        office_share * 100.0,
                        usd(on_demand),
                        discount * 100.0,
                        usd(saving)
                    ),
                ));
            }
            let output = tokens(Kind::Output);
            if tokens(Kind::CacheRead) == 0.0 && input >= MIN_INPUT_TO_OUTPUT_FOR_CACHING * output {
                let saving =
                    cx.monthly(cost(Kind::Input) * ASSUMED_CACHEABLE_SHARE * (1.0 - cache_read));
                out.push(draft(
                    "prompt-caching",
                    Effort::Medium,
                    "prompt caching".into(),
                    saving,
                    format!(
                        "input is {:.1}× output and nothing is read from a cache: {} of input × {:.0}% assumed repeated prefix × (1 − {cache_read}) × 730/720 = {}/month",
                        input / output.max(f64::MIN_POSITIVE),
                        usd(cost(Kind::Input)),
                        ASSUMED_CACHEABLE_SHARE * 100.0,
                        usd(saving)
                    ),
                ));
            }
        }
    }
    out
}
