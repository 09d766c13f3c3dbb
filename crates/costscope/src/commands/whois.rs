//! `costscope whois`: which resource held an IP address at a time.

use clap::Args;

use crate::cli::{FormatArgs, Global};

#[derive(Debug, Args)]
pub struct WhoisArgs {
    #[command(flatten)]
    pub output: FormatArgs,
}

pub async fn run(_global: &Global, _args: WhoisArgs) -> anyhow::Result<()> {
    anyhow::bail!("`costscope whois` is not available yet")
}
