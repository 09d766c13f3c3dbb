//! `costscope cost` (being written).

use clap::Args;

use crate::cli::{FormatArgs, Global};

#[derive(Debug, Args)]
pub struct CostArgs {
    #[command(flatten)]
    pub output: FormatArgs,
}

pub async fn run(_global: &Global, _args: CostArgs) -> anyhow::Result<()> {
    anyhow::bail!("not available yet")
}
