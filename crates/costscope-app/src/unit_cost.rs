//! Unit economics: cost per unit of a business or bill metric over time, ROI and margin
//! (`docs/unit-cost.md`).

use costscope_analytics::unit_cost::{
    self, Classification, Scope, UnitCostOptions, UnitCostReport, parse_day,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{App, Document, Principal, Result};

/// What to divide by what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitCostRequest {
    /// A business metric (from `ingest metrics`) or a bill metric (`lambda-requests` …).
    pub metric: String,
    /// Restrictions of the cost: `tag:KEY=VALUE`, `account=ID|NAME`, `service=CODE`.
    #[serde(default)]
    pub scope: Vec<String>,
    /// `daily`, `weekly` or `monthly` (default).
    #[serde(default = "monthly")]
    pub granularity: String,
    /// `unblended`, `amortized` (default), `net-unblended`, `net-amortized` or `public`.
    #[serde(default = "amortized")]
    pub measure: String,
    /// Static/variable rules checked before the built-in ones.
    #[serde(default)]
    pub classification: Option<Document>,
    /// The business metric holding revenue, for ROI and margin.
    #[serde(default = "revenue")]
    pub revenue_metric: String,
    /// First day included, `YYYY-MM-DD`.
    #[serde(default)]
    pub start: Option<String>,
    /// First day excluded, `YYYY-MM-DD`.
    #[serde(default)]
    pub end: Option<String>,
}

fn monthly() -> String {
    "monthly".into()
}

fn amortized() -> String {
    "amortized".into()
}

fn revenue() -> String {
    "revenue".into()
}

impl UnitCostRequest {
    /// Monthly amortized cost per unit of `metric` over the whole bill.
    pub fn new(metric: impl Into<String>) -> Self {
        UnitCostRequest {
            metric: metric.into(),
            scope: Vec::new(),
            granularity: monthly(),
            measure: amortized(),
            classification: None,
            revenue_metric: revenue(),
            start: None,
            end: None,
        }
    }

    /// The analysis options, every value checked.
    pub fn options(&self) -> Result<UnitCostOptions> {
        let scope = self
            .scope
            .iter()
            .map(|s| s.parse::<Scope>())
            .collect::<Result<Vec<_>, _>>()?;
        let classification = match &self.classification {
            Some(document) => Classification::parse(&document.text, &document.origin)?,
            None => Classification::default(),
        };
        Ok(UnitCostOptions {
            scope,
            granularity: self.granularity.parse()?,
            measure: self.measure.parse()?,
            classification,
            revenue_metric: self.revenue_metric.clone(),
            start: self.start.as_deref().map(parse_day).transpose()?,
            end: self.end.as_deref().map(parse_day).transpose()?,
            ..UnitCostOptions::new(self.metric.clone())
        })
    }
}

/// The unit-cost report.
pub type UnitCostResponse = UnitCostReport;

impl App {
    /// Cost per unit over what `principal` may see.
    pub async fn unit_cost(
        &self,
        principal: &Principal,
        request: &UnitCostRequest,
    ) -> Result<UnitCostResponse> {
        self.audit_read(principal, "analysis.unit-cost", request, async {
            let options = request.options()?;
            self.cached("unit_cost", principal, request, async || {
                let session = self.session(principal).await?;
                Ok(unit_cost::unit_cost(&session, &options).await?)
            })
            .await
        })
        .await
    }
}
