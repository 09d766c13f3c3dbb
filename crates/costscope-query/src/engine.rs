//! The session factory. Every query — SQL typed by a user, or an analysis — runs in a
//! session built here for a principal, so access control has one place to live: the
//! tables a principal's session registers and how they are wrapped.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use costscope_core::{measures, tables};
use costscope_lake::Lake;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::TableProvider;
use datafusion::datasource::MemTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::cache::cache_manager::CacheManagerConfig;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::prelude::{DataFrame, SQLOptions, SessionConfig, SessionContext};

use crate::rewrite::{RollupTable, Rollups};
use crate::{Result, functions};
use costscope_core::rollup::Rollup;

/// Who a session is for. Only administrators exist for now; roles with row and column
/// filters attach here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub name: String,
    pub role: Role,
}

/// What a principal may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Sees every table, row and column.
    Admin,
}

impl Principal {
    /// The built-in administrator.
    pub fn admin() -> Self {
        Principal {
            name: "admin".into(),
            role: Role::Admin,
        }
    }
}

/// Parquet footers and page indexes kept in memory, shared by the sessions of an engine.
const METADATA_CACHE_BYTES: usize = 512 * 1024 * 1024;
/// File statistics kept in memory.
const STATISTICS_CACHE_BYTES: usize = 64 * 1024 * 1024;

/// Opens sessions over one lake.
#[derive(Debug, Clone)]
pub struct Engine {
    lake: Lake,
    target_partitions: usize,
    rollups: bool,
    /// Shared by every session: Parquet footers and file statistics are read once per
    /// file, not once per request (lake files never change; new data has new names).
    runtime: Arc<RuntimeEnv>,
}

/// A principal's query session.
pub struct Session {
    ctx: SessionContext,
    principal: Principal,
    /// Per registered rollup, the tag keys it keeps.
    tag_keys: BTreeMap<String, BTreeSet<String>>,
    /// The registered rollups, which answer aggregates over the lines when they can.
    rollups: Rollups,
}

impl Engine {
    /// An engine over `lake` using every core.
    pub fn new(lake: Lake) -> Self {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        let caches = CacheManagerConfig::default()
            .with_metadata_cache_limit(METADATA_CACHE_BYTES)
            .with_file_statistics_cache_limit(STATISTICS_CACHE_BYTES);
        let runtime = RuntimeEnvBuilder::new()
            .with_cache_manager(caches)
            .build_arc()
            .unwrap_or_default();
        Engine {
            lake,
            target_partitions: cores,
            rollups: true,
            runtime,
        }
    }

    /// This engine with sessions that never register the rollups of `cur`, so every
    /// analysis reads the lines themselves (to compare both ways of answering).
    pub fn without_rollups(mut self) -> Self {
        self.rollups = false;
        self
    }

    /// The lake this engine reads.
    pub fn lake(&self) -> &Lake {
        &self.lake
    }

    /// Builds a session for `principal` with the lake's tables, the standard views and
    /// the Athena/Trino functions.
    pub async fn session(&self, principal: &Principal) -> Result<Session> {
        let config = SessionConfig::new()
            .with_target_partitions(self.target_partitions)
            .with_information_schema(true)
            .with_default_catalog_and_schema("awsdatacatalog", "costscope");
        let mut config = config;
        // Filters evaluated while decoding: the other columns (the tag and product maps
        // above all) are decoded only for the rows that pass. Measured on the benchmark,
        // this wins on selective scans and costs little on full ones.
        let parquet = &mut config.options_mut().execution.parquet;
        parquet.pushdown_filters = true;
        parquet.reorder_filters = true;
        let mut state = SessionStateBuilder::new()
            .with_config(config)
            .with_runtime_env(self.runtime.clone())
            .with_default_features()
            .build();
        functions::install(&mut state)?;
        let ctx = SessionContext::new_with_state(state);
        let manifest = self.lake.manifest()?;
        let mut tag_keys = BTreeMap::new();
        let mut rollups = Rollups {
            tables: Vec::new(),
            view: None,
        };
        for table in tables::LAKE_TABLES {
            if let Some(source) = table.derives_from {
                // Only a rollup computed from the live partitions of its source answers
                // for it: a lake ingested before rollups existed reads `cur` alone.
                if !self.rollups || !manifest.derived_is_current(table.name, source) {
                    continue;
                }
                if let Some(keys) = manifest.tag_keys(table.name) {
                    tag_keys.insert(table.name.to_string(), keys);
                }
            }
            let files: Vec<String> = manifest
                .tables
                .get(table.name)
                .into_iter()
                .flat_map(|t| t.partitions.values())
                .flat_map(|p| p.files.iter())
                .map(|f| self.lake.root().join(&f.path).display().to_string())
                .collect();
            let provider = lake_table(files, (table.schema)(), &self.runtime)?;
            if let Some(rollup) = Rollup::named(table.name) {
                rollups.tables.push(RollupTable {
                    rollup,
                    provider: provider.clone(),
                    tag_keys: tag_keys.get(table.name).cloned().unwrap_or_default(),
                });
            }
            ctx.register_table(table.name, provider)?;
        }
        ctx.sql(&cur_amortized_view()).await?;
        if !rollups.tables.is_empty() {
            rollups.view = view_plan(&ctx).await?;
        }
        ctx.sql(&ip_owners_view()).await?;
        Ok(Session {
            ctx,
            principal: principal.clone(),
            tag_keys,
            rollups,
        })
    }
}

/// A table over exactly the files the manifest publishes (never a folder listing, which
/// could include the unpublished files of a running or killed ingest).
fn lake_table(
    files: Vec<String>,
    schema: SchemaRef,
    runtime: &RuntimeEnv,
) -> Result<Arc<dyn TableProvider>> {
    let schema = view_schema(&schema);
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
    let table =
        ListingTable::try_new(config)?.with_cache(runtime.cache_manager.get_file_statistic_cache());
    Ok(Arc::new(table))
}

/// `schema` with its text columns read as `Utf8View`: the Parquet reader then keeps the
/// decoded strings in place instead of copying them into one buffer per column.
fn view_schema(schema: &SchemaRef) -> SchemaRef {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8 => f.as_ref().clone().with_data_type(DataType::Utf8View),
            _ => f.as_ref().clone(),
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

/// The plan `FROM cur_amortized` becomes once the SQL planner has inlined the view.
async fn view_plan(ctx: &SessionContext) -> Result<Option<datafusion::logical_expr::LogicalPlan>> {
    let sql = format!("SELECT * FROM {}", tables::CUR_AMORTIZED);
    let (_, plan) = ctx.sql(&sql).await?.into_parts();
    Ok(match plan {
        datafusion::logical_expr::LogicalPlan::Projection(projection) => {
            Some(projection.input.as_ref().clone())
        }
        _ => None,
    })
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

    /// The tag keys a rollup registered in this session keeps in `resource_tags`
    /// (`None` for other tables, and for a rollup that does not say).
    pub fn tag_keys(&self, table: &str) -> Option<&BTreeSet<String>> {
        self.tag_keys.get(table)
    }

    /// Runs one read-only SQL statement. Statements that would write (INSERT, COPY) or
    /// change the catalog (CREATE, DROP) are refused: the lake changes only by ingest.
    pub async fn sql(&self, query: &str) -> Result<QueryResult> {
        self.sql_with(query, QueryOptions::default()).await
    }

    /// [`Session::sql`] with scan options. The session's own settings are left as they
    /// are: the options apply to a copy of its state, which shares the session's tables
    /// (so the principal's access applies).
    pub async fn sql_with(&self, query: &str, options: QueryOptions) -> Result<QueryResult> {
        let sql_options = SQLOptions::new()
            .with_allow_ddl(false)
            .with_allow_dml(false)
            .with_allow_statements(!options.selective);
        let frame = if options.selective {
            let mut state = self.ctx.state();
            let parquet = &mut state.config_mut().options_mut().execution.parquet;
            parquet.pushdown_filters = true;
            parquet.reorder_filters = true;
            SessionContext::new_with_state(state)
                .sql_with_options(query, sql_options)
                .await?
        } else {
            self.ctx.sql_with_options(query, sql_options).await?
        };
        // Aggregates a rollup answers read it (the same figures from fewer rows).
        let (state, plan) = frame.into_parts();
        let frame = DataFrame::new(state, self.rollups.rewrite(plan)?);
        collect(frame).await
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
    Ok(QueryResult { schema, batches })
}

/// The rows of a query and their schema (kept even when there are no rows).
#[derive(Debug, Clone)]
pub struct QueryResult {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
}

impl QueryResult {
    /// Number of rows.
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(|b| b.num_rows()).sum()
    }
}
