//! Ingest: the one way the lake changes. Recorded in the audit log before it starts.

use std::sync::Arc;

use costscope_lake::IngestOptions;
use costscope_lake::ingest::{IngestProgress, IngestReport, cur, flowlogs, optimizer, tabular};
use serde::{Deserialize, Serialize};

use crate::{App, Principal, Result};

/// What a source holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IngestKind {
    /// A CUR 2.0 export (root or one billing period) or a legacy CUR.
    Cur,
    /// VPC Flow Logs.
    Flowlogs,
    /// A resource inventory.
    Inventory,
    /// Business metrics.
    Metrics,
    /// A Compute Optimizer or Cost Optimization Hub export.
    Optimizer,
}

/// One source to ingest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestRequest {
    pub kind: IngestKind,
    /// A local path or `s3://bucket/prefix`.
    pub source: String,
    /// Refuse the whole ingest on the first malformed line (flow logs).
    #[serde(default)]
    pub strict: bool,
}

/// What the ingest did.
pub type IngestResponse = IngestReport;

impl App {
    /// Ingests the request's source into the lake, reporting progress to `progress`.
    pub async fn ingest(
        &self,
        principal: &Principal,
        request: &IngestRequest,
        progress: Option<Arc<dyn IngestProgress>>,
    ) -> Result<IngestResponse> {
        self.audit_change(principal, "ingest", request, async {
            let lake = self.lake()?;
            let options = IngestOptions {
                progress,
                strict: request.strict,
            };
            let source = request.source.as_str();
            Ok(match request.kind {
                IngestKind::Cur => cur::ingest_cur(lake, source, &options).await?,
                IngestKind::Flowlogs => flowlogs::ingest_flow_logs(lake, source, &options).await?,
                IngestKind::Inventory => tabular::ingest_inventory(lake, source).await?,
                IngestKind::Metrics => tabular::ingest_metrics(lake, source).await?,
                IngestKind::Optimizer => optimizer::ingest_optimizer(lake, source).await?,
            })
        })
        .await
    }
}
