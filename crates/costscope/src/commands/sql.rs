//! `costscope sql`: one query, or an interactive shell with history and multi-line input
//! (a statement ends with `;`).

use std::path::PathBuf;

use clap::Args;
use costscope_app::sql::SqlRequest;
use costscope_app::{App, Principal};
use rustyline::DefaultEditor;
use rustyline::error::ReadlineError;

use crate::args::{Format, FormatArgs, Global};
use crate::output::print_result;

#[derive(Debug, Args)]
pub struct SqlArgs {
    /// The query; without it, an interactive shell starts.
    pub query: Option<String>,
    /// Read the query from a file.
    #[arg(long, conflicts_with = "query")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub output: FormatArgs,
}

pub async fn run(global: &Global, args: SqlArgs) -> anyhow::Result<()> {
    let query = match (&args.query, &args.file) {
        (Some(q), _) => Some(q.clone()),
        (None, Some(path)) => Some(
            std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
        ),
        (None, None) => None,
    };
    let app = super::app(global)?;
    let principal = super::principal(global)?;
    match query {
        Some(query) => {
            let result = app.sql(&principal, &SqlRequest { query }).await?;
            print_result(&result, args.output.format)
        }
        None => shell(&app, &principal, args.output.format).await,
    }
}

async fn shell(app: &App, principal: &Principal, format: Format) -> anyhow::Result<()> {
    // Fail before the prompt if the lake cannot be read; each statement is one request.
    app.session(principal).await?;
    let mut editor = DefaultEditor::new()?;
    let history = std::env::var_os("HOME")
        .map(|home| std::path::PathBuf::from(home).join(".costscope_history"));
    if let Some(path) = &history {
        let _ = editor.load_history(path);
    }
    eprintln!("costscope SQL shell: end statements with `;`, \\q to quit.");
    let mut buffer = String::new();
    loop {
        let prompt = if buffer.is_empty() {
            "costscope> "
        } else {
            "        -> "
        };
        match editor.readline(prompt) {
            Ok(line) => {
                let trimmed = line.trim();
                if buffer.is_empty() && matches!(trimmed, "\\q" | "quit" | "exit") {
                    break;
                }
                buffer.push_str(&line);
                buffer.push('\n');
                if !trimmed.ends_with(';') {
                    continue;
                }
                let statement = std::mem::take(&mut buffer);
                let _ = editor.add_history_entry(statement.trim());
                let started = std::time::Instant::now();
                let request = SqlRequest { query: statement };
                match app.sql(principal, &request).await {
                    Ok(result) => {
                        print_result(&result, format)?;
                        eprintln!(
                            "{} row(s) in {:.3}s",
                            result.num_rows(),
                            started.elapsed().as_secs_f64()
                        );
                    }
                    Err(e) => eprintln!("error: {e}"),
                }
            }
            Err(ReadlineError::Interrupted) => buffer.clear(),
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        }
    }
    if let Some(path) = &history {
        let _ = editor.save_history(path);
    }
    Ok(())
}
