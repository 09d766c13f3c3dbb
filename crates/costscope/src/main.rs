//! The `costscope` binary: parse arguments, install tracing, run, map the outcome to an
//! exit code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = costscope::cli::Cli::parse();
    costscope::install_tracing(cli.global.quiet);
    match costscope::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) if costscope::output::is_broken_pipe(&error) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::from(costscope::exit_code(&error))
        }
    }
}
