//! `costscope unit-cost` (being written).

use clap::Args;

use crate::cli::{FormatArgs, Global};

#[derive(Debug, Args)]
pub struct UnitCostArgs {
    #[command(flatten)]
    pub output: FormatArgs,
}

pub async fn run(_global: &Global, _args: UnitCostArgs) -> anyhow::Result<()> {
    anyhow::bail!("not available yet")
}
