//! `costscope recommend`: recommendations with estimated savings.

use clap::Args;

use crate::cli::{FormatArgs, Global};

#[derive(Debug, Args)]
pub struct RecommendArgs {
    #[command(flatten)]
    pub output: FormatArgs,
}

pub async fn run(_global: &Global, _args: RecommendArgs) -> anyhow::Result<()> {
    anyhow::bail!("`costscope recommend` is not available yet")
}
