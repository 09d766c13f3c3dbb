//! `costscope anomalies`: cost anomalies with their root cause.

use clap::Args;

use crate::cli::{FormatArgs, Global};

#[derive(Debug, Args)]
pub struct AnomaliesArgs {
    #[command(flatten)]
    pub output: FormatArgs,
}

pub async fn run(_global: &Global, _args: AnomaliesArgs) -> anyhow::Result<()> {
    anyhow::bail!("`costscope anomalies` is not available yet")
}
