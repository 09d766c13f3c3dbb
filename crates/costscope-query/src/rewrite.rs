//! Aggregates over `cur` or `cur_amortized` answered from a rollup (`cur_monthly`, else
//! `cur_daily`) when the rollup gives the same figures: SQL written for the lines, as
//! users write it for Athena, reads a fraction of the rows without being changed.
//!
//! An aggregate is answered from a rollup only when everything it reads is something the
//! rollup keeps, at the rollup's grain:
//! - its groups, filters and `min`/`max`/`count(DISTINCT …)` read columns the rollup has,
//!   the tag keys it keeps, the `product` keys it keeps, and the usage start only through
//!   `date_trunc`, `CAST(… AS DATE)`, `date_format` or a comparison (`>=`, `<`) with a
//!   midnight (the first of a month for `cur_monthly`) at a grain no finer than the
//!   rollup's;
//! - it sums measure columns (or `CASE`s choosing between them and zero by such
//!   conditions), which the rollup holds summed under the same names; `count(*)` is the
//!   sum of `line_count`.
//!
//! Anything else (an hour, a measure compared or multiplied, an average, every tag key
//! through `UNNEST`, a join below the aggregate) leaves the query as it is.

mod check;

use std::sync::Arc;

use costscope_core::rollup::{self, DAILY, MONTHLY, Rollup};
use costscope_core::tables;
use datafusion::common::tree_node::Transformed;
use datafusion::common::{Column, Result, TableReference};
use datafusion::datasource::provider_as_source;
use datafusion::functions::expr_fn::coalesce;
use datafusion::functions_aggregate::expr_fn::sum;
use datafusion::logical_expr::{
    Aggregate, Expr, Filter, LogicalPlan, LogicalPlanBuilder, Projection, SubqueryAlias, lit,
};

use check::{Grain, Reads};

/// The rollups a session has: the table, its provider and the tag keys it keeps.
pub(crate) struct Rollups {
    pub tables: Vec<RollupTable>,
    /// The plan `FROM cur_amortized` becomes (the view, inlined when the SQL is planned),
    /// to recognise it: only the session's own view has the rollups' measures.
    pub view: Option<LogicalPlan>,
}

pub(crate) struct RollupTable {
    pub rollup: Rollup,
    pub provider: Arc<dyn datafusion::catalog::TableProvider>,
    pub tag_keys: std::collections::BTreeSet<String>,
}

impl Rollups {
    /// `plan` with every aggregate a rollup answers reading the rollup.
    pub fn rewrite(&self, plan: LogicalPlan) -> Result<LogicalPlan> {
        if self.tables.is_empty() {
            return Ok(plan);
        }
        let rewritten = plan.transform_up_with_subqueries(|node| self.rewrite_node(node))?;
        if !rewritten.transformed {
            return Ok(rewritten.data);
        }
        // The nodes above a rewritten aggregate keep schemas computed from the old one.
        Ok(rewritten
            .data
            .transform_up_with_subqueries(|node| node.recompute_schema().map(Transformed::yes))?
            .data)
    }

    fn rewrite_node(&self, node: LogicalPlan) -> Result<Transformed<LogicalPlan>> {
        let LogicalPlan::Aggregate(aggregate) = &node else {
            return Ok(Transformed::no(node));
        };
        let Some(chain) = Chain::below(&aggregate.input, self.view.as_ref()) else {
            return Ok(Transformed::no(node));
        };
        let Some(reads) = check::aggregate(aggregate, &chain.filters) else {
            return Ok(Transformed::no(node));
        };
        let Some(table) = self.answering(&reads) else {
            return Ok(Transformed::no(node));
        };
        let source = provider_as_source(table.provider.clone());
        let mut input = match &chain.base {
            // The scan keeps the name the query qualifies its columns with.
            Base::Lines(name) => LogicalPlanBuilder::scan(name.clone(), source, None)?.build()?,
            Base::View(name) => LogicalPlan::SubqueryAlias(SubqueryAlias::try_new(
                Arc::new(LogicalPlanBuilder::scan(table.rollup.table, source, None)?.build()?),
                name.clone(),
            )?),
        };
        if let Some(alias) = &chain.alias {
            input =
                LogicalPlan::SubqueryAlias(SubqueryAlias::try_new(Arc::new(input), alias.clone())?);
        }
        for predicate in chain.filters.iter().rev() {
            input = LogicalPlan::Filter(Filter::try_new(predicate.clone(), Arc::new(input))?);
        }
        let qualifier = chain
            .alias
            .clone()
            .unwrap_or_else(|| chain.base.name().clone());
        let lines = Expr::Column(Column::new(Some(qualifier), rollup::LINE_COUNT));
        let mut counts = Vec::new();
        let aggr_expr: Vec<Expr> = aggregate
            .aggr_expr
            .iter()
            .map(|expr| {
                if check::is_count_of_lines(expr) {
                    let name = expr.schema_name().to_string();
                    counts.push(name.clone());
                    sum(lines.clone()).alias(name)
                } else {
                    expr.clone()
                }
            })
            .collect();
        let rewritten = LogicalPlan::Aggregate(Aggregate::try_new(
            Arc::new(input),
            aggregate.group_expr.clone(),
            aggr_expr,
        )?);
        // Without groups an empty input still gives one row: `count(*)` says 0, a sum NULL.
        let rewritten = if aggregate.group_expr.is_empty() && !counts.is_empty() {
            let columns = rewritten
                .schema()
                .columns()
                .into_iter()
                .map(|column| {
                    if counts.contains(&column.name) {
                        let name = column.name.clone();
                        coalesce(vec![Expr::Column(column), lit(0i64)]).alias(name)
                    } else {
                        Expr::Column(column)
                    }
                })
                .collect();
            LogicalPlan::Projection(Projection::try_new(columns, Arc::new(rewritten))?)
        } else {
            rewritten
        };
        Ok(Transformed::yes(rewritten))
    }

    /// The coarsest rollup that answers `reads`.
    fn answering(&self, reads: &Reads) -> Option<&RollupTable> {
        [MONTHLY, DAILY].into_iter().find_map(|rollup| {
            let table = self.tables.iter().find(|t| t.rollup == rollup)?;
            let grain_ok = match reads.grain {
                Grain::Monthly => true,
                Grain::Daily => rollup.granularity != MONTHLY.granularity,
            };
            let ok = grain_ok
                && (rollup.has_resource || !reads.resource)
                && reads.tags.iter().all(|k| table.tag_keys.contains(k));
            ok.then_some(table)
        })
    }
}

/// What lies between an aggregate and the lines: filters, an alias, the lines.
struct Chain {
    base: Base,
    alias: Option<TableReference>,
    /// From the aggregate down.
    filters: Vec<Expr>,
}

/// The lines an aggregate reads, by the name its columns are qualified with.
enum Base {
    /// A scan of `cur`.
    Lines(TableReference),
    /// The `cur_amortized` view.
    View(TableReference),
}

impl Base {
    fn name(&self) -> &TableReference {
        match self {
            Base::Lines(name) | Base::View(name) => name,
        }
    }
}

impl Chain {
    fn below(plan: &LogicalPlan, view: Option<&LogicalPlan>) -> Option<Chain> {
        let mut filters = Vec::new();
        let mut node = plan;
        while let LogicalPlan::Filter(filter) = node {
            filters.push(filter.predicate.clone());
            node = &filter.input;
        }
        let mut alias = None;
        if let Some(base) = Base::of(node, view) {
            return Some(Chain {
                base,
                alias,
                filters,
            });
        }
        if let LogicalPlan::SubqueryAlias(subquery) = node {
            alias = Some(subquery.alias.clone());
            node = &subquery.input;
        }
        Base::of(node, view).map(|base| Chain {
            base,
            alias,
            filters,
        })
    }
}

impl Base {
    fn of(node: &LogicalPlan, view: Option<&LogicalPlan>) -> Option<Base> {
        if view.is_some_and(|v| v == node) {
            return Some(Base::View(TableReference::bare(tables::CUR_AMORTIZED)));
        }
        let LogicalPlan::TableScan(scan) = node else {
            return None;
        };
        let plain = scan.projection.is_none() && scan.filters.is_empty() && scan.fetch.is_none();
        (scan.table_name.table() == tables::CUR && plain)
            .then(|| Base::Lines(scan.table_name.clone()))
    }
}
