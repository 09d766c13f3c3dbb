//! `costscope tags`: tag policy compliance (coverage of required keys, the largest
//! untagged resources, inconsistent values). The report is built by
//! `costscope_analytics::tags`; this module chooses what to print.

use clap::{Args, ValueEnum};
use costscope_analytics::tags::{
    self, ALL_REQUIRED, CoverageRow, Granularity, Measure, Scope, TagOptions, TagReport,
    UntaggableCost,
};
use serde::Serialize;

use crate::cli::{Format, FormatArgs, Global};
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
    let options = TagOptions {
        required: args.require.split(',').map(str::to_string).collect(),
        measure: args.measure,
        granularity: args.granularity,
        from: args
            .from
            .as_deref()
            .map(|d| tags::parse_date("--from", d))
            .transpose()?,
        to: args
            .to
            .as_deref()
            .map(|d| tags::parse_date("--to", d))
            .transpose()?,
        currency: args.currency,
        team: args.team.team()?,
        top: args.top,
        values_of_all_keys: args.all_keys,
        fuzzy_values: args.fuzzy,
        allow_absent_keys: args.allow_absent,
    };
    let session = crate::commands::admin_session(global).await?;
    let report = tags::tag_report(&session, &options).await?;
    match args.output.format {
        Format::Json => output::print_report(&report, Format::Json),
        Format::Csv => print_section(&report, args.section, Format::Csv),
        Format::Table => print_tables(&report),
    }
}

/// One CSV (or table) of a section's rows.
fn print_section(report: &TagReport, section: Section, format: Format) -> anyhow::Result<()> {
    match section {
        Section::Coverage => print_rows(&report.coverage, COVERAGE_COLUMNS, format),
        Section::Totals => print_rows(&report.totals, COVERAGE_COLUMNS, format),
        Section::Untaggable => print_rows(&report.untaggable, &["line_item_type", "cost"], format),
        Section::Untagged => print_rows(&untagged_rows(report), UNTAGGED_COLUMNS, format),
        Section::Values => print_rows(&value_rows(report), VALUE_COLUMNS, format),
    }
}

const COVERAGE_COLUMNS: &[&str] = &[
    "period",
    "scope",
    "scope_id",
    "scope_name",
    "key",
    "cost_tagged",
    "cost_total",
    "cost_pct",
    "resources_tagged",
    "resources_total",
    "resources_pct",
];
const UNTAGGED_COLUMNS: &[&str] = &[
    "resource_id",
    "account_id",
    "account_name",
    "service",
    "usage_type",
    "cost",
    "missing_keys",
];
const VALUE_COLUMNS: &[&str] = &[
    "key",
    "normalized",
    "suggested",
    "value",
    "cost",
    "resources",
];

/// Rows as `format`; an empty CSV still gets its header (the records carry the names,
/// and there are none).
fn print_rows<T: Serialize>(rows: &[T], columns: &[&str], format: Format) -> anyhow::Result<()> {
    if rows.is_empty() && format == Format::Csv {
        crate::outln!("{}", columns.join(","))?;
        return Ok(());
    }
    output::print_records(rows, format)
}

#[derive(Serialize)]
struct UntaggedRow<'a> {
    resource_id: &'a str,
    account_id: &'a str,
    account_name: Option<&'a str>,
    service: Option<&'a str>,
    usage_type: Option<&'a str>,
    cost: f64,
    /// Missing keys joined by `;`.
    missing_keys: String,
}

fn untagged_rows(report: &TagReport) -> Vec<UntaggedRow<'_>> {
    report
        .top_untagged
        .iter()
        .map(|r| UntaggedRow {
            resource_id: &r.resource_id,
            account_id: &r.account_id,
            account_name: r.account_name.as_deref(),
            service: r.service.as_deref(),
            usage_type: r.usage_type.as_deref(),
            cost: r.cost,
            missing_keys: r.missing_keys.join(";"),
        })
        .collect()
}

#[derive(Serialize)]
struct ValueRow<'a> {
    key: &'a str,
    normalized: &'a str,
    suggested: &'a str,
    value: &'a str,
    cost: f64,
    resources: i64,
}

fn value_rows(report: &TagReport) -> Vec<ValueRow<'_>> {
    report
        .inconsistent_values
        .iter()
        .flat_map(|group| {
            group.variants.iter().map(move |v| ValueRow {
                key: &group.key,
                normalized: &group.normalized,
                suggested: &group.suggested,
                value: &v.value,
                cost: v.cost,
                resources: v.resources,
            })
        })
        .collect()
}

/// Every section, titled; coverage pivoted to one column per key.
fn print_tables(report: &TagReport) -> anyhow::Result<()> {
    let currency = report.currency.as_deref().unwrap_or("-");
    let keys: Vec<String> = report
        .required
        .iter()
        .map(|k| k.key.clone())
        .chain([ALL_REQUIRED.to_string()])
        .collect();
    crate::outln!(
        "== Tag coverage over the whole range ({} cost, {currency}; % of cost / % of resources)",
        report.measure.name()
    )?;
    crate::outln!("{}", pivot(&report.totals, &keys, false))?;
    crate::outln!("== Tag coverage by period")?;
    crate::outln!("{}", pivot(&report.coverage, &keys, true))?;
    crate::outln!(
        "== Untaggable cost, not in the coverage: {:.2} {currency}",
        report.untaggable_cost
    )?;
    let untaggable: Vec<UntaggableCost> = report
        .untaggable
        .iter()
        .map(|u| UntaggableCost {
            cost: cents(u.cost),
            ..u.clone()
        })
        .collect();
    output::print_records(&untaggable, Format::Table)?;
    crate::outln!("== Top untagged resources")?;
    let mut untagged = untagged_rows(report);
    untagged.iter_mut().for_each(|r| r.cost = cents(r.cost));
    output::print_records(&untagged, Format::Table)?;
    crate::outln!("== Inconsistent tag values")?;
    let mut values = value_rows(report);
    values.iter_mut().for_each(|r| r.cost = cents(r.cost));
    output::print_records(&values, Format::Table)
}

/// Rounded to the cent, for display only.
fn cents(amount: f64) -> f64 {
    (amount * 100.0).round() / 100.0
}

/// Coverage rows as one line per period and scope, one `cost% / resources%` column per
/// key (`*`: all required keys).
fn pivot(rows: &[CoverageRow], keys: &[String], with_period: bool) -> comfy_table::Table {
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::ASCII_MARKDOWN);
    let mut header: Vec<String> = Vec::new();
    if with_period {
        header.push("period".into());
    }
    header.extend(["scope", "name", "cost", "resources"].map(String::from));
    header.extend(keys.iter().map(|k| {
        if k == ALL_REQUIRED {
            "all keys".to_string()
        } else {
            k.clone()
        }
    }));
    table.set_header(header);
    for line in
        rows.chunk_by(|a, b| (&a.period, a.scope, &a.scope_id) == (&b.period, b.scope, &b.scope_id))
    {
        let first = &line[0];
        let mut cells: Vec<String> = Vec::new();
        if with_period {
            cells.push(first.period.clone().unwrap_or_default());
        }
        cells.push(
            match first.scope {
                Scope::Overall => "overall",
                Scope::Account => "account",
                Scope::Team => "team",
            }
            .to_string(),
        );
        cells.push(match (&first.scope_id, &first.scope_name) {
            (Some(id), Some(name)) if id != name => format!("{name} ({id})"),
            (_, Some(name)) => name.clone(),
            (Some(id), None) => id.clone(),
            (None, None) => String::new(),
        });
        cells.push(format!("{:.2}", first.cost_total));
        cells.push(first.resources_total.to_string());
        for key in keys {
            let cell = line
                .iter()
                .find(|r| &r.key == key)
                .map(|r| format!("{} / {}", percent(r.cost_pct), percent(r.resources_pct)))
                .unwrap_or_default();
            cells.push(cell);
        }
        table.add_row(cells);
    }
    table
}

fn percent(value: Option<f64>) -> String {
    value.map_or("-".to_string(), |v| format!("{v:.1}%"))
}
