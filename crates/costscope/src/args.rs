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
    /// The access file naming principals, roles and workgroups (see docs/access.md).
    #[arg(long, global = true, env = "COSTSCOPE_ACCESS")]
    pub access: Option<PathBuf>,
    /// Run the command as this principal of the access file, seeing what it sees.
    #[arg(
        long = "as",
        global = true,
        value_name = "PRINCIPAL",
        requires = "access"
    )]
    pub as_principal: Option<String>,
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
