//! `costscope tags` (being written).

use clap::Args;

use crate::cli::{FormatArgs, Global};

#[derive(Debug, Args)]
pub struct TagsArgs {
    #[command(flatten)]
    pub output: FormatArgs,
}

pub async fn run(_global: &Global, _args: TagsArgs) -> anyhow::Result<()> {
    anyhow::bail!("not available yet")
}
