//! The costscope command line, as a library so tests and the binary share it.

pub mod args;
pub mod cli;
pub mod commands;
pub mod output;
pub mod progress;

use cli::{Cli, Command};
use costscope_core::ErrorKind;

/// Runs one command to completion.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        match cli.command {
            Command::Generate(args) => commands::generate::run(&cli.global, args),
            Command::Ingest(args) => commands::ingest::run(&cli.global, args).await,
            Command::Sql(args) => commands::sql::run(&cli.global, args).await,
            Command::Tables(args) => commands::tables::run(&cli.global, args).await,
            Command::Demo(args) => commands::demo::run(&cli.global, args).await,
            Command::Bench(args) => commands::bench::run(&cli.global, args).await,
            Command::Cost(args) => commands::cost::run(&cli.global, args).await,
            Command::Allocate(args) => commands::allocate::run(&cli.global, args).await,
            Command::Tags(args) => commands::tags::run(&cli.global, args).await,
            Command::UnitCost(args) => commands::unit_cost::run(&cli.global, args).await,
            Command::Budgets(args) => commands::budgets::run(&cli.global, args).await,
            Command::Anomalies(args) => commands::anomalies::run(&cli.global, args).await,
            Command::Network(args) => commands::network::run(&cli.global, args).await,
            Command::Whois(args) => commands::whois::run(&cli.global, args).await,
            Command::Score(args) => commands::score::run(&cli.global, args).await,
            Command::Recommend(args) => commands::recommend::run(&cli.global, args).await,
            Command::Genai(args) => commands::genai::run(&cli.global, args).await,
            Command::Report(args) => commands::report::run(&cli.global, args).await,
            Command::Serve(args) => commands::serve::run(&cli.global, args).await,
            Command::Access(args) => commands::access::run(&cli.global, args).await,
            Command::History(args) => commands::history::run(&cli.global, args).await,
            Command::Audit(args) => commands::audit::run(&cli.global, args).await,
        }
    })
}

/// Installs the tracing subscriber: warnings by default, `RUST_LOG` to change it.
pub fn install_tracing(quiet: bool) {
    let default = if quiet { "error" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// The exit code for a failed command: the kind of the first of our errors in its chain
/// (see [`ErrorKind`] for the table). Errors of no crate of ours (arguments, terminal
/// output) are user errors.
pub fn exit_code(error: &anyhow::Error) -> u8 {
    error_kind(error).exit_code()
}

/// The kind of a failed command's error.
pub fn error_kind(error: &anyhow::Error) -> ErrorKind {
    error
        .chain()
        .find_map(|cause| {
            if let Some(error) = cause.downcast_ref::<costscope_server::Error>() {
                Some(error.kind())
            } else if let Some(error) = cause.downcast_ref::<costscope_app::Error>() {
                Some(error.kind())
            } else if let Some(error) = cause.downcast_ref::<costscope_analytics::Error>() {
                Some(error.kind())
            } else if let Some(error) = cause.downcast_ref::<costscope_store::Error>() {
                Some(error.kind())
            } else if let Some(error) = cause.downcast_ref::<costscope_query::Error>() {
                Some(error.kind())
            } else if let Some(error) = cause.downcast_ref::<costscope_lake::Error>() {
                Some(error.kind())
            } else if let Some(error) = cause.downcast_ref::<costscope_synth::Error>() {
                Some(error.kind())
            } else if let Some(error) = cause.downcast_ref::<costscope_core::Error>() {
                Some(error.kind())
            } else {
                cause
                    .downcast_ref::<datafusion::error::DataFusionError>()
                    .map(costscope_query::error::classify)
            }
        })
        .unwrap_or(ErrorKind::User)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_of_our_errors_in_the_chain_decides() {
        let unknown = costscope_store::Error::NotFound {
            kind: "anomaly",
            id: "an-nope".into(),
        };
        let error = anyhow::Error::new(unknown).context("anomalies show");
        assert_eq!(error_kind(&error), ErrorKind::NotFound);
        assert_eq!(exit_code(&error), 1);

        let disk_full = costscope_lake::Error::Io {
            path: "lake/cur".into(),
            source: std::io::Error::from(std::io::ErrorKind::StorageFull),
        };
        assert_eq!(exit_code(&anyhow::Error::new(disk_full)), 4);

        let bug = datafusion::error::DataFusionError::Internal("broken".into());
        assert_eq!(exit_code(&anyhow::Error::new(bug)), 3);
        let bug = costscope_analytics::Error::Query(costscope_query::Error::DataFusion(
            datafusion::error::DataFusionError::Internal("broken".into()),
        ));
        assert_eq!(exit_code(&anyhow::Error::new(bug)), 3);
    }

    #[test]
    fn errors_of_no_crate_of_ours_are_user_errors() {
        assert_eq!(exit_code(&anyhow::anyhow!("unknown format `xml`")), 1);
        let terminal = std::io::Error::from(std::io::ErrorKind::StorageFull);
        assert_eq!(error_kind(&anyhow::Error::new(terminal)), ErrorKind::User);
    }
}
