//! The query history of workgroups: who ran which SQL, when, for how long, with how many
//! bytes scanned and rows returned, and how it ended. A principal sees its own
//! workgroup's history (and its own queries run outside any workgroup); administrators see
//! every workgroup's.

use costscope_store::audit::normalise_time;
use costscope_store::history::{HistoryFilter, QueryRecord};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::audit::history_scope;
use crate::{App, Principal, Result};

/// Which queries to list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct HistoryRequest {
    /// Only this workgroup (within those the principal may see).
    pub workgroup: Option<String>,
    /// Queries started at or after this time: `YYYY-MM-DD` (UTC) or RFC 3339.
    pub since: Option<String>,
    /// The latest N queries.
    pub limit: u64,
}

impl Default for HistoryRequest {
    fn default() -> Self {
        HistoryRequest {
            workgroup: None,
            since: None,
            limit: 100,
        }
    }
}

/// The queries, latest first.
pub type HistoryResponse = Vec<QueryRecord>;

impl App {
    /// The query history `principal` may see, filtered by `request`.
    pub async fn history(
        &self,
        principal: &Principal,
        request: &HistoryRequest,
    ) -> Result<HistoryResponse> {
        self.audit_read(principal, "history", request, async {
            let filter = HistoryFilter {
                scope: history_scope(principal),
                workgroup: request.workgroup.clone(),
                since: request.since.as_deref().map(normalise_time).transpose()?,
                limit: Some(request.limit),
            };
            Ok(self.store()?.query_history(&filter)?)
        })
        .await
    }
}
