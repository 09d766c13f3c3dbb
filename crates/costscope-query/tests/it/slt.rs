//! sqllogictest runner over DataFusion sessions, following DataFusion's own
//! conventions: column types `T` text, `I` integer, `R` float or decimal,
//! `B` boolean, `D` date or time, `P` timestamp, `?` anything else; `NULL`
//! for nulls and `(empty)` for empty strings.
//!
//! Set `COSTSCOPE_SLT_COMPLETE=1` to rewrite the expected output of every
//! file in place instead of checking it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Float16Type, Float32Type, Float64Type};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use async_trait::async_trait;
use costscope_query::Session;
use datafusion::error::DataFusionError;
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::prelude::{SessionConfig, SessionContext};
use sqllogictest::{
    AsyncDB, ColumnType, DBOutput, Runner, default_normalizer, default_validator,
    strict_column_validator,
};

/// The type letter of a result column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnKind {
    Text,
    Integer,
    Float,
    Boolean,
    DateTime,
    Timestamp,
    Other,
}

impl ColumnKind {
    fn of(data_type: &DataType) -> Self {
        match data_type {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Self::Text,
            t if t.is_integer() => Self::Integer,
            t if t.is_floating() => Self::Float,
            DataType::Decimal32(..)
            | DataType::Decimal64(..)
            | DataType::Decimal128(..)
            | DataType::Decimal256(..) => Self::Float,
            DataType::Boolean => Self::Boolean,
            DataType::Date32 | DataType::Date64 | DataType::Time32(_) | DataType::Time64(_) => {
                Self::DateTime
            }
            DataType::Timestamp(_, _) => Self::Timestamp,
            _ => Self::Other,
        }
    }
}

impl ColumnType for ColumnKind {
    fn from_char(value: char) -> Option<Self> {
        Some(match value {
            'T' => Self::Text,
            'I' => Self::Integer,
            'R' => Self::Float,
            'B' => Self::Boolean,
            'D' => Self::DateTime,
            'P' => Self::Timestamp,
            _ => Self::Other,
        })
    }

    fn to_char(&self) -> char {
        match self {
            Self::Text => 'T',
            Self::Integer => 'I',
            Self::Float => 'R',
            Self::Boolean => 'B',
            Self::DateTime => 'D',
            Self::Timestamp => 'P',
            Self::Other => '?',
        }
    }
}

/// What a sqllogictest file runs against: a bare context with the function set, or a
/// principal's session over a lake (through its one door, as users query).
#[derive(Clone)]
pub enum Target {
    Context(SessionContext),
    Session(Arc<Session>),
}

/// A sqllogictest connection.
pub struct DataFusionDb {
    target: Target,
}

#[async_trait]
impl AsyncDB for DataFusionDb {
    type Error = DataFusionError;
    type ColumnType = ColumnKind;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<ColumnKind>, DataFusionError> {
        let (schema, batches) = match &self.target {
            Target::Context(ctx) => {
                let frame = ctx.sql(sql).await?;
                let schema = frame.schema().as_arrow().clone();
                (schema, frame.collect().await?)
            }
            Target::Session(session) => {
                let result = session
                    .sql(sql)
                    .await
                    .map_err(|e| DataFusionError::External(Box::new(e)))?;
                (result.schema.as_ref().clone(), result.batches)
            }
        };
        if schema.fields().is_empty() {
            return Ok(DBOutput::StatementComplete(0));
        }
        let types = schema
            .fields()
            .iter()
            .map(|field| ColumnKind::of(field.data_type()))
            .collect();
        let mut rows = Vec::new();
        for batch in &batches {
            let columns = batch
                .columns()
                .iter()
                .map(|column| column_strings(column.as_ref()))
                .collect::<Result<Vec<_>, _>>()?;
            rows.extend((0..batch.num_rows()).map(|row| {
                columns
                    .iter()
                    .map(|column| column[row].clone())
                    .collect::<Vec<_>>()
            }));
        }
        Ok(DBOutput::Rows { types, rows })
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "costscope"
    }
}

/// Renders every value of `column` as sqllogictest text.
fn column_strings(column: &dyn Array) -> Result<Vec<String>, DataFusionError> {
    let float = |row: usize| -> Option<String> {
        match column.data_type() {
            DataType::Float16 => Some(column.as_primitive::<Float16Type>().value(row).to_string()),
            DataType::Float32 => Some(column.as_primitive::<Float32Type>().value(row).to_string()),
            DataType::Float64 => Some(column.as_primitive::<Float64Type>().value(row).to_string()),
            _ => None,
        }
    };
    let options = FormatOptions::default().with_null("NULL");
    let formatter = ArrayFormatter::try_new(column, &options)?;
    (0..column.len())
        .map(|row| {
            if column.is_null(row) {
                return Ok("NULL".to_string());
            }
            if let Some(text) = float(row) {
                return Ok(text);
            }
            let text = formatter.value(row).try_to_string()?;
            Ok(
                if text.is_empty() && ColumnKind::of(column.data_type()) == ColumnKind::Text {
                    "(empty)".to_string()
                } else {
                    text
                },
            )
        })
        .collect()
}

/// A session with DataFusion's defaults and the Athena functions.
pub fn athena_context() -> SessionContext {
    let mut state = SessionStateBuilder::new()
        .with_config(SessionConfig::new().with_target_partitions(2))
        .with_default_features()
        .build();
    costscope_query::functions::install(&mut state).expect("Athena functions install");
    SessionContext::new_with_state(state)
}

/// Every `.slt` file under `dir`, recursively, in name order.
fn slt_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            files.extend(slt_files(&path)?);
        } else if path.extension().is_some_and(|ext| ext == "slt") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Runs (or, with `COSTSCOPE_SLT_COMPLETE=1`, rewrites) every `.slt` file
/// under `dir`, each on a fresh target from `make_target`. Returns how many
/// files ran, or every failure at once.
pub async fn run_dir<F>(dir: impl AsRef<Path>, make_target: F) -> Result<usize, String>
where
    F: Fn() -> Target + Clone + Send + 'static,
{
    let complete = std::env::var("COSTSCOPE_SLT_COMPLETE").is_ok_and(|v| v == "1");
    let files = slt_files(dir.as_ref()).map_err(|e| format!("{}: {e}", dir.as_ref().display()))?;
    let mut failures = Vec::new();
    for file in &files {
        let make_target = make_target.clone();
        let mut runner = Runner::new(move || {
            let target = make_target();
            async move { Ok::<_, DataFusionError>(DataFusionDb { target }) }
        });
        runner.with_column_validator(strict_column_validator);
        let result = if complete {
            runner
                .update_test_file(
                    file,
                    " ",
                    default_validator,
                    default_normalizer,
                    strict_column_validator,
                )
                .await
                .map_err(|e| e.to_string())
        } else {
            runner
                .run_file_async(file)
                .await
                .map_err(|e| e.display(false).to_string())
        };
        if let Err(error) = result {
            failures.push(format!("{}:\n{error}", file.display()));
        }
    }
    if failures.is_empty() {
        Ok(files.len())
    } else {
        Err(failures.join("\n\n"))
    }
}

#[tokio::test]
async fn functions() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/slt/functions");
    match run_dir(&dir, || Target::Context(athena_context())).await {
        Ok(files) => assert!(files > 0, "no .slt files under {}", dir.display()),
        Err(failures) => panic!("sqllogictest failures:\n{failures}"),
    }
}
