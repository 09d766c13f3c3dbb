//! DataFusion functions whose aliases are taken by Trino functions:
//! `to_char` is also `date_format` and `map_extract` is also `element_at`.
//!
//! Registering our function over the alias is not enough: rebuilding a
//! session (`SessionStateBuilder::new_from_existing`, which Ballista does)
//! re-registers every function in hash order, and DataFusion's could win the
//! alias back. So the originals are re-registered without those aliases.

use arrow::datatypes::{DataType, FieldRef};
use datafusion::common::Result;
use datafusion::logical_expr::interval_arithmetic::Interval;
use datafusion::logical_expr::simplify::{ExprSimplifyResult, SimplifyContext};
use datafusion::logical_expr::sort_properties::{ExprProperties, SortProperties};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, Expr, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF,
    ScalarUDFImpl, Signature,
};

/// A DataFusion function with some of its aliases removed.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct WithoutAliases {
    inner: ScalarUDF,
    aliases: Vec<String>,
}

impl WithoutAliases {
    pub(crate) fn new(inner: ScalarUDF, removed: &[&str]) -> Self {
        let aliases = inner
            .aliases()
            .iter()
            .filter(|alias| !removed.contains(&alias.as_str()))
            .cloned()
            .collect();
        Self { inner, aliases }
    }
}

/// Everything but `aliases` is forwarded to the wrapped function.
impl ScalarUDFImpl for WithoutAliases {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn aliases(&self) -> &[String] {
        &self.aliases
    }

    fn schema_name(&self, args: &[Expr]) -> Result<String> {
        self.inner.schema_name(args)
    }

    fn signature(&self) -> &Signature {
        self.inner.signature()
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        self.inner.return_type(arg_types)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        self.inner.return_field_from_args(args)
    }

    fn is_strict(&self) -> bool {
        self.inner.is_strict()
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        self.inner.invoke_with_args(args)
    }

    fn simplify(&self, args: Vec<Expr>, info: &SimplifyContext) -> Result<ExprSimplifyResult> {
        self.inner.simplify(args, info)
    }

    fn short_circuits(&self) -> bool {
        self.inner.short_circuits()
    }

    fn evaluate_bounds(&self, input: &[&Interval]) -> Result<Interval> {
        self.inner.evaluate_bounds(input)
    }

    fn output_ordering(&self, inputs: &[ExprProperties]) -> Result<SortProperties> {
        self.inner.output_ordering(inputs)
    }

    fn preserves_lex_ordering(&self, inputs: &[ExprProperties]) -> Result<bool> {
        self.inner.preserves_lex_ordering(inputs)
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        self.inner.coerce_types(arg_types)
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.inner.documentation()
    }
}
