//! `costscope tables`: the lake's published partitions.

use costscope_app::present;

use crate::args::{FormatArgs, Global};
use crate::output::print_batch;

pub async fn run(global: &Global, args: FormatArgs) -> anyhow::Result<()> {
    let partitions = super::app(global)?
        .tables(&super::principal(global)?)
        .await?;
    print_batch(present::tables::batch(&partitions)?, args.format)
}
