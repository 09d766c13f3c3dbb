//! The audit choke point: every request of [`App`] passes through [`App::audit_read`] or
//! [`App::audit_change`], which append its entry to the store's audit log
//! (`docs/audit.md`). A read is recorded with its outcome and rows before its answer is
//! returned; a change is recorded before it is applied, and its outcome after. A failed
//! append fails the request. Also here: listing and checking the log.

mod rows;

use std::future::Future;
use std::time::Instant;

use costscope_analytics::Error as AnalysisError;
use costscope_query::QueryResult;
use costscope_store::audit::verify::Verification;
use costscope_store::audit::{AuditFilter, Entry, NewEntry, Outcome, normalise_time};
use costscope_store::history::{HistoryScope, NewQuery};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use rows::Rows;

use crate::sql::SqlRequest;
use crate::{App, Error, Principal, Result};

/// The workgroup a principal's requests run in.
pub fn workgroup(principal: &Principal) -> Option<String> {
    principal.workgroup().map(|w| w.name.clone())
}

/// Bytes the query read from the lake's files, for the query history.
fn scanned_bytes(result: &QueryResult) -> Option<u64> {
    Some(result.scanned_bytes)
}

/// Whether `principal` sees everything: every workgroup's history, the audit log.
pub fn is_admin(principal: &Principal) -> bool {
    principal.is_admin()
}

/// Whose query history `principal` may read.
pub fn history_scope(principal: &Principal) -> HistoryScope {
    if is_admin(principal) {
        HistoryScope::All
    } else {
        HistoryScope::Member {
            principal: principal.name.clone(),
            workgroups: principal.workgroups().map(String::from).collect(),
        }
    }
}

/// Refuses non-administrators.
pub(crate) fn require_admin(principal: &Principal, what: &str) -> Result<()> {
    if is_admin(principal) {
        Ok(())
    } else {
        Err(Error::Denied {
            principal: principal.name.clone(),
            action: what.to_string(),
        })
    }
}

/// Which audit entries to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AuditLogRequest {
    /// Entries at or after this time: `YYYY-MM-DD` (UTC) or RFC 3339.
    pub since: Option<String>,
    /// Only this principal's entries.
    pub principal: Option<String>,
    /// Only this action, or actions starting with a prefix ending in `*`
    /// (`recommendation.*`).
    pub action: Option<String>,
    /// Only the last N matching entries.
    pub limit: Option<u64>,
}

/// The matching entries, oldest first.
pub type AuditLogResponse = Vec<Entry>;

/// How a request ended, for its entry.
fn outcome<T>(result: &Result<T>) -> Outcome {
    match result {
        Ok(_) => Outcome::Ok,
        Err(error) => Outcome::Error {
            kind: error.kind().name().to_string(),
            message: error.to_string(),
        },
    }
}

impl App {
    /// Runs a request that reads, then records it (with its rows, or its error) before the
    /// answer is returned. If the entry cannot be written the request fails.
    pub async fn audit_read<T: Rows>(
        &self,
        principal: &Principal,
        action: &str,
        parameters: &impl Serialize,
        work: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        let parameters = serde_json::to_value(parameters).map_err(Error::Encode)?;
        let result = work.await;
        let rows = result.as_ref().ok().and_then(Rows::rows);
        self.record(principal, action, parameters, outcome(&result), rows)?;
        result
    }

    /// Records a state change as started, applies it, then records how it ended. Nothing
    /// is changed unless the first entry was written.
    pub async fn audit_change<T: Rows>(
        &self,
        principal: &Principal,
        action: &str,
        parameters: &impl Serialize,
        work: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        let parameters = serde_json::to_value(parameters).map_err(Error::Encode)?;
        let started = self.record(principal, action, parameters, Outcome::Started, None)?;
        let result = work.await;
        let rows = result.as_ref().ok().and_then(Rows::rows);
        let done = serde_json::json!({ "started": started.seq });
        self.record(principal, action, done, outcome(&result), rows)?;
        result
    }

    /// Runs a user's SQL, then records it in the audit log and the query history in one
    /// transaction, before the rows are returned.
    pub(crate) async fn audit_query(
        &self,
        principal: &Principal,
        request: &SqlRequest,
        work: impl Future<Output = Result<QueryResult>>,
    ) -> Result<QueryResult> {
        let parameters = serde_json::to_value(request).map_err(Error::Encode)?;
        let started_at = costscope_store::audit::now();
        let clock = Instant::now();
        let result = work.await;
        let query = NewQuery {
            started_at,
            query: request.query.clone(),
            duration_ms: clock.elapsed().as_millis().try_into().unwrap_or(u64::MAX),
            scanned_bytes: result.as_ref().ok().and_then(scanned_bytes),
        };
        let entry = NewEntry {
            principal: principal.name.clone(),
            workgroup: workgroup(principal),
            action: "sql".into(),
            parameters,
            outcome: outcome(&result),
            rows: result.as_ref().ok().and_then(Rows::rows),
        };
        self.store()?.record_query(&entry, &query)?;
        result
    }

    fn record(
        &self,
        principal: &Principal,
        action: &str,
        parameters: serde_json::Value,
        outcome: Outcome,
        rows: Option<u64>,
    ) -> Result<Entry> {
        let entry = NewEntry {
            principal: principal.name.clone(),
            workgroup: workgroup(principal),
            action: action.to_string(),
            parameters,
            outcome,
            rows,
        };
        Ok(self.store()?.append_audit(&entry)?)
    }

    /// The audit log's entries matching `request` (administrators only).
    pub async fn audit_log(
        &self,
        principal: &Principal,
        request: &AuditLogRequest,
    ) -> Result<AuditLogResponse> {
        self.audit_read(principal, "audit.log", request, async {
            require_admin(principal, "read the audit log")?;
            let filter = AuditFilter {
                since: request.since.as_deref().map(normalise_time).transpose()?,
                principal: request.principal.clone(),
                action: request.action.clone(),
                limit: request.limit,
            };
            Ok(self.store()?.audit_entries(&filter)?)
        })
        .await
    }

    /// Checks the audit log (administrators only). `head` is a hash printed by
    /// [`App::audit_head`] earlier and kept elsewhere. Not itself recorded: it must work on
    /// a log that can no longer be appended to.
    pub fn audit_verify(&self, principal: &Principal, head: Option<&str>) -> Result<Verification> {
        require_admin(principal, "verify the audit log")?;
        if let Some(head) = head
            && !(head.len() == 64 && head.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err(AnalysisError::InvalidArgument(format!(
                "--head `{head}` is not a SHA-256 hash (64 hex digits, from `costscope audit head`)"
            ))
            .into());
        }
        let head = head.map(str::to_ascii_lowercase);
        Ok(self.store()?.verify_audit(head.as_deref())?)
    }

    /// The log's last entry, to keep its hash elsewhere (administrators only; not recorded,
    /// so the head printed is the log's head).
    pub fn audit_head(&self, principal: &Principal) -> Result<Option<Entry>> {
        require_admin(principal, "read the audit log")?;
        Ok(self.store()?.audit_head()?)
    }

    /// Re-anchors the log at its last entry after `audit verify` explained a difference
    /// between the log and its anchor (administrators only; recorded with the old anchor).
    pub fn audit_reanchor(&self, principal: &Principal) -> Result<Entry> {
        require_admin(principal, "re-anchor the audit log")?;
        let workgroup = workgroup(principal);
        Ok(self
            .store()?
            .reanchor_audit(&principal.name, workgroup.as_deref())?)
    }
}
