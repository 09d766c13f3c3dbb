//! [`generate`]: the organisation's files, written side by side (the CUR on this thread,
//! the logs, inventory and metrics on another) with a progress bar of CUR rows.

use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::calendar::Calendar;
use crate::delivery::EXPORT_NAME;
use crate::ledger::{IncidentLabel, Ledger, write_labels};
use crate::model::Org;
use crate::planted::PlantedChange;
use crate::{Error, Result, billing, flowlogs, inventory, metrics, org};

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateOptions {
    /// Output root; `cur/costscope-demo` and `flowlogs` below it are replaced.
    pub out: PathBuf,
    /// Seed of every random choice.
    pub seed: u64,
    /// Number of billing periods.
    pub months: u32,
    /// The last billing period, `YYYY-MM`.
    pub end_period: String,
    /// Target CUR row count (±10%); `None` for the natural organisation. Targets below the
    /// natural organisation's size produce the natural organisation.
    pub rows: Option<u64>,
    /// Show a progress bar on stderr.
    pub progress: bool,
    /// The labelled incidents of the last period (drift, spike, level shift, weekly
    /// pattern, new service) that anomaly detection is measured on; without them the last
    /// period changes only as the running examples do.
    pub incidents: bool,
    /// Changes planted in the last period besides (level shifts, bursts, new services).
    pub planted: Vec<PlantedChange>,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            out: PathBuf::from("costscope-demo"),
            seed: 42,
            months: 3,
            end_period: "2026-10".to_string(),
            rows: None,
            progress: false,
            incidents: true,
            planted: Vec::new(),
        }
    }
}

/// What was generated, and where.
#[derive(Debug, Clone)]
pub struct GenerateSummary {
    /// The CUR 2.0 export root to pass to ingest: `OUT/cur/costscope-demo`.
    pub export_root: PathBuf,
    /// `OUT/flowlogs`.
    pub flow_logs_root: PathBuf,
    /// `OUT/inventory.jsonl`.
    pub inventory_file: PathBuf,
    /// `OUT/business_metrics.csv`.
    pub metrics_file: PathBuf,
    /// `OUT/ledger.csv`.
    pub ledger_file: PathBuf,
    /// `OUT/labels.json`: the labelled incidents (see [`IncidentLabel`]).
    pub labels_file: PathBuf,
    pub labels: Vec<IncidentLabel>,
    /// The billing periods, `YYYY-MM`, oldest first.
    pub periods: Vec<String>,
    pub cur_rows: u64,
    pub flow_log_records: u64,
    /// Totals per (account, product code, day, line-item type), summed while writing.
    pub ledger: Ledger,
}

/// Generates the organisation described by `opts`.
pub fn generate(opts: &GenerateOptions) -> Result<GenerateSummary> {
    let started = Instant::now();
    let (cal, org, replicas) = organisation(opts)?;
    let expected = billing::expected_rows(&org, &cal);
    tracing::info!(
        replicas,
        expected_rows = expected,
        periods = cal.periods.len(),
        "generating organisation"
    );

    let export_root = export_root(&opts.out);
    let flow_logs_root = opts.out.join("flowlogs");
    for dir in [&export_root, &flow_logs_root] {
        remove_dir_if_present(dir)?;
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }

    let bar = progress_bar(opts.progress, expected);
    let on_flush: Box<dyn FnMut(u64)> = match bar.clone() {
        Some(bar) => Box::new(move |rows| bar.inc(rows)),
        None => Box::new(|_| {}),
    };
    let inventory_file = opts.out.join("inventory.jsonl");
    let metrics_file = opts.out.join("business_metrics.csv");
    // The logs, inventory and metrics are independent of the CUR: write them alongside.
    let (cur, flow_log_records) = std::thread::scope(|scope| {
        let side_files = scope.spawn(|| -> Result<u64> {
            let records = flowlogs::write(&org, &cal, opts.seed, &flow_logs_root)?;
            inventory::write(&org, &cal, flowlogs::window(&cal), &inventory_file)?;
            metrics::write(&org, &cal, opts.seed, &metrics_file)?;
            Ok(records)
        });
        let cur = billing::write_cur(&org, &cal, opts.seed, &export_root, on_flush);
        let records = side_files.join().unwrap_or_else(|_| {
            Err(Error::io(
                &flow_logs_root,
                std::io::Error::other("the flow-log writer panicked"),
            ))
        });
        (cur, records)
    });
    let (cur, flow_log_records) = (cur?, flow_log_records?);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let cur_rows = cur.ledger.rows();
    let cur_elapsed = started.elapsed();
    let ledger_file = opts.out.join("ledger.csv");
    cur.ledger.write_csv(&ledger_file)?;
    let labels_file = opts.out.join("labels.json");
    write_labels(&org.labels, &labels_file)?;

    tracing::info!(
        cur_rows,
        files = cur.periods.iter().map(|p| p.files.len()).sum::<usize>(),
        flow_log_records,
        seconds = cur_elapsed.as_secs_f64(),
        rows_per_second = cur_rows as f64 / cur_elapsed.as_secs_f64().max(1e-9),
        "generated organisation"
    );
    Ok(GenerateSummary {
        export_root,
        flow_logs_root,
        inventory_file,
        metrics_file,
        ledger_file,
        labels_file,
        labels: org.labels.clone(),
        periods: cal.periods.iter().map(|p| p.label.clone()).collect(),
        cur_rows,
        flow_log_records,
        ledger: cur.ledger,
    })
}

/// The CUR 2.0 export root that [`generate`] writes under `out`: `OUT/cur/costscope-demo`.
pub fn export_root(out: &Path) -> PathBuf {
    out.join("cur").join(EXPORT_NAME)
}

/// The calendar and organisation that `opts` describe, with its number of background
/// replicas.
pub(crate) fn organisation(opts: &GenerateOptions) -> Result<(Calendar, Org, u64)> {
    let cal = Calendar::new(&opts.end_period, opts.months)?;
    org::check_planted(&cal, &opts.planted)?;
    let replicas = replicas_for(&cal, opts)?;
    let org = org::build(&cal, opts.seed, replicas, changes(opts));
    Ok((cal, org, replicas))
}

fn changes(opts: &GenerateOptions) -> org::Changes<'_> {
    org::Changes {
        incidents: opts.incidents,
        planted: &opts.planted,
    }
}

/// Number of background replicas that brings the CUR to the requested row count.
fn replicas_for(cal: &Calendar, opts: &GenerateOptions) -> Result<u64> {
    let Some(target) = opts.rows else {
        return Ok(0);
    };
    if target == 0 {
        return Err(Error::InvalidOption {
            option: "rows",
            reason: "the target row count must be positive".into(),
        });
    }
    let natural = billing::expected_rows(&org::build(cal, opts.seed, 0, changes(opts)), cal);
    let per_replica =
        billing::expected_rows(&org::build(cal, opts.seed, 1, changes(opts)), cal) - natural;
    if target <= natural || per_replica == 0 {
        if target < natural {
            tracing::warn!(
                target,
                natural,
                "row target is below the natural organisation; generating the natural one"
            );
        }
        return Ok(0);
    }
    Ok(((target - natural) as f64 / per_replica as f64).round() as u64)
}

pub(crate) fn remove_dir_if_present(dir: &Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(dir, e)),
    }
}

fn progress_bar(enabled: bool, rows: u64) -> Option<ProgressBar> {
    if !enabled {
        return None;
    }
    let bar = ProgressBar::with_draw_target(Some(rows), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{msg} [{bar:40}] {human_pos}/{human_len} rows ({per_sec}, {eta})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message("generating CUR");
    Some(bar)
}
