//! SQL syntax planned with Trino semantics: `map['key']` becomes
//! `element_at(map, 'key')` and `SUBSTRING(s FROM a FOR b)` uses Trino's
//! `substr`. This planner must come before DataFusion's own planners.

use std::sync::Arc;

use arrow::datatypes::DataType;
use datafusion::common::{DFSchema, Result};
use datafusion::logical_expr::planner::{ExprPlanner, PlannerResult, RawFieldAccessExpr};
use datafusion::logical_expr::{Expr, ExprSchemable, GetFieldAccess, ScalarUDF};

use super::maps::ElementAt;
use super::strings::Substr;

#[derive(Debug)]
pub(crate) struct AthenaExprPlanner {
    element_at: Arc<ScalarUDF>,
    substr: Arc<ScalarUDF>,
}

impl AthenaExprPlanner {
    pub(crate) fn new() -> Self {
        Self {
            element_at: Arc::new(ScalarUDF::new_from_impl(ElementAt::new())),
            substr: Arc::new(ScalarUDF::new_from_impl(Substr::new())),
        }
    }
}

impl ExprPlanner for AthenaExprPlanner {
    fn plan_field_access(
        &self,
        access: RawFieldAccessExpr,
        schema: &DFSchema,
    ) -> Result<PlannerResult<RawFieldAccessExpr>> {
        let is_map_subscript = matches!(access.field_access, GetFieldAccess::ListIndex { .. })
            && matches!(access.expr.get_type(schema)?, DataType::Map(_, _));
        match access.field_access {
            GetFieldAccess::ListIndex { key } if is_map_subscript => Ok(PlannerResult::Planned(
                self.element_at.call(vec![access.expr, *key]),
            )),
            field_access => Ok(PlannerResult::Original(RawFieldAccessExpr {
                field_access,
                expr: access.expr,
            })),
        }
    }

    fn plan_substring(&self, args: Vec<Expr>) -> Result<PlannerResult<Vec<Expr>>> {
        Ok(PlannerResult::Planned(self.substr.call(args)))
    }
}
