//! The session factory. Every query — SQL typed by a user, or an analysis — runs in a
//! session built here for a principal, so access control has one place to live: the
//! tables a principal's session registers and how they are wrapped.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use costscope_core::{measures, tables};
use costscope_lake::Lake;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::TableProvider;
use datafusion::datasource::MemTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::error::DataFusionError;
use datafusion::execution::SessionStateBuilder;
use datafusion::physical_plan::execute_stream;
use datafusion::prelude::{DataFrame, SQLOptions, SessionConfig, SessionContext};
use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast::Statement as SqlStatement;
use futures::StreamExt;

use crate::access::{Principal, Workgroup};
use crate::restricted::{RestrictedTable, ScanMeter, barrier::bytes_scanned};
use crate::workgroup::WorkgroupRuntime;
use crate::{Error, Result, functions};

/// Opens sessions over one lake.
#[derive(Debug, Clone)]
pub struct Engine {
    lake: Lake,
    target_partitions: usize,
    workgroups: Arc<Mutex<HashMap<String, Arc<WorkgroupRuntime>>>>,
}

/// A principal's query session.
pub struct Session {
    ctx: SessionContext,
    principal: Principal,
    workgroup: Option<Arc<WorkgroupRuntime>>,
    lake_root: String,
}

impl Engine {
    /// An engine over `lake` using every core.
    pub fn new(lake: Lake) -> Self {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        Engine {
            lake,
            target_partitions: cores,
            workgroups: Arc::default(),
        }
    }

    /// The lake this engine reads.
    pub fn lake(&self) -> &Lake {
        &self.lake
    }

    /// Builds a session for `principal` with the tables it may use, the standard views
    /// over them and the Athena/Trino functions. A restricted principal's tables are
    /// [`RestrictedTable`]s; tables it has no grant on are not registered at all.
    pub async fn session(&self, principal: &Principal) -> Result<Session> {
        let workgroup = principal.workgroup().map(|w| self.workgroup(w));
        let config = SessionConfig::new()
            .with_target_partitions(self.target_partitions)
            .with_information_schema(true)
            .with_default_catalog_and_schema("awsdatacatalog", "costscope");
        let mut builder = SessionStateBuilder::new()
            .with_config(config)
            .with_default_features();
        if let Some(runtime) = workgroup.as_ref().and_then(|w| w.runtime.clone()) {
            builder = builder.with_runtime_env(runtime);
        }
        let mut state = builder.build();
        functions::install(&mut state)?;
        let ctx = SessionContext::new_with_state(state);
        let manifest = self.lake.manifest()?;
        for table in tables::LAKE_TABLES {
            let Some(grant) = principal.table(table.name) else {
                continue;
            };
            let files: Vec<String> = manifest
                .tables
                .get(table.name)
                .into_iter()
                .flat_map(|t| t.partitions.values())
                .flat_map(|p| p.files.iter())
                .map(|f| self.lake.root().join(&f.path).display().to_string())
                .collect();
            let mut provider = lake_table(files, (table.schema)())?;
            if !principal.is_admin() {
                provider = Arc::new(RestrictedTable::new(table.name, provider, grant, &ctx)?);
            }
            ctx.register_table(table.name, provider)?;
        }
        for (base, view) in [
            (tables::CUR, cur_amortized_view()),
            (tables::INVENTORY, ip_owners_view()),
        ] {
            let created = ctx.sql(&view).await;
            // A view exists for a principal when its table does and shows every column
            // the view reads; otherwise it does not exist for them either.
            if principal.is_admin() {
                created?;
            } else if created.is_err() && principal.table(base).is_some() {
                tracing::debug!("a view over {base} is hidden from {}", principal.name);
            }
        }
        Ok(Session {
            ctx,
            principal: principal.clone(),
            workgroup,
            lake_root: self.lake.root().display().to_string(),
        })
    }

    /// The shared state of workgroup `limits.name`: its queue and memory pool.
    fn workgroup(&self, limits: &Workgroup) -> Arc<WorkgroupRuntime> {
        let mut workgroups = self.workgroups.lock().expect("workgroup lock");
        let current = workgroups.get(&limits.name).filter(|w| &w.limits == limits);
        if let Some(runtime) = current {
            return runtime.clone();
        }
        let runtime = Arc::new(WorkgroupRuntime::new(limits.clone()));
        workgroups.insert(limits.name.clone(), runtime.clone());
        runtime
    }
}

/// A context with the Athena functions and no tables, for planning expressions alone (an
/// access file's row filters).
pub(crate) fn planning_context() -> Result<SessionContext> {
    let mut state = SessionStateBuilder::new().with_default_features().build();
    functions::install(&mut state)?;
    Ok(SessionContext::new_with_state(state))
}

/// A table over exactly the files the manifest publishes (never a folder listing, which
/// could include the unpublished files of a running or killed ingest).
fn lake_table(files: Vec<String>, schema: SchemaRef) -> Result<Arc<dyn TableProvider>> {
    if files.is_empty() {
        return Ok(Arc::new(MemTable::try_new(schema, vec![vec![]])?));
    }
    let urls = files
        .iter()
        .map(ListingTableUrl::parse)
        .collect::<datafusion::error::Result<Vec<_>>>()?;
    let options =
        ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
    let config = ListingTableConfig::new_with_multi_paths(urls)
        .with_listing_options(options)
        .with_schema(schema);
    Ok(Arc::new(ListingTable::try_new(config)?))
}

/// `ip_owners`: which resource held each IP address, from the first to the last inventory
/// snapshot that shows it (`valid_from`, `valid_to`, inclusive dates), for joins such as
/// `flow_logs f JOIN ip_owners o ON f.srcaddr = o.ip_address AND CAST(f.date AS DATE)
/// BETWEEN o.valid_from AND o.valid_to`. Tags stay in `inventory` (join on `resource_id`
/// and `date`).
fn ip_owners_view() -> String {
    const COLUMNS: &str = "ip_address, resource_id, resource_type, account_id, region, \
        availability_zone, az_id, subnet_id, vpc_id, eni_id, nat_gateway_id";
    format!(
        "CREATE VIEW {} AS SELECT {COLUMNS}, MIN(date) AS valid_from, MAX(date) AS valid_to \
         FROM {} WHERE ip_address IS NOT NULL GROUP BY {COLUMNS}",
        tables::IP_OWNERS,
        tables::INVENTORY
    )
}

/// `cur_amortized`: every `cur` column plus the amortized and net measures.
fn cur_amortized_view() -> String {
    format!(
        "CREATE VIEW {} AS SELECT *, {} AS amortized_cost, {} AS net_unblended_cost, {} AS net_amortized_cost FROM {}",
        tables::CUR_AMORTIZED,
        measures::AMORTIZED_COST_SQL,
        measures::NET_UNBLENDED_COST_SQL,
        measures::NET_AMORTIZED_COST_SQL,
        tables::CUR
    )
}

/// How a query scans the lake.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueryOptions {
    /// Evaluate the `WHERE` conjuncts while decoding Parquet (late materialization): the
    /// filter columns are read first, the others (the tag and product maps above all) only
    /// for the rows that pass. For selective scans (Bedrock lines, a week, a window) this
    /// reads a fraction of the bytes; results are the same.
    pub selective: bool,
}

impl QueryOptions {
    /// Options for a scan that keeps few rows.
    pub fn selective() -> QueryOptions {
        QueryOptions { selective: true }
    }
}

impl Session {
    /// The principal this session belongs to.
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// Whether this session has a table (or view) of this name: a rollup is missing when
    /// the lake has none current, or the principal's filters need columns it lacks.
    pub fn has_table(&self, name: &str) -> bool {
        self.ctx.table_exist(name).unwrap_or(false)
    }

    /// Runs one read-only SQL statement. Statements that would write (INSERT, COPY) or
    /// change the catalog (CREATE, DROP) are refused: the lake changes only by ingest.
    pub async fn sql(&self, query: &str) -> Result<QueryResult> {
        self.sql_with(query, QueryOptions::default()).await
    }

    /// [`Session::sql`] with scan options, within the limits of the principal's workgroup:
    /// it waits for a free slot (or is refused when the queue is full), is cancelled at the
    /// timeout, and stops past the scanned-bytes, memory and result-row limits. A
    /// restricted principal's errors never show the lake's paths.
    pub async fn sql_with(&self, query: &str, options: QueryOptions) -> Result<QueryResult> {
        let outcome = async {
            self.check_statement(query)?;
            let _slot = match &self.workgroup {
                Some(workgroup) => Some(workgroup.admit().await?),
                None => None,
            };
            let limits = self.workgroup.as_ref().map(|w| &w.limits);
            match limits.and_then(|w| w.timeout) {
                None => self.run(query, options).await,
                Some(timeout) => tokio::time::timeout(timeout, self.run(query, options))
                    .await
                    .map_err(|_| {
                        Error::Limit(format!(
                            "the query ran longer than the {} workgroup `{}` allows, and was cancelled",
                            humantime::format_duration(timeout),
                            limits.map_or("", |w| w.name.as_str())
                        ))
                    })?,
            }
        }
        .await;
        outcome.map_err(|e| self.explain_error(e))
    }

    /// The physical plan `query` runs as in this session, indented, outer nodes first. For
    /// administrators and tests: SQL `EXPLAIN` is refused to restricted principals.
    pub async fn plan_text(&self, query: &str) -> Result<String> {
        let frame = self.ctx.sql(query).await?;
        let plan = frame.create_physical_plan().await?;
        Ok(datafusion::physical_plan::displayable(plan.as_ref())
            .indent(true)
            .to_string())
    }

    /// Refuses, for a restricted principal, what would show more than its rows: `EXPLAIN`
    /// (file paths, statistics) and `DESCRIBE` of a table granted without `describe`.
    fn check_statement(&self, query: &str) -> Result<()> {
        let Some(grants) = self.principal.grants() else {
            return Ok(());
        };
        let state = self.ctx.state();
        let dialect = state.config().options().sql_parser.dialect;
        let statement = state.sql_to_statement(query, &dialect)?;
        match &statement {
            DfStatement::Explain(_) => Err(explain_refused()),
            DfStatement::Statement(inner) => match inner.as_ref() {
                SqlStatement::Explain { .. } => Err(explain_refused()),
                SqlStatement::ExplainTable { table_name, .. } => {
                    let table = table_name
                        .0
                        .last()
                        .and_then(|part| part.as_ident())
                        .map(|ident| match ident.quote_style {
                            Some(_) => ident.value.clone(),
                            None => ident.value.to_lowercase(),
                        })
                        .unwrap_or_default();
                    match grants.tables.get(&table) {
                        Some(grant) if !grant.describe => Err(Error::Denied(format!(
                            "the grant on table {table} does not include describe"
                        ))),
                        _ => Ok(()),
                    }
                }
                _ => Ok(()),
            },
            _ => Ok(()),
        }
    }

    async fn run(&self, query: &str, options: QueryOptions) -> Result<QueryResult> {
        let workgroup = self.workgroup.as_ref().map(|w| &w.limits);
        let meter = Arc::new(ScanMeter::new(
            workgroup.map_or("", |w| w.name.as_str()),
            workgroup.and_then(|w| w.max_scanned_bytes),
        ));
        let sql_options = SQLOptions::new()
            .with_allow_ddl(false)
            .with_allow_dml(false)
            .with_allow_statements(!options.selective && self.principal.is_admin());
        let mut state = self.ctx.state();
        state.config_mut().set_extension(meter.clone());
        if options.selective {
            let parquet = &mut state.config_mut().options_mut().execution.parquet;
            parquet.pushdown_filters = true;
            parquet.reorder_filters = true;
        }
        let ctx = SessionContext::new_with_state(state);
        let frame = ctx.sql_with_options(query, sql_options).await?;
        let schema: SchemaRef = Arc::new(frame.schema().as_arrow().clone());
        let plan = frame.create_physical_plan().await?;
        let mut stream = execute_stream(plan.clone(), ctx.task_ctx())?;
        let max_rows = workgroup.and_then(|w| w.max_result_rows);
        let mut batches = Vec::new();
        let mut rows = 0u64;
        while let Some(batch) = stream.next().await {
            let batch = batch?;
            rows += batch.num_rows() as u64;
            if let Some(max) = max_rows.filter(|max| rows > *max) {
                return Err(Error::Limit(format!(
                    "the result has more than the {max} rows workgroup `{}` returns: add a \
                     LIMIT or aggregate",
                    workgroup.map_or("", |w| w.name.as_str())
                )));
            }
            batches.push(batch);
        }
        let scanned_bytes = bytes_scanned(&[plan]).max(meter.scanned());
        Ok(QueryResult {
            schema,
            batches,
            scanned_bytes,
        })
    }

    /// The error as the principal may see it: a workgroup's memory limit named as such,
    /// and, for a restricted principal, no path of the lake in the message.
    fn explain_error(&self, error: Error) -> Error {
        let error = match (&error, self.workgroup.as_ref().map(|w| &w.limits)) {
            (Error::DataFusion(e), Some(w))
                if w.memory.is_some()
                    && matches!(e.find_root(), DataFusionError::ResourcesExhausted(_)) =>
            {
                Error::Limit(format!(
                    "the query needs more memory than the {} bytes workgroup `{}` allows: {}",
                    w.memory.unwrap_or_default(),
                    w.name,
                    e.find_root()
                ))
            }
            _ => error,
        };
        if self.principal.is_admin() {
            return error;
        }
        let message = error.to_string();
        if !message.contains(&self.lake_root) {
            return error;
        }
        Error::Redacted {
            kind: error.kind(),
            message: message.replace(&self.lake_root, "<lake>"),
        }
    }

    /// A scratch space holding `result` (rows this session already read, so already
    /// within the principal's access) as table `name`, for analyses that query their
    /// own intermediate results several times. It sees no lake table.
    pub fn scratch(&self, name: &str, result: QueryResult) -> Result<Scratch> {
        // The batches' own schema, which may differ from the plan's in nullability.
        let schema = result
            .batches
            .first()
            .map(|b| b.schema())
            .unwrap_or(result.schema);
        let table = MemTable::try_new(schema, vec![result.batches])?;
        let ctx = SessionContext::new();
        ctx.register_table(name, Arc::new(table))?;
        Ok(Scratch { ctx })
    }
}

/// Intermediate results of one session, queryable by SQL (see [`Session::scratch`]).
pub struct Scratch {
    ctx: SessionContext,
}

impl Scratch {
    /// Runs one read-only query over the scratch table.
    pub async fn sql(&self, query: &str) -> Result<QueryResult> {
        let options = SQLOptions::new()
            .with_allow_ddl(false)
            .with_allow_dml(false)
            .with_allow_statements(false);
        collect(self.ctx.sql_with_options(query, options).await?).await
    }
}

/// Runs a planned query to completion, keeping its schema even when it has no rows.
async fn collect(frame: DataFrame) -> Result<QueryResult> {
    let schema: SchemaRef = Arc::new(frame.schema().as_arrow().clone());
    let batches = frame.collect().await?;
    Ok(QueryResult::new(schema, batches))
}

fn explain_refused() -> Error {
    Error::Denied(
        "EXPLAIN is for administrators: a plan shows the lake's files and statistics".into(),
    )
}

/// The rows of a query and their schema (kept even when there are no rows).
#[derive(Debug, Clone)]
pub struct QueryResult {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
    /// Bytes the query read from the lake's Parquet files.
    pub scanned_bytes: u64,
}

impl QueryResult {
    /// Rows computed elsewhere (nothing read from the lake).
    pub fn new(schema: SchemaRef, batches: Vec<RecordBatch>) -> QueryResult {
        QueryResult {
            schema,
            batches,
            scanned_bytes: 0,
        }
    }

    /// Number of rows.
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(|b| b.num_rows()).sum()
    }
}
