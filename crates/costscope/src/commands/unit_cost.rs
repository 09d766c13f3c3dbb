//! `costscope unit-cost`: cost per unit of a business or bill metric over time.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use costscope_analytics::unit_cost::{
    Classification, CostMeasure, Granularity, PeriodUnitCost, Scope, UnitCostOptions,
    UnitCostReport, parse_day, unit_cost,
};
use serde::Serialize;

use crate::cli::{Format, FormatArgs, Global};
use crate::output::{print_records, print_report};

#[derive(Debug, Args)]
pub struct UnitCostArgs {
    /// Business metric (from `ingest metrics`, e.g. invocations) or bill metric
    /// (lambda-requests, lambda-gb-seconds, bedrock-tokens, s3-gb-month,
    /// ec2-instance-hours, nat-gb).
    #[arg(long)]
    pub metric: String,
    /// Restrict the cost: tag:KEY=VALUE (e.g. tag:app=clickstream), account=ID|NAME or
    /// service=CODE; repeat to combine. tag:app and tag:team also narrow business metrics.
    #[arg(long)]
    pub scope: Vec<String>,
    /// Period width.
    /// daily, weekly or monthly.
    #[arg(long, default_value = "monthly")]
    pub granularity: String,
    /// Cost measure: unblended, amortized, net-unblended, net-amortized or public.
    #[arg(long, default_value = "amortized")]
    pub measure: String,
    /// YAML file of static/variable rules checked before the built-in ones.
    #[arg(long)]
    pub classification: Option<PathBuf>,
    /// Business metric holding revenue, for ROI and margin.
    #[arg(long, default_value = "revenue")]
    pub revenue_metric: String,
    /// First day included (YYYY-MM-DD).
    #[arg(long)]
    pub start: Option<String>,
    /// First day excluded (YYYY-MM-DD).
    #[arg(long)]
    pub end: Option<String>,
    #[command(flatten)]
    pub output: FormatArgs,
}

pub async fn run(global: &Global, args: UnitCostArgs) -> anyhow::Result<()> {
    let scope = args
        .scope
        .iter()
        .map(|s| s.parse::<Scope>())
        .collect::<Result<Vec<_>, _>>()?;
    let classification = match &args.classification {
        Some(path) => Classification::load(path)?,
        None => Classification::default(),
    };
    let options = UnitCostOptions {
        scope,
        granularity: args.granularity.parse::<Granularity>()?,
        measure: args.measure.parse::<CostMeasure>()?,
        classification,
        revenue_metric: args.revenue_metric.clone(),
        start: args.start.as_deref().map(parse_day).transpose()?,
        end: args.end.as_deref().map(parse_day).transpose()?,
        ..UnitCostOptions::new(args.metric.clone())
    };
    let session = super::admin_session(global).await?;
    let report = unit_cost(&session, &options).await?;
    match args.output.format {
        Format::Json => print_report(&report, Format::Json),
        Format::Csv => print_records(&rows(&report, false), Format::Csv),
        Format::Table => {
            let scope = if report.scope.is_empty() {
                String::new()
            } else {
                format!(" for {}", report.scope.join(", "))
            };
            line(&format!(
                "== cost per unit of {} ({}){scope}, {} cost in {}",
                report.metric,
                report.metric_description,
                report.measure,
                report.currency.as_deref().unwrap_or("-"),
            ))?;
            print_records(&rows(&report, true), Format::Table)?;
            line(&report.summary.text)?;
            for note in &report.notes {
                line(&format!("note: {note}"))?;
            }
            Ok(())
        }
    }
}

/// Prints one line; a reader that stopped early (`| head`) is not an error.
fn line(text: &str) -> anyhow::Result<()> {
    match writeln!(std::io::stdout().lock(), "{text}") {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// One period with the change from the one before (table and CSV form; empty for null).
#[derive(Serialize)]
struct Row {
    period: String,
    cost: String,
    static_cost: String,
    variable_cost: String,
    units: String,
    cost_per_unit: String,
    variable_cost_per_unit: String,
    revenue: String,
    roi: String,
    margin: String,
    cost_change: String,
    volume_effect: String,
    unit_cost_effect: String,
}

/// Rows rounded for reading (`display`) or with every digit (CSV).
fn rows(report: &UnitCostReport, display: bool) -> Vec<Row> {
    let money = |v: f64| {
        if display {
            format!("{v:.2}")
        } else {
            v.to_string()
        }
    };
    let rate = |v: Option<f64>| {
        v.map(|v| {
            if display {
                format!("{v:.8}")
            } else {
                v.to_string()
            }
        })
        .unwrap_or_default()
    };
    let percent = |v: Option<f64>| {
        v.map(|v| {
            if display {
                format!("{:.1}%", v * 100.0)
            } else {
                v.to_string()
            }
        })
        .unwrap_or_default()
    };
    report
        .periods
        .iter()
        .enumerate()
        .map(|(index, p): (usize, &PeriodUnitCost)| {
            let change = index
                .checked_sub(1)
                .and_then(|i| report.changes.get(i))
                .filter(|c| c.to == p.period);
            Row {
                period: p.period.clone(),
                cost: money(p.cost),
                static_cost: money(p.static_cost),
                variable_cost: money(p.variable_cost),
                units: if display {
                    format!("{}", p.units.round())
                } else {
                    p.units.to_string()
                },
                cost_per_unit: rate(p.cost_per_unit),
                variable_cost_per_unit: rate(p.variable_cost_per_unit),
                revenue: p.revenue.map(money).unwrap_or_default(),
                roi: percent(p.roi),
                margin: percent(p.margin),
                cost_change: change.map(|c| money(c.cost_change)).unwrap_or_default(),
                volume_effect: change
                    .and_then(|c| c.volume_effect)
                    .map(money)
                    .unwrap_or_default(),
                unit_cost_effect: change
                    .and_then(|c| c.unit_cost_effect)
                    .map(money)
                    .unwrap_or_default(),
            }
        })
        .collect()
}
