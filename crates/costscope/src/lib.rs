//! The costscope command line, as a library so tests and the binary share it.

pub mod args;
pub mod cli;
pub mod commands;
pub mod output;

use cli::{Cli, Command};

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

/// The exit code for a failed command: 1 for bad input or a query the user can fix,
/// 3 for an internal error (a bug worth reporting).
pub fn exit_code(error: &anyhow::Error) -> u8 {
    use datafusion::error::DataFusionError;
    for cause in error.chain() {
        if let Some(app) = cause.downcast_ref::<costscope_app::Error>() {
            return match app.kind() {
                costscope_app::ErrorKind::Internal => 3,
                _ => 1,
            };
        }
        if let Some(analysis) = cause.downcast_ref::<costscope_analytics::Error>() {
            return if analysis.is_user_error() { 1 } else { 3 };
        }
        if let Some(DataFusionError::Internal(_)) = cause.downcast_ref::<DataFusionError>() {
            return 3;
        }
        if let Some(costscope_query::Error::DataFusion(DataFusionError::Internal(_))) =
            cause.downcast_ref::<costscope_query::Error>()
        {
            return 3;
        }
    }
    1
}
