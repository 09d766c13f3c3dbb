//! `costscope allocate` (being written).

use clap::Args;

use crate::cli::{FormatArgs, Global};

#[derive(Debug, Args)]
pub struct AllocateArgs {
    #[command(flatten)]
    pub output: FormatArgs,
}

pub async fn run(_global: &Global, _args: AllocateArgs) -> anyhow::Result<()> {
    anyhow::bail!("not available yet")
}
