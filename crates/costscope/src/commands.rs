//! One module per command: its arguments, the request they make and how the response is
//! printed. The work itself is done by `costscope_app`.

pub mod access;
pub mod allocate;
pub mod anomalies;
pub mod audit;
pub mod bench;
pub mod budgets;
pub mod cost;
pub mod demo;
pub mod genai;
pub mod generate;
pub mod history;
pub mod ingest;
pub mod network;
pub mod recommend;
pub mod report;
pub mod score;
pub mod serve;
pub mod sql;
pub mod tables;
pub mod tags;
pub mod unit_cost;
pub mod whois;

use std::path::Path;

use costscope_app::{App, AppConfig, Document, Principal};

use crate::args::Global;

/// The application over the lake named by the global options.
pub fn app(global: &Global) -> anyhow::Result<App> {
    Ok(App::open(&AppConfig {
        lake: global.lake.clone(),
        access: global.access.clone(),
    })?)
}

/// Who runs the command: the principal named by `--as`, else the administrator (whoever
/// can run the command line can read the lake's files anyway).
pub fn principal(global: &Global) -> anyhow::Result<Principal> {
    match &global.as_principal {
        None => Ok(Principal::admin()),
        Some(name) => Ok(app(global)?.principal(name)?),
    }
}

/// The file at `path` as a request document, if a path is given.
pub fn document(path: Option<&Path>) -> anyhow::Result<Option<Document>> {
    Ok(path.map(Document::read).transpose()?)
}

/// Peak resident memory of this process in bytes (Linux; 0 elsewhere).
pub fn peak_rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}

/// `--rules FILE`: allocation rules whose owner of each line is the `team` dimension.
#[derive(Debug, Clone, clap::Args)]
pub struct TeamArgs {
    /// Allocation rules (YAML, see docs/allocation.md) deciding each line's team; without
    /// them the team is the `team` tag.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<std::path::PathBuf>,
}

impl TeamArgs {
    /// The rules file as a request document, if given.
    pub fn rules(&self) -> anyhow::Result<Option<Document>> {
        document(self.rules.as_deref())
    }
}
