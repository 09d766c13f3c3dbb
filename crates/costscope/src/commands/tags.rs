//! `costscope tags`: tag policy compliance (coverage of required keys, the largest
//! untagged resources, inconsistent values). The report is built by
//! `costscope_analytics::tags`; this module chooses what to print.

use clap::{Args, ValueEnum};
use costscope_analytics::tags::{Granularity, Measure, TagReport};
use costscope_app::present::tags::{
    self, COVERAGE_COLUMNS, UNTAGGABLE_COLUMNS, UNTAGGED_COLUMNS, VALUE_COLUMNS,
};
use costscope_app::tags::TagsRequest;
use serde::Serialize;

use crate::args::{Format, FormatArgs, Global};
use crate::output;

#[derive(Debug, Args)]
pub struct TagsArgs {
    /// Required tag keys, comma-separated: `department,team,app` (or the CUR 2.0 form
    /// `user_department`).
    #[arg(long, value_name = "KEYS")]
    pub require: String,
    /// Cost measure: amortized, unblended, net-amortized or net-unblended.
    #[arg(long, default_value = "amortized")]
    pub measure: Measure,
    /// Coverage periods: daily, weekly (from Monday) or monthly.
    #[arg(long, default_value = "monthly")]
    pub granularity: Granularity,
    /// First day included, YYYY-MM-DD.
    #[arg(long)]
    pub from: Option<String>,
    /// First day excluded, YYYY-MM-DD.
    #[arg(long)]
    pub to: Option<String>,
    /// Currency to report when costs are billed in several.
    #[arg(long)]
    pub currency: Option<String>,
    #[command(flatten)]
    pub team: crate::commands::TeamArgs,
    /// Number of untagged resources to list.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Look for inconsistent values in every tag key, not only the required ones.
    #[arg(long)]
    pub all_keys: bool,
    /// Also group values one typo apart (`platfrom` / `platform`).
    #[arg(long)]
    pub fuzzy: bool,
    /// Report 0% for required keys no line item carries instead of refusing them.
    #[arg(long)]
    pub allow_absent: bool,
    /// The rows to print as CSV (table prints every section; JSON the whole report).
    #[arg(long, value_enum, default_value_t = Section::Coverage)]
    pub section: Section,
    #[command(flatten)]
    pub output: FormatArgs,
}

/// One part of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Section {
    /// Coverage per period, scope and key.
    Coverage,
    /// Coverage over the whole range, per scope and key.
    Totals,
    /// The resources with the most untagged cost.
    Untagged,
    /// Cost of line items that cannot carry tags, by line-item type.
    Untaggable,
    /// Variants of inconsistent tag values.
    Values,
}

pub async fn run(global: &Global, args: TagsArgs) -> anyhow::Result<()> {
    let request = TagsRequest {
        required: args.require.split(',').map(str::to_string).collect(),
        measure: args.measure,
        granularity: args.granularity,
        from: args.from,
        to: args.to,
        currency: args.currency,
        rules: args.team.rules()?,
        top: args.top,
        all_keys: args.all_keys,
        fuzzy: args.fuzzy,
        allow_absent: args.allow_absent,
    };
    let report = super::app(global)?
        .tags(&super::principal(global)?, &request)
        .await?;
    match args.output.format {
        Format::Json => output::print_report(&report, Format::Json),
        Format::Csv => print_section(&report, args.section),
        Format::Table => print_tables(&report),
    }
}

/// One section's rows as CSV; an empty section still gets its header (the records carry
/// the names, and there are none).
fn print_section(report: &TagReport, section: Section) -> anyhow::Result<()> {
    let (columns, written) = match section {
        Section::Coverage => (COVERAGE_COLUMNS, csv(&report.coverage)),
        Section::Totals => (COVERAGE_COLUMNS, csv(&report.totals)),
        Section::Untaggable => (UNTAGGABLE_COLUMNS, csv(&report.untaggable)),
        Section::Untagged => (UNTAGGED_COLUMNS, csv(&tags::untagged_rows(report))),
        Section::Values => (VALUE_COLUMNS, csv(&tags::value_rows(report))),
    };
    match written {
        Some(result) => result,
        None => output::line(&columns.join(",")),
    }
}

/// The rows as CSV, or `None` when there are none.
fn csv<T: Serialize>(rows: &[T]) -> Option<anyhow::Result<()>> {
    (!rows.is_empty()).then(|| output::print_records(rows, Format::Csv))
}

/// Every section, titled; coverage pivoted to one column per key.
fn print_tables(report: &TagReport) -> anyhow::Result<()> {
    let keys = tags::pivot_keys(report);
    output::line(&tags::totals_heading(report))?;
    output::print_grid(&tags::pivot(&report.totals, &keys, false))?;
    output::line("== Tag coverage by period")?;
    output::print_grid(&tags::pivot(&report.coverage, &keys, true))?;
    output::line(&tags::untaggable_heading(report))?;
    output::print_records(&tags::untaggable_in_cents(report), Format::Table)?;
    output::line("== Top untagged resources")?;
    output::print_records(&tags::untagged_in_cents(report), Format::Table)?;
    output::line("== Inconsistent tag values")?;
    output::print_records(&tags::values_in_cents(report), Format::Table)
}
