//! `costscope demo`: generate a small organisation, ingest everything, print a tour.

use std::path::PathBuf;

use costscope_analytics::allocation::{self, AllocateOptions, Rules};
use costscope_analytics::budgets::{self, BudgetOptions};
use costscope_analytics::tags::{self, TagOptions};
use costscope_analytics::unit_cost::{self, UnitCostOptions};
use costscope_lake::IngestOptions;
use costscope_query::{Engine, Principal, Session};
use costscope_synth::GenerateOptions;
use costscope_synth::demo_lake::{self, DemoLakeOptions, Source};
use serde::Serialize;

use crate::args::{Format, FormatArgs, Global};
use clap::Args;

mod serve;
mod stories;
use crate::output::{print_records, print_result};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to put the generated organisation and the lake (default: a temporary directory).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Scale the CUR to about this many rows.
    #[arg(long)]
    pub rows: Option<u64>,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Stop after the tour instead of serving the lake (for scripts and tests).
    #[arg(long)]
    pub no_serve: bool,
    /// Where the served HTTP API listens.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub http: std::net::SocketAddr,
    /// Where the served PostgreSQL protocol listens.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:5433")]
    pub pg: std::net::SocketAddr,
    #[command(flatten)]
    pub output: FormatArgs,
}

/// The allocation rules and budgets of the generated organisation (also in `examples/`).
pub const ALLOCATION_RULES: &str = include_str!("../../../../examples/allocation.yaml");
pub const BUDGETS: &str = include_str!("../../../../examples/budgets.yaml");

/// The tour: a title and a query each.
const TOUR: &[(&str, &str)] = &[
    (
        "Top services (unblended and amortized cost, whole history)",
        "SELECT line_item_product_code AS service, round(sum(line_item_unblended_cost), 2) AS unblended, \
         round(sum(amortized_cost), 2) AS amortized FROM cur_amortized GROUP BY 1 ORDER BY 3 DESC LIMIT 10",
    ),
    (
        "Top accounts",
        "SELECT line_item_usage_account_id AS account_id, line_item_usage_account_name AS account, \
         round(sum(amortized_cost), 2) AS amortized FROM cur_amortized GROUP BY 1, 2 ORDER BY 3 DESC",
    ),
    (
        "NAT Gateway trend by usage type (the cost anomaly story)",
        "SELECT billing_period, line_item_usage_type AS usage_type, round(sum(line_item_usage_amount), 1) AS usage, \
         round(sum(line_item_unblended_cost), 2) AS cost FROM cur WHERE product_product_family = 'NAT Gateway' \
         OR line_item_usage_type LIKE '%DataTransfer-Regional-Bytes' GROUP BY 1, 2 ORDER BY 2, 1",
    ),
    (
        "Bedrock cost by department and model (first/second-party vs Marketplace)",
        "SELECT coalesce(resource_tags['user_department'], 'unattributed') AS department, \
         CASE WHEN bill_billing_entity = 'AWS Marketplace' THEN 'marketplace' ELSE 'first/second-party' END AS billed_as, \
         CASE WHEN bill_billing_entity = 'AWS Marketplace' THEN replace(product['product_name'], ' (Amazon Bedrock Edition)', '') \
              ELSE split_part(line_item_usage_type, '-', 2) END AS model, \
         round(sum(line_item_unblended_cost), 2) AS cost FROM cur \
         WHERE line_item_product_code = 'AmazonBedrock' OR (bill_billing_entity = 'AWS Marketplace' AND product['product_name'] LIKE '%Bedrock%') \
         GROUP BY 1, 2, 3 ORDER BY 4 DESC",
    ),
];

pub async fn run(global: &Global, args: DemoArgs) -> anyhow::Result<()> {
    let (dir, _temp) = match &args.dir {
        Some(dir) => (dir.clone(), None),
        None => {
            let temp = tempfile::tempdir()?;
            (temp.path().to_path_buf(), Some(temp))
        }
    };
    let data = dir.join("data");
    let lake_dir: PathBuf = if args.dir.is_some() {
        dir.join("lake")
    } else {
        global.lake.clone()
    };
    note(
        global,
        &format!("Generating a synthetic organisation in {}", data.display()),
    );
    let options = DemoLakeOptions {
        generate: GenerateOptions {
            out: data,
            seed: args.seed,
            rows: args.rows,
            progress: !global.quiet,
            ..GenerateOptions::default()
        },
        lake_dir: lake_dir.clone(),
        ingest: IngestOptions {
            progress: crate::progress::ingest_progress(global.quiet),
            ..IngestOptions::default()
        },
        optimizer: true,
    };
    // Ingest changes the lake: recorded in its audit log like `costscope ingest`.
    let app = costscope_app::App::open(&costscope_app::AppConfig {
        lake: lake_dir.clone(),
        access: global.access.clone(),
    })?;
    let parameters = serde_json::json!({"demo": {"seed": args.seed, "rows": args.rows}});
    let built = app
        .audit_change(&super::principal(global)?, "ingest", &parameters, async {
            let built = demo_lake::build_with(&options, |source, report| {
                if source == Source::Cur {
                    note(
                        global,
                        &format!(
                            "Ingested {} CUR rows ({} billing periods) into {}",
                            report.rows,
                            report.partitions.len(),
                            lake_dir.display()
                        ),
                    );
                }
            })
            .await?;
            Ok(built)
        })
        .await?;
    let (lake, summary, ingested) = (built.lake, built.summary, built.ingested);
    let optimizer_rows = ingested.optimizer.map_or(0, |report| report.rows);
    note(
        global,
        &format!(
            "Ingested {} flow-log records, {} inventory records, {} business metric values, \
             {} optimizer recommendations",
            ingested.flow_logs.rows, ingested.inventory.rows, ingested.metrics.rows, optimizer_rows
        ),
    );
    let session = Engine::new(lake).session(&Principal::admin()).await?;
    let mut sections = Vec::new();
    for (title, sql) in TOUR {
        let result = session.sql(sql).await?;
        match args.output.format {
            Format::Json => sections.push(serde_json::json!({
                "title": title,
                "rows": serde_json::from_str::<serde_json::Value>(&json_rows(&result)?)?,
            })),
            format => {
                crate::outln!("\n== {title}")?;
                print_result(&result, format)?;
            }
        }
    }
    let last_period = summary.periods.last().cloned().unwrap_or_default();
    analyses(&session, &last_period, args.output.format, &mut sections).await?;
    let store = costscope_store::Store::for_lake(&lake_dir)?;
    stories::tell(
        &session,
        &store,
        &summary.labels,
        args.output.format,
        &mut sections,
    )
    .await?;
    if args.output.format == Format::Json {
        crate::outln!("{}", serde_json::to_string_pretty(&sections)?)?;
    }
    note(
        global,
        &format!(
            "\nQuery it yourself: costscope --lake {} sql \"SELECT ... FROM cur\"",
            lake_dir.display()
        ),
    );
    if args.no_serve {
        return Ok(());
    }
    serve::serve_demo(&lake_dir, args.http, args.pg).await
}

/// The business-context tour: allocation, tag coverage, unit cost, budgets.
async fn analyses(
    session: &Session,
    last_period: &str,
    format: Format,
    sections: &mut Vec<serde_json::Value>,
) -> anyhow::Result<()> {
    let rules = Rules::parse(ALLOCATION_RULES, "examples/allocation.yaml")?;
    let allocation = allocation::allocate(session, &rules, &AllocateOptions::default()).await?;
    let teams: Vec<TeamRow> = allocation
        .team_totals
        .iter()
        .map(|t| TeamRow {
            team: t.team.clone(),
            direct: cents(t.direct),
            shared: cents(t.shared),
            total: cents(t.total),
        })
        .collect();
    section(
        "Cost by team after allocation (examples/allocation.yaml, amortized, whole history)",
        &teams,
        format,
        sections,
    )?;

    let required = ["department", "team", "app"].map(String::from).to_vec();
    let tag_report = tags::tag_report(
        session,
        &TagOptions {
            required,
            ..TagOptions::default()
        },
    )
    .await?;
    let coverage: Vec<CoverageRow> = tag_report
        .totals
        .iter()
        .filter(|row| row.key == tags::ALL_REQUIRED && row.scope != tags::Scope::Team)
        .map(|row| CoverageRow {
            account: row
                .scope_name
                .clone()
                .unwrap_or_else(|| "all accounts".into()),
            cost_tagged_pct: row.cost_pct.map(|p| (p * 10.0).round() / 10.0),
            resources_tagged_pct: row.resources_pct.map(|p| (p * 10.0).round() / 10.0),
            untagged_cost: cents(row.cost_total - row.cost_tagged),
        })
        .collect();
    section(
        "Tag coverage: department, team and app all present (taggable cost and resources)",
        &coverage,
        format,
        sections,
    )?;

    let mut unit_options = UnitCostOptions::new("invocations");
    unit_options.scope = vec!["tag:app=clickstream".parse()?];
    let unit = unit_cost::unit_cost(session, &unit_options).await?;
    let trend: Vec<UnitRow> = unit
        .periods
        .iter()
        .map(|p| UnitRow {
            period: p.period.clone(),
            cost: cents(p.cost),
            static_cost: cents(p.static_cost),
            variable_cost: cents(p.variable_cost),
            invocations: p.units,
            cost_per_million: p.cost_per_unit.map(|c| cents(c * 1e6)),
            roi_pct: p.roi.map(|r| (r * 1000.0).round() / 10.0),
        })
        .collect();
    section(
        &format!(
            "clickstream cost per invocation (amortized; static vs variable): {}",
            unit.summary.text
        ),
        &trend,
        format,
        sections,
    )?;

    let as_of = chrono::NaiveDate::parse_from_str(&format!("{last_period}-15"), "%Y-%m-%d").ok();
    let budget_list = budgets::parse_budgets(BUDGETS, "examples/budgets.yaml")?;
    let report = budgets::report(
        session,
        &BudgetOptions {
            budgets: budget_list,
            as_of,
            ..BudgetOptions::default()
        },
    )
    .await?;
    let status: Vec<BudgetRow> = report
        .budgets
        .iter()
        .map(|b| BudgetRow {
            budget: b.name.clone(),
            amount: cents(b.budget),
            actual: cents(b.actual),
            forecast: cents(b.forecast.mean),
            forecast_range: format!("{:.0} - {:.0}", b.forecast.lower, b.forecast.upper),
            state: serde_json::to_value(b.state)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
        })
        .collect();
    section(
        &format!(
            "Budgets as of {} (examples/budgets.yaml; forecast to the end of each period)",
            report.as_of
        ),
        &status,
        format,
        sections,
    )
}

#[derive(Serialize)]
struct TeamRow {
    team: String,
    direct: f64,
    shared: f64,
    total: f64,
}

#[derive(Serialize)]
struct CoverageRow {
    account: String,
    cost_tagged_pct: Option<f64>,
    resources_tagged_pct: Option<f64>,
    untagged_cost: f64,
}

#[derive(Serialize)]
struct UnitRow {
    period: String,
    cost: f64,
    static_cost: f64,
    variable_cost: f64,
    invocations: f64,
    cost_per_million: Option<f64>,
    roi_pct: Option<f64>,
}

#[derive(Serialize)]
struct BudgetRow {
    budget: String,
    amount: f64,
    actual: f64,
    forecast: f64,
    forecast_range: String,
    state: String,
}

/// Prints one titled section, or adds it to the JSON document.
fn section<T: Serialize>(
    title: &str,
    rows: &[T],
    format: Format,
    sections: &mut Vec<serde_json::Value>,
) -> anyhow::Result<()> {
    match format {
        Format::Json => sections.push(serde_json::json!({ "title": title, "rows": rows })),
        format => {
            crate::outln!("\n== {title}")?;
            print_records(rows, format)?;
        }
    }
    Ok(())
}

fn cents(amount: f64) -> f64 {
    (amount * 100.0).round() / 100.0
}

/// A result as a JSON array of row objects.
fn json_rows(result: &costscope_query::QueryResult) -> anyhow::Result<String> {
    let mut out = Vec::new();
    crate::output::write_result(&mut out, &result.schema, &result.batches, Format::Json)?;
    Ok(String::from_utf8(out)?)
}

fn note(global: &Global, message: &str) {
    if !global.quiet {
        eprintln!("{message}");
    }
}
