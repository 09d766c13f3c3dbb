//! `costscope score`: the weekly efficiency score per team.

use clap::Args;

use crate::cli::{FormatArgs, Global};

#[derive(Debug, Args)]
pub struct ScoreArgs {
    #[command(flatten)]
    pub output: FormatArgs,
}

pub async fn run(_global: &Global, _args: ScoreArgs) -> anyhow::Result<()> {
    anyhow::bail!("`costscope score` is not available yet")
}
