//! What a Bedrock CUR line says: model, provider type, pricing model, token kind, tokens
//! per unit of usage and inference profile (FORMATS §3.3).

use serde::{Deserialize, Serialize};

/// Product codes of first- and second-party Bedrock billing (CUDOS accepts all four).
pub const BEDROCK_PRODUCT_CODES: [&str; 4] = [
    "AmazonBedrock",
    "AmazonBedrockService",
    "AmazonBedrockFoundationModels",
    "AmazonBedrockAgentCore",
];

/// The suffix of Marketplace-billed Bedrock models' product names.
pub const MARKETPLACE_SUFFIX: &str = " (Amazon Bedrock Edition)";

/// Who sells the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProviderType {
    /// Amazon's own models (Nova, Titan), billed by AWS.
    FirstParty,
    /// Other providers' models sold and billed by AWS (Anthropic, Meta … on Bedrock).
    SecondParty,
    /// Third-party models billed through AWS Marketplace.
    ThirdParty,
}

impl ProviderType {
    pub fn name(self) -> &'static str {
        match self {
            ProviderType::FirstParty => "first-party",
            ProviderType::SecondParty => "second-party",
            ProviderType::ThirdParty => "third-party",
        }
    }
}

/// The model of a line: `product['model']`, else the Marketplace product name without its
/// suffix, else the second dash-separated part of the usage type (as CUDOS does).
pub fn model(model: Option<&str>, product_name: Option<&str>, usage_type: &str) -> String {
    if let Some(model) = model.filter(|m| !m.is_empty()) {
        return model.to_string();
    }
    if let Some(name) = product_name.and_then(|n| n.strip_suffix(MARKETPLACE_SUFFIX)) {
        return name.to_string();
    }
    usage_type
        .split('-')
        .nth(1)
        .filter(|m| !m.is_empty())
        .unwrap_or(usage_type)
        .to_string()
}

/// The provider type from the billing entity and the model's provider.
pub fn provider_type(
    billing_entity: Option<&str>,
    provider: Option<&str>,
    model: &str,
) -> ProviderType {
    if billing_entity == Some("AWS Marketplace") {
        return ProviderType::ThirdParty;
    }
    let amazon = provider.is_some_and(|p| p.eq_ignore_ascii_case("amazon"))
        || ["Amazon", "Nova", "Titan"]
            .iter()
            .any(|p| model.starts_with(p));
    if amazon {
        ProviderType::FirstParty
    } else {
        ProviderType::SecondParty
    }
}

/// The pricing model from the usage type: `cache-read`, `cache-write`, `batch`,
/// `provisioned`, `reserved`, `flex`, `priority` or `on-demand`.
pub fn pricing_model(usage_type: &str) -> &'static str {
    let lower = usage_type.to_ascii_lowercase();
    if lower.contains("cache-read") || lower.contains("cacheread") {
        "cache-read"
    } else if lower.contains("cache-write") || lower.contains("cachewrite") {
        "cache-write"
    } else if lower.contains("batch") {
        "batch"
    } else if lower.contains("provisioned") {
        "provisioned"
    } else if lower.contains("reserved") {
        "reserved"
    } else if lower.contains("-flex") {
        "flex"
    } else if lower.contains("-priority") {
        "priority"
    } else {
        "on-demand"
    }
}

/// Which tokens a line counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Input,
    Output,
    CacheRead,
    CacheWrite,
    /// Not tokens (provisioned model units, guardrail text units …).
    Other,
}

/// The token kind of a usage type.
pub fn token_kind(usage_type: &str) -> TokenKind {
    let lower = usage_type.to_ascii_lowercase();
    if lower.contains("cache-read") || lower.contains("cacheread") {
        TokenKind::CacheRead
    } else if lower.contains("cache-write") || lower.contains("cachewrite") {
        TokenKind::CacheWrite
    } else if lower.contains("output") {
        TokenKind::Output
    } else if lower.contains("input") {
        TokenKind::Input
    } else {
        TokenKind::Other
    }
}

/// Tokens per unit of usage: `1K tokens` → 1000; Marketplace `Units` of "Million … Tokens"
/// → 1,000,000; `tokens` → 1; anything else is not counted in tokens (0).
pub fn tokens_per_unit(unit: Option<&str>, description: Option<&str>, kind: TokenKind) -> f64 {
    if kind == TokenKind::Other {
        return 0.0;
    }
    let unit = unit.unwrap_or("").to_ascii_lowercase();
    let description = description.unwrap_or("").to_ascii_lowercase();
    if unit.contains("1k") || unit.contains("1,000") || unit.contains("thousand") {
        1000.0
    } else if unit.contains("million") || description.contains("million") || unit == "units" {
        1_000_000.0
    } else if unit.contains("token") {
        1.0
    } else {
        0.0
    }
}

/// The inference profile of a resource id: `application-inference-profile/<id>` or
/// `inference-profile/<id>` (the sixth `:` part of the ARN, as CUDOS takes it).
pub fn profile(resource_id: Option<&str>) -> Option<String> {
    let arn = resource_id?;
    let resource = arn.splitn(6, ':').nth(5)?;
    resource
        .contains("inference-profile/")
        .then(|| resource.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bedrock_lines_are_classified() {
        assert_eq!(
            model(
                None,
                Some("Llama Nemotron Super (Amazon Bedrock Edition)"),
                "USE1-MP:x"
            ),
            "Llama Nemotron Super"
        );
        assert_eq!(
            model(None, None, "USE1-Claude4.6Sonnet-input-tokens"),
            "Claude4.6Sonnet"
        );
        assert_eq!(
            provider_type(Some("AWS Marketplace"), None, "Llama"),
            ProviderType::ThirdParty
        );
        assert_eq!(
            provider_type(Some("AWS"), Some("Amazon"), "Amazon Nova Lite"),
            ProviderType::FirstParty
        );
        assert_eq!(
            provider_type(Some("AWS"), Some("Anthropic"), "Claude Sonnet 4.6"),
            ProviderType::SecondParty
        );
        assert_eq!(
            pricing_model("USE1-Claude4.5Haiku-cache-read-input-token-count"),
            "cache-read"
        );
        assert_eq!(pricing_model("USE1-NovaPro-batch-input-tokens"), "batch");
        assert_eq!(pricing_model("USE1-NovaPro-input-tokens"), "on-demand");
        assert_eq!(
            token_kind("USE1-MP:USE1_OutputTokenCount-Units"),
            TokenKind::Output
        );
        assert_eq!(
            token_kind("USE1-Claude4.5Haiku-cache-read-input-token-count"),
            TokenKind::CacheRead
        );
        assert_eq!(
            tokens_per_unit(Some("1K tokens"), None, TokenKind::Input),
            1000.0
        );
        assert_eq!(
            tokens_per_unit(
                Some("Units"),
                Some("Million Input Tokens"),
                TokenKind::Input
            ),
            1e6
        );
        assert_eq!(
            profile(Some(
                "arn:aws:bedrock:us-east-1:555555555555:application-inference-profile/957327e3d26a"
            ))
            .as_deref(),
            Some("application-inference-profile/957327e3d26a")
        );
        assert_eq!(profile(Some("i-0abc")), None);
    }
}
