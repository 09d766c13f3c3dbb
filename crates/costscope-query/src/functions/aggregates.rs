//! Trino aggregates DataFusion lacks: `count_if`, `max_by`, `min_by`, and
//! `arbitrary` (DataFusion's `any_value` under Trino's name).

use std::cmp::Ordering;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, make_comparator};
use arrow::compute::SortOptions;
use arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::functions_aggregate::any_value::any_value_udaf;
use datafusion::functions_aggregate::count::count_udaf;
use datafusion::logical_expr::expr::{AggregateFunction, Case};
use datafusion::logical_expr::function::{
    AccumulatorArgs, AggregateFunctionSimplification, StateFieldsArgs,
};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Expr, Signature, Volatility, lit,
};

use super::args::{check_arg_count, udf_struct};

/// `arbitrary(x)`: any non-NULL value of the group.
pub(crate) fn arbitrary() -> AggregateUDF {
    AggregateUDF::clone(&any_value_udaf()).with_aliases(["arbitrary"])
}

udf_struct!(
    /// `count_if(condition) -> bigint`: rows where the condition is true; 0 for
    /// an empty group.
    CountIf
);

impl AggregateUDFImpl for CountIf {
    fn name(&self) -> &str {
        "count_if"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        check_arg_count(self.name(), arg_types, 1, 1)?;
        match &arg_types[0] {
            DataType::Boolean | DataType::Null => Ok(vec![DataType::Boolean]),
            other => plan_err!("count_if argument must be boolean, got {other}"),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }

    fn is_nullable(&self) -> bool {
        false
    }

    fn default_value(&self, _data_type: &DataType) -> Result<ScalarValue> {
        Ok(ScalarValue::Int64(Some(0)))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format_state_name(args.name, "count"),
            DataType::Int64,
            false,
        ))])
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(CountIfAccumulator { count: 0 }))
    }

    /// Rewrites to `count(CASE WHEN condition THEN 1 END)` so the grouped
    /// path uses `count`'s vectorised accumulator.
    fn simplify(&self) -> Option<AggregateFunctionSimplification> {
        Some(Box::new(|call: AggregateFunction, _context| {
            let params = call.params;
            let counted = Expr::Case(Case::new(
                None,
                params
                    .args
                    .into_iter()
                    .map(|condition| (Box::new(condition), Box::new(lit(1i64))))
                    .collect(),
                None,
            ));
            Ok(Expr::AggregateFunction(AggregateFunction::new_udf(
                count_udaf(),
                vec![counted],
                params.distinct,
                params.filter,
                params.order_by,
                params.null_treatment,
            )))
        }))
    }
}

#[derive(Debug)]
struct CountIfAccumulator {
    count: i64,
}

impl Accumulator for CountIfAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let Some(conditions) = values.first().and_then(|v| v.as_boolean_opt()) else {
            return exec_err!("count_if expects a boolean column");
        };
        self.count += conditions.true_count() as i64;
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let Some(counts) = states
            .first()
            .and_then(|s| s.as_primitive_opt::<arrow::datatypes::Int64Type>())
        else {
            return exec_err!("count_if state must be bigint");
        };
        self.count += counts.iter().flatten().sum::<i64>();
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![ScalarValue::Int64(Some(self.count))])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Int64(Some(self.count)))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
    }
}

/// `max_by(x, y)` / `min_by(x, y)`: the `x` of the row with the largest
/// (smallest) non-NULL `y`; NULL when every `y` is NULL.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct ExtremeBy {
    name: &'static str,
    keep: Ordering,
    signature: Signature,
}

impl ExtremeBy {
    pub(crate) fn max_by() -> Self {
        Self::new("max_by", Ordering::Greater)
    }

    pub(crate) fn min_by() -> Self {
        Self::new("min_by", Ordering::Less)
    }

    fn new(name: &'static str, keep: Ordering) -> Self {
        Self {
            name,
            keep,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl AggregateUDFImpl for ExtremeBy {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        check_arg_count(self.name, arg_types, 2, 2)?;
        match &arg_types[1] {
            key @ (DataType::Map(_, _) | DataType::Union(_, _)) => {
                plan_err!("{}: cannot order by {key}", self.name)
            }
            _ => Ok(arg_types.to_vec()),
        }
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        Ok(arg_types[0].clone())
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let [value, key] = args.input_fields else {
            return plan_err!("{} expects 2 arguments", self.name);
        };
        Ok(vec![
            Arc::new(Field::new(
                format_state_name(args.name, "value"),
                value.data_type().clone(),
                true,
            )),
            Arc::new(Field::new(
                format_state_name(args.name, "key"),
                key.data_type().clone(),
                true,
            )),
        ])
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let [value, key] = args.expr_fields else {
            return plan_err!("{} expects 2 arguments", self.name);
        };
        Ok(Box::new(ExtremeByAccumulator {
            keep: self.keep,
            value: ScalarValue::try_from(value.data_type())?,
            key: ScalarValue::try_from(key.data_type())?,
        }))
    }
}

#[derive(Debug)]
struct ExtremeByAccumulator {
    keep: Ordering,
    value: ScalarValue,
    /// The best key so far; NULL until a row with a non-NULL key is seen.
    key: ScalarValue,
}

impl ExtremeByAccumulator {
    /// Folds in the rows of `values` and `keys`, comparing scalars only once
    /// per batch.
    fn fold(&mut self, values: &ArrayRef, keys: &ArrayRef) -> Result<()> {
        let compare = make_comparator(keys.as_ref(), keys.as_ref(), SortOptions::default())?;
        let best = (0..keys.len())
            .filter(|&row| keys.is_valid(row))
            .reduce(|best, row| {
                if compare(row, best) == self.keep {
                    row
                } else {
                    best
                }
            });
        let Some(best) = best else {
            return Ok(());
        };
        let key = ScalarValue::try_from_array(keys, best)?;
        if self.key.is_null() || key.partial_cmp(&self.key) == Some(self.keep) {
            self.value = ScalarValue::try_from_array(values, best)?;
            self.key = key;
        }
        Ok(())
    }
}

impl Accumulator for ExtremeByAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        match values {
            [value, key] => self.fold(value, key),
            _ => exec_err!("max_by/min_by expect 2 columns, got {}", values.len()),
        }
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.update_batch(states)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![self.value.clone(), self.key.clone()])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(self.value.clone())
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.value.size() + self.key.size()
    }
}
