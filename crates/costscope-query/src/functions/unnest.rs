//! `UNNEST` joined to the rows of a table, as CUR queries use it:
//! `FROM cur CROSS JOIN UNNEST(map_keys(resource_tags)) AS t(k)` and
//! `FROM cur CROSS JOIN UNNEST(resource_tags) AS t(k, v)`.
//!
//! Two steps, because DataFusion 55 neither unnests maps nor runs an `UNNEST`
//! that refers to the table on its left:
//! - [`MapUnnestPlanner`] rewrites `UNNEST(tags)` of a map to
//!   `UNNEST(map_keys(tags), map_values(tags))` before planning; arrays in
//!   one `UNNEST` are zipped, as in Trino.
//! - [`LateralUnnest`] turns the resulting lateral join into an `Unnest` of
//!   the left input itself, so each row repeats once per element. Rows whose
//!   array is NULL or empty disappear, as with Trino's `CROSS JOIN UNNEST`;
//!   with `LEFT JOIN UNNEST(...) ON true` they are kept with NULLs.

use std::sync::Arc;

use arrow::datatypes::DataType;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::common::{DFSchema, NullHandling, Result, ScalarValue};
use datafusion::logical_expr::planner::{
    RelationPlanner, RelationPlannerContext, RelationPlanning,
};
use datafusion::logical_expr::{
    Expr, ExprSchemable, Filter, Join, JoinType, LogicalPlan, LogicalPlanBuilder, Projection,
};
use datafusion::optimizer::analyzer::AnalyzerRule;
use datafusion::sql::sqlparser::ast::{
    Expr as SqlExpr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentList,
    FunctionArguments, Ident, ObjectName, TableFactor,
};

/// Expands map arguments of `UNNEST` into their keys and values.
#[derive(Debug)]
pub(crate) struct MapUnnestPlanner;

impl RelationPlanner for MapUnnestPlanner {
    fn plan_relation(
        &self,
        relation: TableFactor,
        context: &mut dyn RelationPlannerContext,
    ) -> Result<RelationPlanning> {
        let TableFactor::UNNEST {
            alias,
            array_exprs,
            with_offset,
            with_offset_alias,
            with_ordinality,
        } = relation
        else {
            return Ok(RelationPlanning::Original(Box::new(relation)));
        };
        // UNNEST has no input of its own: its arguments can only name
        // columns of the relations to its left, as outer references.
        let empty = DFSchema::empty();
        let mut expanded = Vec::with_capacity(array_exprs.len());
        for sql_expr in array_exprs {
            let expr = context.sql_to_expr(sql_expr.clone(), &empty)?;
            if matches!(expr.get_type(&empty)?, DataType::Map(_, _)) {
                expanded.push(call("map_keys", sql_expr.clone()));
                expanded.push(call("map_values", sql_expr));
            } else {
                expanded.push(sql_expr);
            }
        }
        Ok(RelationPlanning::Original(Box::new(TableFactor::UNNEST {
            alias,
            array_exprs: expanded,
            with_offset,
            with_offset_alias,
            with_ordinality,
        })))
    }
}

/// The SQL call `function(argument)`.
fn call(function: &str, argument: SqlExpr) -> SqlExpr {
    SqlExpr::Function(Function {
        name: ObjectName::from(vec![Ident::new(function)]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: vec![FunctionArg::Unnamed(FunctionArgExpr::Expr(argument))],
            clauses: vec![],
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    })
}

/// Rewrites `left JOIN UNNEST(<exprs over left's columns>)` into an `Unnest`
/// over `left`.
#[derive(Debug)]
pub(crate) struct LateralUnnest;

impl AnalyzerRule for LateralUnnest {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        plan.transform_up_with_subqueries(|plan| match plan {
            LogicalPlan::Join(join) => inline_lateral_unnest(join),
            other => Ok(Transformed::no(other)),
        })
        .data()
    }

    fn name(&self) -> &str {
        "lateral_unnest"
    }
}

fn is_true(expr: &Expr) -> bool {
    matches!(expr, Expr::Literal(ScalarValue::Boolean(Some(true)), _))
}

fn inline_lateral_unnest(join: Join) -> Result<Transformed<LogicalPlan>> {
    let null_handling = match join.join_type {
        JoinType::Inner => None,
        JoinType::Left if join.filter.as_ref().is_none_or(is_true) => {
            Some(NullHandling::PreserveAndExpandEmpty)
        }
        _ => return Ok(Transformed::no(LogicalPlan::Join(join))),
    };
    let (subquery, alias) = match join.right.as_ref() {
        LogicalPlan::Subquery(subquery) => (subquery, None),
        LogicalPlan::SubqueryAlias(aliased) => match aliased.input.as_ref() {
            LogicalPlan::Subquery(subquery) => (subquery, Some(&aliased.alias)),
            _ => return Ok(Transformed::no(LogicalPlan::Join(join))),
        },
        _ => return Ok(Transformed::no(LogicalPlan::Join(join))),
    };
    if !join.on.is_empty() {
        return Ok(Transformed::no(LogicalPlan::Join(join)));
    }
    let LogicalPlan::Projection(top) = subquery.subquery.as_ref() else {
        return Ok(Transformed::no(LogicalPlan::Join(join)));
    };
    let inliner = Inliner {
        left: join.left.as_ref(),
        null_handling,
    };
    let Some(input) = inliner.inline(&top.input)? else {
        return Ok(Transformed::no(LogicalPlan::Join(join)));
    };
    // The subquery's own columns keep the names and qualifier the join had.
    let mut exprs = inliner.left_columns();
    for (expr, field) in top.expr.iter().zip(top.schema.fields()) {
        let Some(expr) = inliner.resolve(expr.clone())? else {
            return Ok(Transformed::no(LogicalPlan::Join(join)));
        };
        exprs.push(expr.unalias().alias_qualified(alias.cloned(), field.name()));
    }
    let mut plan = LogicalPlan::Projection(Projection::try_new(exprs, Arc::new(input))?);
    if let Some(filter) = join.filter.filter(|f| !is_true(f)) {
        plan = LogicalPlan::Filter(Filter::try_new(filter, Arc::new(plan))?);
    }
    Ok(Transformed::yes(plan))
}

/// Rebuilds the body of a lateral `UNNEST` on top of the join's left input.
struct Inliner<'a> {
    left: &'a LogicalPlan,
    null_handling: Option<NullHandling>,
}

impl Inliner<'_> {
    fn left_columns(&self) -> Vec<Expr> {
        self.left
            .schema()
            .columns()
            .into_iter()
            .map(Expr::Column)
            .collect()
    }

    /// Replaces outer references by the left input's columns; `None` if one
    /// points further out than the left input.
    fn resolve(&self, expr: Expr) -> Result<Option<Expr>> {
        let schema = self.left.schema();
        let mut resolvable = true;
        let expr = expr
            .transform(|expr| match expr {
                Expr::OuterReferenceColumn(_, column) => {
                    resolvable &= schema.has_column(&column);
                    Ok(Transformed::yes(Expr::Column(column)))
                }
                other => Ok(Transformed::no(other)),
            })
            .data()?;
        Ok(resolvable.then_some(expr))
    }

    /// `plan` with its one-row leaf replaced by the left input, whose columns
    /// every projection passes through; `None` for any other shape.
    fn inline(&self, plan: &LogicalPlan) -> Result<Option<LogicalPlan>> {
        match plan {
            LogicalPlan::EmptyRelation(empty) if empty.produce_one_row => {
                Ok(Some(self.left.clone()))
            }
            LogicalPlan::Projection(projection) => {
                let Some(input) = self.inline(&projection.input)? else {
                    return Ok(None);
                };
                let mut exprs = self.left_columns();
                for expr in &projection.expr {
                    let Some(expr) = self.resolve(expr.clone())? else {
                        return Ok(None);
                    };
                    exprs.push(expr);
                }
                Ok(Some(LogicalPlan::Projection(Projection::try_new(
                    exprs,
                    Arc::new(input),
                )?)))
            }
            LogicalPlan::Unnest(unnest) => {
                let Some(input) = self.inline(&unnest.input)? else {
                    return Ok(None);
                };
                let mut options = unnest.options.clone();
                if let Some(null_handling) = self.null_handling {
                    options = options.with_null_handling(null_handling);
                }
                let plan = LogicalPlanBuilder::from(input)
                    .unnest_columns_with_options(unnest.exec_columns.clone(), options)?
                    .build()?;
                Ok(Some(plan))
            }
            _ => Ok(None),
        }
    }
}
