//! Arguments every command shares: the lake, quiet mode, the output format.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// Options every command takes.
#[derive(Debug, Clone, Args)]
pub struct Global {
    /// The lake directory.
    #[arg(
        long,
        global = true,
        env = "COSTSCOPE_LAKE",
        default_value = "./costscope-lake"
    )]
    pub lake: PathBuf,
    /// Print only results and errors: no progress bars or notes.
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

/// How results are printed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    #[default]
    Table,
    Csv,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct FormatArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}
