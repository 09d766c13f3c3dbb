//! costscope-synth, the synthetic organisation generator: a payer with eight linked accounts whose CUR 2.0
//! export, VPC Flow Logs, resource inventory and business metrics contain the running
//! examples of the demo (rising NAT Gateway cost, Bedrock cost per department, the
//! `clickstream` unit cost), laid out exactly as AWS delivers them.
//!
//! Output under [`GenerateOptions::out`]:
//!
//! ```text
//! cur/costscope-demo/data/BILLING_PERIOD=YYYY-MM/costscope-demo-0000N.snappy.parquet
//! cur/costscope-demo/metadata/BILLING_PERIOD=YYYY-MM/costscope-demo-Manifest.json
//! flowlogs/AWSLogs/<account>/vpcflowlogs/<region>/yyyy/mm/dd/<...>.log.gz
//! inventory.jsonl
//! business_metrics.csv
//! ledger.csv
//! labels.json
//! ```
//!
//! [`GenerateOptions::incidents`] turns off the labelled incidents of the last period and
//! [`GenerateOptions::planted`] adds level shifts, bursts and new services of a known size
//! ([`PlantedChange`]), so that forecasts can be measured on spend with and without changes.
//!
//! The natural organisation has about 140,000 CUR rows for the default three months;
//! [`GenerateOptions::rows`] adds background workloads to reach a larger target. The same
//! options always produce byte-identical files. Rows are generated hour by hour and written
//! in batches of 64Ki rows, so memory stays bounded whatever the row count.

pub mod demo_lake;
mod error;
mod generate;

mod billing;
mod calendar;
mod catalog;
mod cur_writer;
mod delivery;
mod flowlogs;
mod inventory;
mod ledger;
mod metrics;
mod model;
mod optimizer;
mod org;
mod planted;
mod traffic;

pub use error::{Error, Result};
pub use flowlogs::write_sample as write_flow_log_sample;
pub use generate::{GenerateOptions, GenerateSummary, export_root, generate};
pub use ledger::{
    IncidentLabel, LabelMonitor, Ledger, LedgerKey, LedgerTotals, read_labels, write_labels,
};
pub use optimizer::{OptimizerSamples, write_optimizer_samples};
pub use planted::{PlantedChange, PlantedKind, PlantedService};
