//! `costscope demo`: generate a small organisation, ingest everything, print a tour.

use std::path::PathBuf;

use costscope_lake::generate::{GenerateOptions, generate};
use costscope_lake::ingest::{cur, flowlogs, tabular};
use costscope_lake::{IngestOptions, Lake};
use costscope_query::{Engine, Principal};

use crate::cli::{DemoArgs, Format, Global};
use crate::output::print_result;

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
    let summary = generate(&GenerateOptions {
        out: data,
        seed: args.seed,
        rows: args.rows,
        progress: !global.quiet,
        ..GenerateOptions::default()
    })?;
    let lake = Lake::open(&lake_dir)?;
    let options = IngestOptions {
        progress: !global.quiet,
        strict: false,
    };
    let export = summary.export_root.display().to_string();
    let report = cur::ingest_cur(&lake, &export, &options).await?;
    note(
        global,
        &format!(
            "Ingested {} CUR rows ({} billing periods) into {}",
            report.rows,
            report.partitions.len(),
            lake_dir.display()
        ),
    );
    let flows = flowlogs::ingest_flow_logs(
        &lake,
        &summary.flow_logs_root.display().to_string(),
        &options,
    )
    .await?;
    let inventory =
        tabular::ingest_inventory(&lake, &summary.inventory_file.display().to_string()).await?;
    let metrics =
        tabular::ingest_metrics(&lake, &summary.metrics_file.display().to_string()).await?;
    note(
        global,
        &format!(
            "Ingested {} flow-log records, {} inventory records, {} business metric values",
            flows.rows, inventory.rows, metrics.rows
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
                println!("\n== {title}");
                print_result(&result, format)?;
            }
        }
    }
    if args.output.format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&sections)?);
    }
    note(
        global,
        &format!(
            "\nQuery it yourself: costscope --lake {} sql \"SELECT ... FROM cur\"",
            lake_dir.display()
        ),
    );
    Ok(())
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
