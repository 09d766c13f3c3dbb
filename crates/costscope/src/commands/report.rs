//! `costscope report weekly`: weekly team reports (HTML, Markdown, JSON).

use clap::Args;

use crate::cli::{FormatArgs, Global};

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub output: FormatArgs,
}

pub async fn run(_global: &Global, _args: ReportArgs) -> anyhow::Result<()> {
    anyhow::bail!("`costscope report weekly` is not available yet")
}
