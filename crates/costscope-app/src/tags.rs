//! Tag policy compliance: coverage of required tags, the largest untagged resources,
//! inconsistent values (`docs/tags.md`).

use costscope_analytics::tags::{self, Granularity, Measure, TagOptions, TagReport};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{App, Document, Principal, Result, document};

/// What to check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TagsRequest {
    /// Required tag keys: `department` or the CUR 2.0 form `user_department`.
    pub required: Vec<String>,
    pub measure: Measure,
    /// `daily`, `weekly` or `monthly` coverage periods.
    pub granularity: Granularity,
    /// First day included, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// First day excluded, `YYYY-MM-DD`.
    pub to: Option<String>,
    /// The currency to report when costs are billed in several.
    pub currency: Option<String>,
    /// Allocation rules deciding each line's team (default: the `team` tag).
    pub rules: Option<Document>,
    /// Untagged resources to list.
    pub top: usize,
    /// Look for inconsistent values in every tag key, not only the required ones.
    pub all_keys: bool,
    /// Also group values one typo apart.
    pub fuzzy: bool,
    /// Report 0% for required keys no line item carries instead of refusing them.
    pub allow_absent: bool,
}

impl Default for TagsRequest {
    fn default() -> Self {
        let defaults = TagOptions::default();
        TagsRequest {
            required: Vec::new(),
            measure: defaults.measure,
            granularity: defaults.granularity,
            from: None,
            to: None,
            currency: None,
            rules: None,
            top: defaults.top,
            all_keys: false,
            fuzzy: false,
            allow_absent: false,
        }
    }
}

/// The tag compliance report.
pub type TagsResponse = TagReport;

impl TagsRequest {
    /// The report's options, dates checked.
    pub fn options(&self) -> Result<TagOptions> {
        let date = |flag: &str, text: &Option<String>| {
            text.as_deref()
                .map(|d| tags::parse_date(flag, d))
                .transpose()
        };
        Ok(TagOptions {
            required: self.required.clone(),
            measure: self.measure,
            granularity: self.granularity,
            from: date("--from", &self.from)?,
            to: date("--to", &self.to)?,
            currency: self.currency.clone(),
            team: document::team(self.rules.as_ref())?,
            top: self.top,
            values_of_all_keys: self.all_keys,
            fuzzy_values: self.fuzzy,
            allow_absent_keys: self.allow_absent,
        })
    }
}

impl App {
    /// Tag coverage and consistency over what `principal` may see.
    pub async fn tags(&self, principal: &Principal, request: &TagsRequest) -> Result<TagsResponse> {
        self.audit_read(principal, "analysis.tags", request, async {
            let options = request.options()?;
            self.cached("tags", principal, request, async || {
                let session = self.session(principal).await?;
                Ok(tags::tag_report(&session, &options).await?)
            })
            .await
        })
        .await
    }
}
