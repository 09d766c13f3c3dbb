//! The table a restricted principal sees: the lake table with its row filter, without its
//! hidden columns and map keys, behind a barrier no part of the user's query crosses.
//!
//! DataFusion pushes filters, projections and dynamic filters down towards the scan, so a
//! user's predicate could otherwise run on rows the principal may not see, and its errors
//! (a failed cast, a division by zero) or its selectivity would tell what those rows hold.
//! [`RestrictedTable`] accepts no filter, and its plan ends in [`Barrier`], an execution
//! node that accepts no pushdown and reports no statistics: every expression of the user's
//! query runs above it, on visible rows only.

pub(crate) mod barrier;
mod map_keys;

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::{Schema, SchemaRef};
use datafusion::catalog::{Session as CatalogSession, TableProvider};
use datafusion::common::{Column, DFSchema, plan_err};
use datafusion::datasource::provider_as_source;
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::{
    Expr, LogicalPlanBuilder, TableProviderFilterPushDown, TableType, lit,
};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::SessionContext;

pub use barrier::{Barrier, ScanMeter};

use crate::access::TableGrant;

/// A lake table as a restricted principal's grant shows it.
#[derive(Debug)]
pub struct RestrictedTable {
    name: String,
    inner: Arc<dyn TableProvider>,
    grant: TableGrant,
    row_filter: Option<Expr>,
    /// The visible columns, in table order: (name, hidden map keys).
    visible: Vec<(String, BTreeSet<String>)>,
    schema: SchemaRef,
}

impl RestrictedTable {
    /// Wraps `inner` (the table `name`) in `grant`; `ctx` plans the row filter.
    pub fn new(
        name: &str,
        inner: Arc<dyn TableProvider>,
        grant: TableGrant,
        ctx: &SessionContext,
    ) -> DfResult<RestrictedTable> {
        let full = inner.schema();
        let row_filter = match &grant.rows {
            None => None,
            Some(filters) => {
                let df_schema = DFSchema::try_from(full.as_ref().clone())?;
                let mut combined: Option<Expr> = None;
                for sql in filters {
                    let expr = ctx.parse_sql_expr(sql, &df_schema)?;
                    combined = Some(match combined {
                        None => expr,
                        Some(before) => before.or(expr),
                    });
                }
                combined
            }
        };
        let mut visible = Vec::new();
        let mut fields = Vec::new();
        for field in full.fields() {
            if grant.hidden_columns.contains(field.name()) {
                continue;
            }
            let keys = grant
                .hidden_keys
                .get(field.name())
                .cloned()
                .unwrap_or_default();
            visible.push((field.name().clone(), keys));
            fields.push(field.clone());
        }
        Ok(RestrictedTable {
            name: name.to_string(),
            inner,
            grant,
            row_filter,
            visible,
            schema: Arc::new(Schema::new(fields)),
        })
    }

    /// The expression producing visible column `index`: the column itself, or the map
    /// without its hidden keys.
    fn column_expr(&self, index: usize) -> Expr {
        let (name, keys) = &self.visible[index];
        let column = Expr::Column(Column::new_unqualified(name));
        if keys.is_empty() {
            return column;
        }
        let mut args = vec![column];
        args.extend(keys.iter().map(|k| lit(k.clone())));
        map_keys::without_keys().call(args).alias(name)
    }
}

#[async_trait]
impl TableProvider for RestrictedTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> DfResult<Vec<TableProviderFilterPushDown>> {
        // The user's filters stay above the barrier.
        Ok(vec![
            TableProviderFilterPushDown::Unsupported;
            filters.len()
        ])
    }

    async fn scan(
        &self,
        state: &dyn CatalogSession,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        if !self.grant.select {
            return plan_err!(
                "permission denied: the grant on table {} does not include select",
                self.name
            );
        }
        let all: Vec<usize> = (0..self.visible.len()).collect();
        let wanted = projection.unwrap_or(&all);
        let mut plan =
            LogicalPlanBuilder::scan(&self.name, provider_as_source(self.inner.clone()), None)?;
        if let Some(filter) = &self.row_filter {
            plan = plan.filter(filter.clone())?;
        }
        // An empty projection (COUNT(*)) still needs a column to carry the row count.
        let columns: Vec<Expr> = if wanted.is_empty() {
            vec![lit(true).alias("__row")]
        } else {
            wanted.iter().map(|i| self.column_expr(*i)).collect()
        };
        plan = plan.project(columns)?;
        if let Some(limit) = limit {
            plan = plan.limit(0, Some(limit))?;
        }
        let inner = state.create_physical_plan(&plan.build()?).await?;
        let output = Arc::new(self.schema.project(wanted)?);
        let meter = state.config().get_extension::<ScanMeter>();
        Ok(Arc::new(Barrier::new(&self.name, inner, output, meter)))
    }
}
