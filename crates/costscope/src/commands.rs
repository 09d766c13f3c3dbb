//! One module per command; each is a thin layer over the libraries.

pub mod allocate;
pub mod anomalies;
pub mod bench;
pub mod budgets;
pub mod cost;
pub mod demo;
pub mod genai;
pub mod generate;
pub mod ingest;
pub mod network;
pub mod recommend;
pub mod report;
pub mod score;
pub mod sql;
pub mod tables;
pub mod tags;
pub mod unit_cost;
pub mod whois;

use costscope_lake::Lake;
use costscope_query::{Engine, Principal, Session};

use crate::cli::Global;

/// The administrator's session over the lake named by the global options.
pub async fn admin_session(global: &Global) -> anyhow::Result<Session> {
    let lake = Lake::open(&global.lake)?;
    Ok(Engine::new(lake).session(&Principal::admin()).await?)
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
    /// Who owns a line: the rules' owner if given, else the `user_team` tag.
    pub fn team(&self) -> anyhow::Result<costscope_core::TeamExpr> {
        Ok(match &self.rules {
            Some(path) => costscope_analytics::allocation::Rules::load(path)?.team(),
            None => costscope_core::TeamExpr::default(),
        })
    }
}
