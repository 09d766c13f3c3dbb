//! `costscope network`: network cost attribution from VPC Flow Logs.

use clap::Args;

use crate::cli::{FormatArgs, Global};

#[derive(Debug, Args)]
pub struct NetworkArgs {
    #[command(flatten)]
    pub output: FormatArgs,
}

pub async fn run(_global: &Global, _args: NetworkArgs) -> anyhow::Result<()> {
    anyhow::bail!("`costscope network` is not available yet")
}
