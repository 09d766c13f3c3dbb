//! Ingest: the one way the lake changes. Recorded in the audit log before it starts.

use std::sync::Arc;

use costscope_core::team::tag_column_key;
use costscope_lake::IngestOptions;
use costscope_lake::ingest::{IngestProgress, IngestReport, cur, flowlogs, optimizer, tabular};
use costscope_lake::rollup::TagKeys;
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
    /// Tag keys the daily and monthly rollups keep (CUR); empty: the keys on lines
    /// carrying at least 1% of each period's cost.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rollup_tag_keys: Vec<String>,
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
            let mut options = IngestOptions {
                progress,
                strict: request.strict,
                ..IngestOptions::default()
            };
            if !request.rollup_tag_keys.is_empty() {
                let keys = request.rollup_tag_keys.iter();
                options.rollup_tag_keys =
                    TagKeys::Keys(keys.map(|k| tag_column_key(k.trim())).collect());
            }
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
