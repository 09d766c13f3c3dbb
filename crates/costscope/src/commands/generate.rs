//! `costscope generate`.

use costscope_synth::{GenerateOptions, PlantedChange, generate, write_optimizer_samples};

use std::path::PathBuf;

use clap::Args;

use crate::args::{FormatArgs, Global};
use crate::output::print_report;

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Output directory.
    #[arg(long)]
    pub out: PathBuf,
    /// Random seed: the same seed gives the same files.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Number of billing periods.
    #[arg(long, default_value_t = 3)]
    pub months: u32,
    /// Last billing period, YYYY-MM.
    #[arg(long, default_value = "2026-10")]
    pub end: String,
    /// Scale the CUR to about this many rows.
    #[arg(long)]
    pub rows: Option<u64>,
    /// Leave out the labelled incidents of the last period (drift, spike, level shift,
    /// weekly pattern, new service).
    #[arg(long)]
    pub no_incidents: bool,
    /// Plant a change in the last period, KIND:ACCOUNT:SERVICE:DAY:USD_PER_DAY with KIND
    /// level-shift, burst or new-service and SERVICE AmazonEC2, AmazonS3 or AmazonRDS, e.g.
    /// level-shift:App-Team-Prod:AmazonS3:18:400 (repeatable).
    #[arg(long = "plant")]
    pub planted: Vec<PlantedChange>,
    #[command(flatten)]
    pub output: FormatArgs,
}

pub fn run(global: &Global, args: GenerateArgs) -> anyhow::Result<()> {
    let options = GenerateOptions {
        out: args.out,
        seed: args.seed,
        months: args.months,
        end_period: args.end,
        rows: args.rows,
        progress: !global.quiet,
        incidents: !args.no_incidents,
        planted: args.planted,
    };
    let started = std::time::Instant::now();
    let summary = generate(&options)?;
    let optimizer = write_optimizer_samples(&options.out.join("optimizer"), &options)?;
    let report = serde_json::json!({
        "export_root": summary.export_root,
        "flow_logs_root": summary.flow_logs_root,
        "inventory_file": summary.inventory_file,
        "metrics_file": summary.metrics_file,
        "compute_optimizer_file": optimizer.compute_optimizer_file,
        "cost_optimization_hub_file": optimizer.cost_optimization_hub_file,
        "ledger_file": summary.ledger_file,
        "periods": summary.periods,
        "cur_rows": summary.cur_rows,
        "flow_log_records": summary.flow_log_records,
        "seconds": started.elapsed().as_secs_f64(),
    });
    print_report(&report, args.output.format)
}
