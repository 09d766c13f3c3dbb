//! `costscope genai`: GenAI (Bedrock) cost by model, provider, pricing model and team.

use clap::Args;

use crate::cli::{FormatArgs, Global};

#[derive(Debug, Args)]
pub struct GenaiArgs {
    #[command(flatten)]
    pub output: FormatArgs,
}

pub async fn run(_global: &Global, _args: GenaiArgs) -> anyhow::Result<()> {
    anyhow::bail!("`costscope genai` is not available yet")
}
