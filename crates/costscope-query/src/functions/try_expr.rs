//! `try(expr)`: NULL where Trino would raise for bad input, as CID views use
//! it around `date_parse`.
//!
//! DataFusion evaluates arguments before a function runs, so `try` cannot
//! catch errors. Instead, [`TryRewrite`] swaps the fallible calls inside it
//! for lenient forms right after type coercion, before constant folding can
//! raise: `CAST` becomes `TRY_CAST`, and `date_parse`,
//! `from_iso8601_timestamp` and `from_iso8601_date` become versions that
//! return NULL for text they cannot read. Other errors (division by zero,
//! for one) still fail the query.

use std::sync::Arc;

use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::logical_expr::expr::{Cast, ScalarFunction, TryCast};
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::simplify::{ExprSimplifyResult, SimplifyContext};
use datafusion::logical_expr::{
    ColumnarValue, Expr, LogicalPlan, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};
use datafusion::optimizer::analyzer::AnalyzerRule;

use super::args::{OnBadValue, check_arg_count};
use super::datetime::fallible_udfs;

/// The lenient forms `try` swaps in, which must also be registered by name.
pub(crate) fn lenient_udfs() -> Vec<ScalarUDF> {
    fallible_udfs(OnBadValue::Null)
}

/// Replaces every `try(expr)` in a plan by `expr` made lenient, keeping the
/// plan's column names.
#[derive(Debug)]
pub(crate) struct TryRewrite {
    try_udf: Try,
}

impl TryRewrite {
    pub(crate) fn new() -> Self {
        Self {
            try_udf: Try::new(),
        }
    }

    fn rewrite(&self, expr: Expr) -> Result<Transformed<Expr>> {
        expr.transform_up(|expr| match expr {
            Expr::ScalarFunction(call) if call.func.inner().is::<Try>() => {
                match <[Expr; 1]>::try_from(call.args) {
                    Ok([arg]) => Ok(Transformed::yes(self.try_udf.lenient(arg)?)),
                    Err(args) => Ok(Transformed::no(Expr::ScalarFunction(
                        ScalarFunction::new_udf(call.func, args),
                    ))),
                }
            }
            other => Ok(Transformed::no(other)),
        })
    }
}

impl AnalyzerRule for TryRewrite {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        plan.transform_up_with_subqueries(|plan| {
            let names = NamePreserver::new(&plan);
            plan.map_expressions(|expr| {
                let name = names.save(&expr);
                Ok(self.rewrite(expr)?.update_data(|expr| name.restore(expr)))
            })
        })
        .data()
    }

    fn name(&self) -> &str {
        "athena_try"
    }
}

/// `try(expr)`. [`TryRewrite`] normally removes it from plans; the
/// simplification below covers sessions that only registered the function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Try {
    signature: Signature,
    lenient: Vec<Arc<ScalarUDF>>,
}

impl Try {
    pub(crate) fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
            lenient: lenient_udfs().into_iter().map(Arc::new).collect(),
        }
    }

    /// `expr` with each fallible call replaced by its lenient form.
    fn lenient(&self, expr: Expr) -> Result<Expr> {
        expr.transform_up(|expr| match expr {
            Expr::Cast(Cast { expr, field }) => Ok(Transformed::yes(Expr::TryCast(
                TryCast::new_from_field(expr, field),
            ))),
            Expr::ScalarFunction(call) => {
                let lenient_name = format!("try_{}", call.func.name());
                match self.lenient.iter().find(|udf| udf.name() == lenient_name) {
                    Some(udf) => Ok(Transformed::yes(Expr::ScalarFunction(
                        ScalarFunction::new_udf(Arc::clone(udf), call.args),
                    ))),
                    None => Ok(Transformed::no(Expr::ScalarFunction(call))),
                }
            }
            other => Ok(Transformed::no(other)),
        })
        .data()
    }
}

impl ScalarUDFImpl for Try {
    fn name(&self) -> &str {
        "try"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        check_arg_count(self.name(), arg_types, 1, 1)?;
        Ok(arg_types.to_vec())
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        Ok(arg_types[0].clone())
    }

    fn simplify(&self, args: Vec<Expr>, _info: &SimplifyContext) -> Result<ExprSimplifyResult> {
        match <[Expr; 1]>::try_from(args) {
            Ok([expr]) => Ok(ExprSimplifyResult::Simplified(self.lenient(expr)?)),
            Err(args) => Ok(ExprSimplifyResult::Original(args)),
        }
    }

    /// Only reached when the plan skips simplification: the argument has
    /// already been evaluated, so it is returned as is.
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        Ok(args.args[0].clone())
    }
}
