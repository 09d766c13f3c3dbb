//! Allocation: every dollar of each billing period to a team, by rules
//! (`docs/allocation.md`).

use costscope_analytics::allocation::{self, AllocateOptions, AllocationReport, Measure, Rules};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{App, Document, Principal, Result, document};

/// What to allocate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocateRequest {
    /// The allocation rules.
    pub rules: Document,
    /// `unblended`, `amortized` (default), `net-unblended` or `net-amortized`.
    #[serde(default)]
    pub measure: Measure,
    /// First billing period, `YYYY-MM` (default: the oldest).
    #[serde(default)]
    pub from: Option<String>,
    /// Last billing period, `YYYY-MM` (default: the newest).
    #[serde(default)]
    pub to: Option<String>,
}

/// The allocation report.
pub type AllocateResponse = AllocationReport;

impl AllocateRequest {
    /// The parsed rules and the allocation options.
    pub fn options(&self) -> Result<(Rules, AllocateOptions)> {
        let rules = document::parse_rules(&self.rules)?;
        Ok((
            rules,
            AllocateOptions {
                measure: self.measure,
                from: self.from.clone(),
                to: self.to.clone(),
            },
        ))
    }
}

impl App {
    /// Allocates what `principal` may see by the request's rules.
    pub async fn allocate(
        &self,
        principal: &Principal,
        request: &AllocateRequest,
    ) -> Result<AllocateResponse> {
        self.audit_read(principal, "analysis.allocate", request, async {
            let (rules, options) = request.options()?;
            self.cached("allocate", principal, request, async || {
                let session = self.session(principal).await?;
                Ok(allocation::allocate(&session, &rules, &options).await?)
            })
            .await
        })
        .await
    }
}
