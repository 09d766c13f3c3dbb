//! `costscope budgets` (being written).

use clap::Args;

use crate::cli::{FormatArgs, Global};

#[derive(Debug, Args)]
pub struct BudgetsArgs {
    #[command(flatten)]
    pub output: FormatArgs,
}

pub async fn run(_global: &Global, _args: BudgetsArgs) -> anyhow::Result<()> {
    anyhow::bail!("not available yet")
}
