//! Whether an aggregate over the lines reads only what a rollup keeps, and at which
//! grain. Every expression is checked whole: anything not known to be safe refuses.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use costscope_core::rollup::{self, DAILY, PRODUCT_KEYS};
use datafusion::common::ScalarValue;
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::logical_expr::expr::{AggregateFunction, Cast};
use datafusion::logical_expr::{Aggregate, BinaryExpr, Case, Expr, Operator};

/// The finest periods an aggregate tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Grain {
    Daily,
    Monthly,
}

/// What an aggregate reads from the lines.
#[derive(Debug)]
pub(super) struct Reads {
    pub grain: Grain,
    /// It reads the resource id (only `cur_daily` keeps it).
    pub resource: bool,
    pub tags: BTreeSet<String>,
}

impl Reads {
    fn finer(&mut self, grain: Grain) {
        self.grain = self.grain.min(grain);
    }
}

/// What `aggregate`, over `filters` on the lines, reads; `None` when a rollup cannot
/// answer it.
pub(super) fn aggregate(aggregate: &Aggregate, filters: &[Expr]) -> Option<Reads> {
    let mut reads = Reads {
        grain: Grain::Monthly,
        resource: false,
        tags: BTreeSet::new(),
    };
    let dimensions = filters.iter().chain(&aggregate.group_expr);
    for expr in dimensions {
        if !dimension(expr, &mut reads) {
            return None;
        }
    }
    for expr in &aggregate.aggr_expr {
        if !aggregated(expr, &mut reads) {
            return None;
        }
    }
    Some(reads)
}

/// `count(*)` (or `count` of a constant): the number of lines.
pub(super) fn is_count_of_lines(expr: &Expr) -> bool {
    match unalias(expr) {
        Expr::AggregateFunction(AggregateFunction { func, params }) => {
            func.name() == "count"
                && !params.distinct
                && params.filter.is_none()
                && match params.args.as_slice() {
                    [] => true,
                    [Expr::Literal(value, _)] => !value.is_null(),
                    _ => false,
                }
        }
        _ => false,
    }
}

fn unalias(expr: &Expr) -> &Expr {
    match expr {
        Expr::Alias(alias) => unalias(&alias.expr),
        other => other,
    }
}

/// An aggregate function a rollup answers: a sum of measures, the count of lines,
/// `min`, `max`, `count(DISTINCT …)` or `approx_distinct` of a dimension.
fn aggregated(expr: &Expr, reads: &mut Reads) -> bool {
    if is_count_of_lines(expr) {
        return true;
    }
    let Expr::AggregateFunction(AggregateFunction { func, params }) = unalias(expr) else {
        return false;
    };
    if params.filter.is_some() || !params.order_by.is_empty() {
        return false;
    }
    match (func.name(), params.distinct, params.args.as_slice()) {
        ("sum", false, [arg]) => summable(arg, reads),
        ("min" | "max" | "approx_distinct", _, [arg]) | ("count", true, [arg]) => {
            dimension(arg, reads)
        }
        _ => false,
    }
}

/// Whether a rollup row's value of `expr` is the sum of its lines' values: a measure
/// column, zero or NULL, a cast of one, or a `CASE` choosing among them by dimensions.
fn summable(expr: &Expr, reads: &mut Reads) -> bool {
    match expr {
        Expr::Column(column) => is_measure(&column.name),
        Expr::Literal(value, _) => value.is_null() || is_zero(value),
        Expr::Cast(Cast { expr, .. }) => summable(expr, reads),
        Expr::Case(Case {
            expr,
            when_then_expr,
            else_expr,
        }) => {
            expr.as_deref().is_none_or(|e| dimension(e, reads))
                && when_then_expr
                    .iter()
                    .all(|(when, then)| dimension(when, reads) && summable(then, reads))
                && else_expr.as_deref().is_none_or(|e| summable(e, reads))
        }
        _ => false,
    }
}

fn is_measure(name: &str) -> bool {
    rollup::sum_columns().any(|c| c == name)
}

fn is_zero(value: &ScalarValue) -> bool {
    match value {
        ScalarValue::Int8(Some(0))
        | ScalarValue::Int16(Some(0))
        | ScalarValue::Int32(Some(0))
        | ScalarValue::Int64(Some(0)) => true,
        ScalarValue::Float64(Some(v)) => *v == 0.0,
        ScalarValue::Float32(Some(v)) => *v == 0.0,
        _ => false,
    }
}

/// Whether `expr` reads only what a rollup keeps, as a dimension (the same value for
/// every line of a rollup row); records the grain, the resource and the tag keys.
fn dimension(expr: &Expr, reads: &mut Reads) -> bool {
    match expr {
        Expr::Column(column) => {
            let name = column.name.as_str();
            if name == rollup::RESOURCE_COLUMN {
                reads.resource = true;
            }
            name != rollup::PERIOD_COLUMN
                && ![rollup::TAGS, rollup::PRODUCT, rollup::COST_CATEGORY].contains(&name)
                && !is_measure(name)
                && DAILY.has_column(name)
        }
        Expr::Literal(..) => true,
        Expr::ScalarFunction(function) => {
            let args = function.args.as_slice();
            match (function.func.name(), args) {
                ("element_at" | "get_field", [Expr::Column(map), Expr::Literal(key, _)]) => {
                    map_key(&map.name, key, reads)
                }
                ("date_trunc", [Expr::Literal(unit, _), Expr::Column(c)]) if is_start(c) => {
                    truncated(unit, reads)
                }
                ("date_format", [Expr::Column(c), Expr::Literal(format, _)]) if is_start(c) => {
                    formatted(format, reads)
                }
                _ => args.iter().all(|arg| dimension(arg, reads)),
            }
        }
        Expr::Cast(Cast { expr, field }) => match expr.as_ref() {
            Expr::Column(c) if is_start(c) && *field.data_type() == arrow_date() => {
                reads.finer(Grain::Daily);
                true
            }
            other => dimension(other, reads),
        },
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => match (left.as_ref(), right.as_ref()) {
            (Expr::Column(c), bound) if is_start(c) => compared(*op, bound, reads),
            (bound, Expr::Column(c)) if is_start(c) => match op.swap() {
                Some(op) => compared(op, bound, reads),
                None => false,
            },
            (left, right) => dimension(left, reads) && dimension(right, reads),
        },
        Expr::Alias(alias) => dimension(&alias.expr, reads),
        Expr::ScalarSubquery(_)
        | Expr::InSubquery(_)
        | Expr::Exists(_)
        | Expr::SetComparison(_)
        | Expr::AggregateFunction(_)
        | Expr::WindowFunction(_)
        | Expr::Placeholder(_)
        | Expr::OuterReferenceColumn(..)
        | Expr::Unnest(_) => false,
        #[expect(deprecated)]
        Expr::Wildcard { .. } => false,
        other => {
            let mut ok = true;
            let _ = other.apply_children(|child| {
                ok = dimension(child, reads);
                Ok(if ok {
                    TreeNodeRecursion::Continue
                } else {
                    TreeNodeRecursion::Stop
                })
            });
            ok
        }
    }
}

fn arrow_date() -> datafusion::arrow::datatypes::DataType {
    datafusion::arrow::datatypes::DataType::Date32
}

fn is_start(column: &datafusion::common::Column) -> bool {
    column.name == rollup::PERIOD_COLUMN
}

/// `map[key]` of a map a rollup keeps, with a key it keeps.
fn map_key(map: &str, key: &ScalarValue, reads: &mut Reads) -> bool {
    let Some(key) = text(key) else {
        return false;
    };
    match map {
        rollup::TAGS => {
            reads.tags.insert(key);
            true
        }
        rollup::PRODUCT => PRODUCT_KEYS.contains(&key.as_str()),
        rollup::COST_CATEGORY => true,
        _ => false,
    }
}

fn text(value: &ScalarValue) -> Option<String> {
    match value {
        ScalarValue::Utf8(Some(s))
        | ScalarValue::Utf8View(Some(s))
        | ScalarValue::LargeUtf8(Some(s)) => Some(s.clone()),
        _ => None,
    }
}

/// `date_trunc(unit, usage start)`: days and weeks need days, longer units months.
fn truncated(unit: &ScalarValue, reads: &mut Reads) -> bool {
    match text(unit).map(|u| u.to_ascii_lowercase()).as_deref() {
        Some("day" | "week") => {
            reads.finer(Grain::Daily);
            true
        }
        Some("month" | "quarter" | "year") => true,
        _ => false,
    }
}

/// `date_format(usage start, format)` without a time of day.
fn formatted(format: &ScalarValue, reads: &mut Reads) -> bool {
    let Some(format) = text(format) else {
        return false;
    };
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            continue;
        }
        match chars.next() {
            Some('Y' | 'y' | 'm' | 'c' | 'M' | 'b' | '%') => {}
            Some('d' | 'e' | 'j' | 'W' | 'a' | 'v' | 'x' | 'u' | 'w') => reads.finer(Grain::Daily),
            _ => return false,
        }
    }
    true
}

/// `usage start op bound`: every line of a day (or month) falls on the same side of a
/// midnight (the first of a month) only for `>=` and `<`.
fn compared(op: Operator, bound: &Expr, reads: &mut Reads) -> bool {
    if !matches!(op, Operator::GtEq | Operator::Lt) {
        return false;
    }
    let Some(at) = timestamp(bound) else {
        return false;
    };
    if at.time().num_seconds_from_midnight() != 0 || at.time().nanosecond() != 0 {
        return false;
    }
    if at.day() != 1 {
        reads.finer(Grain::Daily);
    }
    true
}

/// The value of a timestamp literal (`TIMESTAMP '…'` is planned as a cast of text).
fn timestamp(expr: &Expr) -> Option<NaiveDateTime> {
    match expr {
        Expr::Cast(Cast { expr, .. }) => match expr.as_ref() {
            Expr::Literal(value, _) => parse(&text(value)?),
            _ => None,
        },
        Expr::Literal(value, _) => {
            let nanos = match value {
                ScalarValue::TimestampNanosecond(Some(v), None) => *v,
                ScalarValue::TimestampMicrosecond(Some(v), None) => v.checked_mul(1_000)?,
                ScalarValue::TimestampMillisecond(Some(v), None) => v.checked_mul(1_000_000)?,
                ScalarValue::TimestampSecond(Some(v), None) => v.checked_mul(1_000_000_000)?,
                ScalarValue::Utf8(Some(s)) => return parse(s),
                _ => return None,
            };
            Some(chrono::DateTime::from_timestamp_nanos(nanos).naive_utc())
        }
        _ => None,
    }
}

fn parse(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
}
