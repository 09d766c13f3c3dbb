//! The demo lake: a generated organisation ingested into a lake with the production ingest,
//! as `costscope demo`, the benchmark and the tests use it. Generation writes files like
//! AWS delivers them; every source then goes through the same ingest a user runs.

use std::path::{Path, PathBuf};

use costscope_lake::ingest::{cur, flowlogs, optimizer, tabular};
use costscope_lake::{IngestOptions, IngestReport, Lake};

use crate::generate::remove_dir_if_present;
use crate::{
    GenerateOptions, GenerateSummary, OptimizerSamples, Result, export_root, generate,
    write_optimizer_samples,
};

/// What to generate and where to ingest it.
#[derive(Debug, Clone)]
pub struct DemoLakeOptions {
    /// The organisation; its files go to `generate.out`.
    pub generate: GenerateOptions,
    /// The lake to ingest into, created if missing.
    pub lake_dir: PathBuf,
    /// Progress and strictness of the CUR and flow-log ingests.
    pub ingest: IngestOptions,
    /// Also write the optimizer sample exports to `OUT/optimizer` and ingest them.
    pub optimizer: bool,
}

impl DemoLakeOptions {
    /// The default organisation with `seed`, generated into `dir/data` and ingested into
    /// `dir/lake`, without progress and without the optimizer samples.
    pub fn in_dir(dir: &Path, seed: u64) -> Self {
        DemoLakeOptions {
            generate: GenerateOptions {
                out: dir.join("data"),
                seed,
                ..GenerateOptions::default()
            },
            lake_dir: dir.join("lake"),
            ingest: IngestOptions::default(),
            optimizer: false,
        }
    }
}

/// The lake with everything ingested, and what generation and ingest reported.
#[derive(Debug, Clone)]
pub struct DemoLake {
    pub lake: Lake,
    /// The generator's summary; its ledger is an independent record of what was billed.
    pub summary: GenerateSummary,
    /// The optimizer samples, when asked for.
    pub optimizer: Option<OptimizerSamples>,
    pub ingested: Ingested,
}

/// One ingest report per source.
#[derive(Debug, Clone)]
pub struct Ingested {
    pub cur: IngestReport,
    pub flow_logs: IngestReport,
    pub inventory: IngestReport,
    pub metrics: IngestReport,
    pub optimizer: Option<IngestReport>,
}

/// The sources of a demo lake, in the order they are ingested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Cur,
    FlowLogs,
    Inventory,
    Metrics,
    Optimizer,
}

/// Generates the organisation and ingests the CUR, flow logs, inventory, business metrics
/// and (when asked) the optimizer samples into the lake.
pub async fn build(options: &DemoLakeOptions) -> Result<DemoLake> {
    build_with(options, |_, _| {}).await
}

/// [`build`], calling `on_ingested` with each source's report as soon as that source is in
/// the lake.
pub async fn build_with(
    options: &DemoLakeOptions,
    mut on_ingested: impl FnMut(Source, &IngestReport),
) -> Result<DemoLake> {
    let summary = generate(&options.generate)?;
    let optimizer_dir = options.generate.out.join("optimizer");
    let samples = match options.optimizer {
        true => Some(write_optimizer_samples(&optimizer_dir, &options.generate)?),
        false => None,
    };
    let lake = Lake::open(&options.lake_dir)?;
    let mut report = |source: Source, report: IngestReport| {
        on_ingested(source, &report);
        report
    };
    let ingest = &options.ingest;
    let cur = cur::ingest_cur(&lake, &text(&summary.export_root), ingest).await?;
    let cur = report(Source::Cur, cur);
    let flow_logs_root = text(&summary.flow_logs_root);
    let flow_logs = flowlogs::ingest_flow_logs(&lake, &flow_logs_root, ingest).await?;
    let flow_logs = report(Source::FlowLogs, flow_logs);
    let inventory = tabular::ingest_inventory(&lake, &text(&summary.inventory_file)).await?;
    let inventory = report(Source::Inventory, inventory);
    let metrics = tabular::ingest_metrics(&lake, &text(&summary.metrics_file)).await?;
    let metrics = report(Source::Metrics, metrics);
    let optimizer = match samples {
        Some(_) => {
            let optimizer = optimizer::ingest_optimizer(&lake, &text(&optimizer_dir)).await?;
            Some(report(Source::Optimizer, optimizer))
        }
        None => None,
    };
    Ok(DemoLake {
        lake,
        summary,
        optimizer: samples,
        ingested: Ingested {
            cur,
            flow_logs,
            inventory,
            metrics,
            optimizer,
        },
    })
}

/// Generates `options` into an emptied `options.out`, unless `reuse` is set and an earlier
/// run's CUR export is already there. `None` when the files were reused.
pub fn generate_unless_reused(
    options: &GenerateOptions,
    reuse: bool,
) -> Result<Option<GenerateSummary>> {
    if reuse && export_root(&options.out).exists() {
        return Ok(None);
    }
    remove_dir_if_present(&options.out)?;
    generate(options).map(Some)
}

fn text(path: &Path) -> String {
    path.display().to_string()
}
