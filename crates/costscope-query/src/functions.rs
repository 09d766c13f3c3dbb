//! Athena (Trino) SQL functions for DataFusion, so CUR queries written for
//! Athena run unchanged.
//!
//! [`install`] puts everything into a session: the functions below, the
//! planner that makes `map['key']` and `SUBSTRING(... FROM ... FOR ...)`
//! follow Trino, and the rewrites for `UNNEST` of maps and for `try(...)`.
//! Ballista executors, which only need functions by name, can register
//! [`scalar_udfs`] and [`aggregate_udfs`] instead.
//!
//! DataFusion's own functions are kept where they already behave as Athena's
//! (`regexp_like`, `approx_distinct`, `cardinality`, `map_keys`, `map_values`,
//! `coalesce`, `round`, `lower`, `length`, `TRY_CAST`, …) and replaced where
//! they differ (`date_format`, `date_trunc` on dates, `element_at`,
//! `split_part`, `substr`, `concat`, `replace`).
//!
//! Known differences from Athena:
//! - `map['missing']` is NULL, like `element_at` (Athena raises an error);
//!   an array subscript past the end is NULL as well.
//! - Zoned timestamps are read as UTC; `from_iso8601_timestamp` returns a
//!   zone-less UTC `timestamp(3)` rather than keeping each value's zone.
//! - `try(...)` only turns failed casts, `date_parse` and `from_iso8601_*`
//!   into NULL; other errors still fail the query.
//! - `concat` casts non-varchar scalars to varchar instead of rejecting them.

mod aggregates;
mod args;
mod conditional;
mod datetime;
mod maps;
mod planner;
mod shadowed;
mod strings;
mod try_expr;
mod unnest;

use std::sync::Arc;

use datafusion::error::Result;
use datafusion::execution::FunctionRegistry;
use datafusion::execution::session_state::{SessionState, SessionStateBuilder};
use datafusion::functions::datetime::to_char;
use datafusion::functions_nested::map_extract::map_extract_udf;
use datafusion::logical_expr::planner::ExprPlanner;
use datafusion::logical_expr::{AggregateUDF, ScalarUDF};

use self::args::OnBadValue;

/// Installs every Athena function and planner extension into `state`.
///
/// Call it once per session, after DataFusion's defaults are in place (a
/// later `with_default_features` would bring back DataFusion's versions).
pub fn install(state: &mut SessionState) -> Result<()> {
    let planner: Arc<dyn ExprPlanner> = Arc::new(planner::AthenaExprPlanner::new());
    // Our planner must run before DataFusion's, which would plan `map['k']`
    // as `get_field`; SessionState can only append, so rebuild it.
    let mut planners = vec![planner];
    planners.extend(state.expr_planners().iter().cloned());
    *state = SessionStateBuilder::new_from_existing(state.clone())
        .with_session_id(state.session_id().to_string())
        .with_expr_planners(planners)
        .build();
    state.register_relation_planner(Arc::new(unnest::MapUnnestPlanner))?;
    state.add_analyzer_rule(Arc::new(unnest::LateralUnnest));
    state.add_analyzer_rule(Arc::new(try_expr::TryRewrite::new()));
    for udf in scalar_udfs() {
        state.register_udf(udf)?;
    }
    for udaf in aggregate_udfs() {
        state.register_udaf(udaf)?;
    }
    Ok(())
}

/// Every scalar function to register, by name, on a session that plans or
/// runs Athena SQL.
pub fn scalar_udfs() -> Vec<Arc<ScalarUDF>> {
    let mut udfs = vec![
        ScalarUDF::new_from_impl(datetime::DateFormat::new()),
        ScalarUDF::new_from_impl(datetime::DateAdd::new()),
        ScalarUDF::new_from_impl(datetime::DateDiff::new()),
        ScalarUDF::new_from_impl(datetime::DateTrunc::new()),
        ScalarUDF::new_from_impl(maps::ElementAt::new()),
        ScalarUDF::new_from_impl(strings::Split::new()),
        ScalarUDF::new_from_impl(strings::SplitPart::new()),
        ScalarUDF::new_from_impl(strings::Substr::new()),
        ScalarUDF::new_from_impl(strings::Replace::new()),
        ScalarUDF::new_from_impl(strings::Concat::new()),
        ScalarUDF::new_from_impl(strings::RegexpExtract::new()),
        ScalarUDF::new_from_impl(conditional::If::new()),
        ScalarUDF::new_from_impl(try_expr::Try::new()),
        ScalarUDF::new_from_impl(shadowed::WithoutAliases::new(
            to_char().as_ref().clone(),
            &["date_format"],
        )),
        ScalarUDF::new_from_impl(shadowed::WithoutAliases::new(
            map_extract_udf().as_ref().clone(),
            &["element_at"],
        )),
    ];
    udfs.extend(datetime::date_field_udfs());
    udfs.extend(datetime::fallible_udfs(OnBadValue::Fail));
    udfs.extend(try_expr::lenient_udfs());
    udfs.into_iter().map(Arc::new).collect()
}

/// Every aggregate function to register, by name, on a session that plans or
/// runs Athena SQL.
pub fn aggregate_udfs() -> Vec<Arc<AggregateUDF>> {
    vec![
        Arc::new(AggregateUDF::new_from_impl(aggregates::CountIf::new())),
        Arc::new(AggregateUDF::new_from_impl(aggregates::ExtremeBy::max_by())),
        Arc::new(AggregateUDF::new_from_impl(aggregates::ExtremeBy::min_by())),
        Arc::new(aggregates::arbitrary()),
    ]
}
