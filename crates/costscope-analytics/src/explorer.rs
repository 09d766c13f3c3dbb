//! The cost explorer: cost or usage over a date range, grouped by up to three dimensions
//! and a period (hour, day, ISO week, month), filtered, cut to the top N groups with the
//! rest summed as `Others`, and optionally compared with the period before.
//!
//! Each report is one aggregate query over `cur_amortized` pushed to DataFusion (plus one
//! for the comparison, and one for the data's date range when none is given): rows are
//! never pulled into Rust, so the explorer stays interactive on large lakes. Every value
//! the caller supplies is quoted; the principal's row and column filters apply as usual.
//!
//! The command-line and JSON forms are documented in `docs/cost.md`.

mod dimension;
mod query;
mod report;

use std::str::FromStr;

use chrono::{Datelike, Months, NaiveDate};
use costscope_core::TeamExpr;
use costscope_query::Session;
use serde::Deserialize;

pub use dimension::{
    CHARGE_TYPE_SQL, DIMENSION_NAMES, Dimension, DimensionColumn, Filter, NONE_LABEL,
    PURCHASE_OPTION_SQL, UNALLOCATED_LABEL, UNCATEGORIZED_LABEL, UNTAGGED_LABEL, tag_column_key,
};
pub use report::{
    Comparison, ComparisonRow, ComparisonTotal, CostReport, CostRow, OTHERS_LABEL, Total,
};

use crate::source::{Reads, Source};
use crate::{Error, Result, records};

/// At most this many `group_by` dimensions, as in Cost Explorer (two there, plus time).
pub const MAX_GROUP_BY: usize = 3;

pub use costscope_core::measures::USAGE_LINE_ITEM_TYPES;
pub use costscope_core::{CostMeasure as Measure, Granularity};

/// What the range is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compare {
    /// The same-length period right before `from`: as many calendar months when the
    /// range is whole months, else as many days.
    PreviousPeriod,
}

impl FromStr for Compare {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "previous-period" => Ok(Compare::PreviousPeriod),
            _ => Err(Error::InvalidArgument(format!(
                "unknown comparison '{text}'; valid: previous-period"
            ))),
        }
    }
}

/// What to explore.
#[derive(Debug, Clone)]
pub struct ExplorerOptions {
    /// Up to [`MAX_GROUP_BY`] dimensions; none gives one total per period.
    pub group_by: Vec<Dimension>,
    pub granularity: Granularity,
    pub measure: Measure,
    /// All must hold (each keeps or drops rows matching any of its values).
    pub filters: Vec<Filter>,
    /// First day (inclusive); default: the first usage day in the lake.
    pub from: Option<NaiveDate>,
    /// Day after the last (exclusive); default: the day after the last usage day.
    pub to: Option<NaiveDate>,
    /// Keep the N largest groups over the whole range (per unit), sum the rest as `Others`.
    pub top: Option<usize>,
    pub compare: Option<Compare>,
    /// The owner of a row, for the `team` dimension: the `user_team` tag unless
    /// allocation rules (or another tag or category) say otherwise.
    pub team: TeamExpr,
}

impl Default for ExplorerOptions {
    /// Unblended cost per month over all the data, as AWS's Cost Explorer opens.
    fn default() -> Self {
        ExplorerOptions {
            group_by: Vec::new(),
            granularity: Granularity::Monthly,
            measure: Measure::Unblended,
            filters: Vec::new(),
            from: None,
            to: None,
            top: None,
            compare: None,
            team: TeamExpr::default(),
        }
    }
}

/// Parses a `YYYY-MM-DD` date, naming the option in the error.
pub fn parse_date(option: &str, text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|e| {
        Error::InvalidArgument(format!(
            "{option} '{text}' is not a date ({e}); expected YYYY-MM-DD"
        ))
    })
}

/// Runs the explorer over `session`.
pub async fn explore(session: &Session, options: &ExplorerOptions) -> Result<CostReport> {
    validate(options)?;
    let (from, to) = resolve_range(session, options).await?;
    let previous_from = options
        .compare
        .map(|Compare::PreviousPeriod| previous_period_start(from, to));
    let source = Source::choose(
        session,
        &reads(options, [Some(from), Some(to), previous_from]),
    );
    let spec = query::Spec::new(options, from, to, source);
    let rows = spec.rows(session).await?;
    let totals = totals(&rows);
    let comparison = match options.compare {
        Some(Compare::PreviousPeriod) => {
            let previous_from = previous_period_start(from, to);
            Some(spec.comparison(session, previous_from).await?)
        }
        None => None,
    };
    Ok(CostReport {
        measure: options.measure,
        granularity: options.granularity,
        group_by: options.group_by.clone(),
        dimension_columns: spec.dimension_columns(),
        filters: options.filters.clone(),
        from,
        to,
        top: options.top,
        rows,
        totals,
        comparison,
    })
}

/// What a report reads: its dimensions and filters, the measure's unit, and periods as
/// fine as its granularity and the days its range starts and ends on.
fn reads(options: &ExplorerOptions, bounds: [Option<NaiveDate>; 3]) -> Reads {
    let whole_months = bounds.iter().flatten().all(|day| day.day() == 1);
    let granularity = match options.granularity {
        Granularity::Monthly if !whole_months => Granularity::Daily,
        other => other,
    };
    let mut reads = Reads::at(granularity).columns([options.measure.unit_column()]);
    if options.measure == Measure::Usage {
        reads = reads.columns(["line_item_line_item_type"]);
    }
    let dimensions = options
        .group_by
        .iter()
        .chain(options.filters.iter().map(|f| &f.dimension));
    for dimension in dimensions {
        reads = dimension.reads(reads, &options.team);
    }
    reads
}

fn validate(options: &ExplorerOptions) -> Result<()> {
    if options.group_by.len() > MAX_GROUP_BY {
        return Err(Error::InvalidArgument(format!(
            "at most {MAX_GROUP_BY} group-by dimensions, got {}",
            options.group_by.len()
        )));
    }
    for (i, dimension) in options.group_by.iter().enumerate() {
        if options.group_by[..i].contains(dimension) {
            return Err(Error::InvalidArgument(format!(
                "dimension '{dimension}' is grouped by twice"
            )));
        }
    }
    if options.top == Some(0) {
        return Err(Error::InvalidArgument("top must be at least 1".into()));
    }
    if let (Some(from), Some(to)) = (options.from, options.to)
        && from >= to
    {
        return Err(Error::InvalidArgument(format!(
            "the range is empty: from {from} must be before to {to} (to is exclusive)"
        )));
    }
    Ok(())
}

/// The range asked for, with missing ends taken from the data the principal can see.
async fn resolve_range(
    session: &Session,
    options: &ExplorerOptions,
) -> Result<(NaiveDate, NaiveDate)> {
    if let (Some(from), Some(to)) = (options.from, options.to) {
        return Ok((from, to));
    }
    #[derive(Deserialize)]
    struct Bounds {
        first: Option<String>,
        last: Option<String>,
    }
    // Days are all it needs: the daily rollup answers when the session has it.
    let source = Source::choose(session, &Reads::at(Granularity::Daily));
    let bounds: Vec<Bounds> = records::query(
        session,
        &format!(
            "SELECT CAST(min(line_item_usage_start_date) AS DATE) AS first, \
             CAST(max(line_item_usage_start_date) AS DATE) AS last FROM {}",
            source.table()
        ),
    )
    .await?;
    let (Some(first), Some(last)) = bounds
        .into_iter()
        .next()
        .map(|b| (b.first, b.last))
        .unwrap_or_default()
    else {
        return Err(Error::InvalidArgument(
            "the lake holds no cost data: ingest a CUR export, or give both from and to".into(),
        ));
    };
    let first = parse_date("first usage day", &first)?;
    let last = parse_date("last usage day", &last)?;
    let from = options.from.unwrap_or(first);
    let to = options.to.unwrap_or_else(|| last + chrono::Days::new(1));
    if from >= to {
        return Err(Error::InvalidArgument(format!(
            "the range is empty: from {from} must be before to {to} (the lake's data ends on {last})"
        )));
    }
    Ok((from, to))
}

/// The start of the same-length period right before `[from, to)`: whole calendar months
/// step back by months (October → September), anything else by days.
pub fn previous_period_start(from: NaiveDate, to: NaiveDate) -> NaiveDate {
    if from.day() == 1 && to.day() == 1 {
        let months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32;
        if let Some(start) = u32::try_from(months)
            .ok()
            .and_then(|m| from.checked_sub_months(Months::new(m)))
        {
            return start;
        }
    }
    from - (to - from)
}

/// One total per unit, in order of first appearance.
fn totals(rows: &[CostRow]) -> Vec<Total> {
    let mut totals: Vec<Total> = Vec::new();
    for row in rows {
        match totals.iter_mut().find(|t| t.unit == row.unit) {
            Some(total) => total.amount += row.amount,
            None => totals.push(Total {
                unit: row.unit.clone(),
                amount: row.amount,
            }),
        }
    }
    totals
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        parse_date("date", text).expect("date")
    }

    #[test]
    fn previous_period_is_whole_months_or_days() {
        assert_eq!(
            previous_period_start(date("2026-10-01"), date("2026-11-01")),
            date("2026-09-01")
        );
        assert_eq!(
            previous_period_start(date("2026-09-01"), date("2026-11-01")),
            date("2026-07-01")
        );
        assert_eq!(
            previous_period_start(date("2026-10-08"), date("2026-10-15")),
            date("2026-10-01")
        );
    }

    #[test]
    fn measures_and_granularities_round_trip_and_reject_unknowns() {
        for text in [
            "unblended",
            "amortized",
            "net-unblended",
            "net-amortized",
            "public",
            "usage",
        ] {
            assert_eq!(text.parse::<Measure>().expect(text).to_string(), text);
        }
        assert!("blended".parse::<Measure>().is_err());
        for text in ["hourly", "daily", "weekly", "monthly"] {
            assert_eq!(text.parse::<Granularity>().expect(text).to_string(), text);
        }
        assert!("yearly".parse::<Granularity>().is_err());
        assert!(parse_date("--from", "2026-02-30").is_err());
    }
}
