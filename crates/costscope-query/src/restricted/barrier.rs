//! [`Barrier`]: the top of a restricted scan. It accepts nothing from above (no filter,
//! projection, limit or sort is pushed through it: the trait's defaults refuse them), reports
//! no statistics (so no aggregate is answered from the hidden rows' statistics), and meters
//! the bytes its scan reads against the workgroup's limit.

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex};

use datafusion::arrow::array::{RecordBatch, RecordBatchOptions};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, ExecutionPlanProperties, PlanProperties,
};
use futures::StreamExt;

/// The bytes one query has read from the lake's files, and the most it may read.
#[derive(Debug, Default)]
pub struct ScanMeter {
    limit: Option<u64>,
    workgroup: String,
    scans: Mutex<Vec<Arc<dyn ExecutionPlan>>>,
}

impl ScanMeter {
    /// A meter stopping the query once it has read more than `limit` bytes.
    pub fn new(workgroup: &str, limit: Option<u64>) -> ScanMeter {
        ScanMeter {
            limit,
            workgroup: workgroup.to_string(),
            ..ScanMeter::default()
        }
    }

    /// Bytes read from Parquet files so far by every scan of the query.
    pub fn scanned(&self) -> u64 {
        let scans = self.scans.lock().expect("scan meter lock");
        bytes_scanned(&scans)
    }

    fn register(&self, scan: Arc<dyn ExecutionPlan>) {
        self.scans.lock().expect("scan meter lock").push(scan);
    }

    fn check(&self) -> DfResult<()> {
        let Some(limit) = self.limit else {
            return Ok(());
        };
        let scanned = self.scanned();
        if scanned > limit {
            return Err(DataFusionError::External(Box::new(crate::Error::Limit(
                format!(
                    "the query read {scanned} bytes, over the {limit} bytes workgroup `{}` allows: \
                 narrow it (fewer columns, a shorter period, a filter on the partition)",
                    self.workgroup
                ),
            ))));
        }
        Ok(())
    }
}

/// Bytes read from files by the scans under `plans` (their `bytes_scanned` metrics), each
/// node counted once however many of the plans share it.
pub fn bytes_scanned(plans: &[Arc<dyn ExecutionPlan>]) -> u64 {
    let mut seen = HashSet::new();
    let mut pending: Vec<&Arc<dyn ExecutionPlan>> = plans.iter().collect();
    let mut total = 0;
    while let Some(plan) = pending.pop() {
        if !seen.insert(Arc::as_ptr(plan) as *const () as usize) {
            continue;
        }
        total += plan
            .metrics()
            .and_then(|m| m.sum_by_name("bytes_scanned"))
            .map_or(0, |v| v.as_usize() as u64);
        pending.extend(plan.children());
    }
    total
}

/// The top of a restricted table's scan.
#[derive(Debug)]
pub struct Barrier {
    table: String,
    input: Arc<dyn ExecutionPlan>,
    schema: SchemaRef,
    properties: Arc<PlanProperties>,
    meter: Option<Arc<ScanMeter>>,
}

impl Barrier {
    /// `input` (the filtered, projected scan) presented with `schema`.
    pub fn new(
        table: &str,
        input: Arc<dyn ExecutionPlan>,
        schema: SchemaRef,
        meter: Option<Arc<ScanMeter>>,
    ) -> Barrier {
        let properties = PlanProperties::new(
            EquivalenceProperties::new(schema.clone()),
            input.output_partitioning().clone(),
            EmissionType::Incremental,
            Boundedness::Bounded,
        );
        if let Some(meter) = &meter {
            meter.register(input.clone());
        }
        Barrier {
            table: table.to_string(),
            input,
            schema,
            properties: Arc::new(properties),
            meter,
        }
    }
}

impl DisplayAs for Barrier {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "RestrictedScan: table={}", self.table)
    }
}

impl ExecutionPlan for Barrier {
    fn name(&self) -> &str {
        "RestrictedScan"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> DfResult<TreeNodeRecursion>,
    ) -> DfResult<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn with_new_children(
        self: Arc<Self>,
        mut children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let input = children
            .pop()
            .ok_or_else(|| DataFusionError::Internal("a restricted scan has one input".into()))?;
        Ok(Arc::new(Barrier::new(
            &self.table,
            input,
            self.schema.clone(),
            self.meter.clone(),
        )))
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> DfResult<SendableRecordBatchStream> {
        let schema = self.schema.clone();
        let meter = self.meter.clone();
        let stream = self.input.execute(partition, context)?.map(move |batch| {
            let batch = batch?;
            if let Some(meter) = &meter {
                meter.check()?;
            }
            if schema.fields().is_empty() {
                // COUNT(*): the scan carried a placeholder column; keep only the count.
                let options = RecordBatchOptions::new().with_row_count(Some(batch.num_rows()));
                return Ok(RecordBatch::try_new_with_options(
                    schema.clone(),
                    vec![],
                    &options,
                )?);
            }
            Ok(RecordBatch::try_new(
                schema.clone(),
                batch.columns().to_vec(),
            )?)
        });
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            self.schema.clone(),
            stream,
        )))
    }
}
