//! `costscope access`: validate an access file and show what each principal gets; make a
//! token and the hash an access file stores for it.

use clap::{Args, Subcommand};
use costscope_query::{Access, Principal};
use datafusion::arrow::array::{ArrayRef, RecordBatch, StringArray};
use std::sync::Arc;

use crate::args::{Format, Global};
use crate::output::print_batch;

#[derive(Debug, Args)]
pub struct AccessArgs {
    #[command(subcommand)]
    pub command: AccessCommand,
}

#[derive(Debug, Subcommand)]
pub enum AccessCommand {
    /// Validate the access file given with --access and list what each principal may read.
    Check {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Print a new random token and the token_sha256 an access file stores for it.
    Token,
}

pub async fn run(global: &Global, args: AccessArgs) -> anyhow::Result<()> {
    match args.command {
        AccessCommand::Check { format } => {
            let Some(path) = &global.access else {
                anyhow::bail!("give the access file to check with --access FILE");
            };
            let access = Access::load(path)?;
            print_batch(summary(&access)?, format)
        }
        AccessCommand::Token => {
            let token = costscope_query::access::new_token();
            println!("token:        {token}");
            println!(
                "token_sha256: {}",
                costscope_query::access::token_sha256(&token)
            );
            Ok(())
        }
    }
}

/// One row per principal and table it may use.
fn summary(access: &Access) -> anyhow::Result<RecordBatch> {
    let mut rows: Vec<[String; 6]> = Vec::new();
    for name in access.principal_names() {
        let principal = access.principal(name)?;
        let workgroup = principal
            .workgroup()
            .map_or(String::new(), |w| w.name.clone());
        match principal.grants() {
            None => rows.push([
                name.to_string(),
                workgroup,
                "*".into(),
                "admin".into(),
                "all".into(),
                String::new(),
            ]),
            Some(grants) => {
                for (table, grant) in &grants.tables {
                    rows.push([
                        name.to_string(),
                        workgroup.clone(),
                        table.clone(),
                        permissions(&principal, grant.select, grant.describe),
                        grant.rows.as_ref().map_or("all".into(), |r| r.join(" OR ")),
                        hidden(grant),
                    ]);
                }
            }
        }
    }
    let headers = [
        "principal",
        "workgroup",
        "table",
        "permissions",
        "rows",
        "hidden",
    ];
    let columns: Vec<(&str, ArrayRef)> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let values: Vec<&str> = rows.iter().map(|r| r[i].as_str()).collect();
            (*h, Arc::new(StringArray::from(values)) as ArrayRef)
        })
        .collect();
    Ok(RecordBatch::try_from_iter(columns)?)
}

fn permissions(principal: &Principal, select: bool, describe: bool) -> String {
    let mut names = Vec::new();
    if select {
        names.push("select");
    }
    if describe {
        names.push("describe");
    }
    if principal.may_change_state() {
        names.push("change state");
    }
    names.join(", ")
}

fn hidden(grant: &costscope_query::TableGrant) -> String {
    let mut names: Vec<String> = grant.hidden_columns.iter().cloned().collect();
    for (column, keys) in &grant.hidden_keys {
        names.extend(keys.iter().map(|k| format!("{column}['{k}']")));
    }
    names.join(", ")
}
