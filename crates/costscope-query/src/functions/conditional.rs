//! `if(condition, then [, else])`.
//!
//! Trino evaluates only the chosen branch, so the call is rewritten to a
//! `CASE` expression when the plan is simplified; the eager evaluation below
//! only runs for plans that skip the optimizer.

use arrow::array::{Array, BooleanArray, new_null_array};
use arrow::compute::kernels::zip::zip;
use arrow::compute::prep_null_mask_filter;
use arrow::datatypes::DataType;
use datafusion::common::{Result, plan_err};
use datafusion::logical_expr::expr::Case;
use datafusion::logical_expr::simplify::{ExprSimplifyResult, SimplifyContext};
use datafusion::logical_expr::{ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDFImpl, Signature};
use datafusion::logical_expr_common::type_coercion::binary::type_union_resolution;

use super::args::{check_arg_count, output, output_rows, udf_struct};

udf_struct!(
    /// `if(condition, then [, else])`: `else` defaults to NULL.
    If
);

impl ScalarUDFImpl for If {
    fn name(&self) -> &str {
        "if"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let name = self.name();
        check_arg_count(name, arg_types, 2, 3)?;
        let condition = match &arg_types[0] {
            DataType::Boolean | DataType::Null => DataType::Boolean,
            other => return plan_err!("{name} condition must be boolean, got {other}"),
        };
        let branches = &arg_types[1..];
        let Some(common) = type_union_resolution(branches) else {
            return plan_err!(
                "{name} branches have no common type: {}",
                branches
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        };
        let mut coerced = vec![condition];
        coerced.extend(branches.iter().map(|_| common.clone()));
        Ok(coerced)
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        Ok(arg_types[1].clone())
    }

    fn short_circuits(&self) -> bool {
        true
    }

    fn simplify(&self, args: Vec<Expr>, _info: &SimplifyContext) -> Result<ExprSimplifyResult> {
        let mut args = args.into_iter();
        let (Some(condition), Some(then)) = (args.next(), args.next()) else {
            return plan_err!("{} expects 2 or 3 arguments", self.name());
        };
        let otherwise = args.next().map(Box::new);
        Ok(ExprSimplifyResult::Simplified(Expr::Case(Case::new(
            None,
            vec![(Box::new(condition), Box::new(then))],
            otherwise,
        ))))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = output_rows(&args.args, args.number_rows);
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let condition = arrays[0].as_any().downcast_ref::<BooleanArray>();
        let Some(condition) = condition else {
            return plan_err!("{} condition must be boolean", self.name());
        };
        // A NULL condition picks the else branch.
        let mask = if condition.null_count() > 0 {
            prep_null_mask_filter(condition)
        } else {
            condition.clone()
        };
        let otherwise = match arrays.get(2) {
            Some(array) => array.clone(),
            None => new_null_array(arrays[1].data_type(), rows),
        };
        let chosen = zip(&mask, &arrays[1], &otherwise)?;
        output(chosen, &args.args)
    }
}
