//! `UNNEST` as CUR queries use it on maps.
//!
//! `UNNEST(tags) AS t(k, v)` is rewritten to
//! `UNNEST(map_keys(tags), map_values(tags)) AS t(k, v)` before DataFusion
//! plans it (DataFusion only unnests arrays and structs); several arrays in
//! one `UNNEST` are zipped, as in Trino.

use arrow::datatypes::DataType;
use datafusion::common::{DFSchema, Result};
use datafusion::logical_expr::ExprSchemable;
use datafusion::logical_expr::planner::{
    RelationPlanner, RelationPlannerContext, RelationPlanning,
};
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
