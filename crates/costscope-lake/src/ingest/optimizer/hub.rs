//! Cost Optimization Hub exports (Data Exports table `COST_OPTIMIZATION_RECOMMENDATIONS`,
//! FORMATS §6.2): one row per recommendation.

use serde::Serialize;

use super::cells::ExportFile;
use super::ec2::canonical;
use crate::Result;

/// Columns that mark a Cost Optimization Hub export.
pub(crate) const SIGNATURE: [&str; 2] = ["recommendation_id", "action_type"];

/// Columns every row needs (plus one of the two savings columns).
const REQUIRED: [&str; 6] = [
    "recommendation_id",
    "account_id",
    "resource_arn",
    "action_type",
    "current_resource_type",
    "last_refresh_timestamp",
];

const SAVINGS_AFTER: &str = "estimated_monthly_savings_after_discount";
const SAVINGS_BEFORE: &str = "estimated_monthly_savings_before_discount";

/// The action types Cost Optimization Hub reports.
const ACTIONS: [&str; 8] = [
    "Rightsize",
    "Stop",
    "Upgrade",
    "PurchaseSavingsPlans",
    "PurchaseReservedInstances",
    "MigrateToGraviton",
    "Delete",
    "ScaleIn",
];

/// Optional columns read into the table.
const OPTIONAL: [&str; 15] = [
    SAVINGS_AFTER,
    SAVINGS_BEFORE,
    "account_name",
    "region",
    "recommended_resource_type",
    "current_resource_summary",
    "recommended_resource_summary",
    "estimated_monthly_cost_after_discount",
    "estimated_monthly_cost_before_discount",
    "estimated_savings_percentage_after_discount",
    "estimated_savings_percentage_before_discount",
    "currency_code",
    "implementation_effort",
    "recommendation_source",
    "recommendation_lookback_period_in_days",
];

/// Whether the table keeps `column` of the export.
pub(crate) fn known(column: &str) -> bool {
    REQUIRED.contains(&column)
        || OPTIONAL.contains(&column)
        || matches!(column, "restart_needed" | "rollback_possible")
}

/// One row of the `optimizer_recommendations` table.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct HubRow {
    pub export_date: String,
    pub recommendation_id: String,
    pub account_id: String,
    pub account_name: Option<String>,
    pub region: Option<String>,
    pub resource_arn: String,
    pub resource_id: String,
    pub action_type: String,
    pub current_resource_type: String,
    pub recommended_resource_type: Option<String>,
    pub current_resource_summary: Option<String>,
    pub recommended_resource_summary: Option<String>,
    pub estimated_monthly_savings: f64,
    pub estimated_monthly_savings_before_discount: Option<f64>,
    pub estimated_monthly_cost: Option<f64>,
    pub estimated_savings_percentage: Option<f64>,
    pub currency_code: Option<String>,
    pub implementation_effort: Option<String>,
    pub recommendation_source: Option<String>,
    pub restart_needed: Option<bool>,
    pub rollback_possible: Option<bool>,
    pub lookback_period_days: Option<f64>,
    pub last_refresh_timestamp: String,
}

/// Every row of a Cost Optimization Hub export, each checked, with its line.
pub(crate) fn rows(export: &ExportFile) -> Result<Vec<(u64, HubRow)>> {
    const EXPORT: &str = "Cost Optimization Hub export";
    export.require(&REQUIRED, EXPORT)?;
    let savings_column = if export.has(SAVINGS_AFTER) {
        SAVINGS_AFTER
    } else if export.has(SAVINGS_BEFORE) {
        SAVINGS_BEFORE
    } else {
        return Err(export.header_error(
            SAVINGS_AFTER,
            format!("required column of a {EXPORT} is missing from the header"),
        ));
    };
    let mut out = Vec::with_capacity(export.rows.len());
    for row in &export.rows {
        let cells = export.cells(row);
        let resource_arn = cells.required("resource_arn")?.to_string();
        let action_text = cells.required("action_type")?;
        let action = canonical(action_text, &ACTIONS).ok_or_else(|| {
            cells.error(
                "action_type",
                format!(
                    "`{action_text}` is not a Cost Optimization Hub action type ({})",
                    ACTIONS.join(", ")
                ),
            )
        })?;
        let savings = cells
            .number(savings_column)?
            .ok_or_else(|| cells.error(savings_column, "the value is empty"))?;
        let (last_refresh_timestamp, date) = cells.timestamp("last_refresh_timestamp")?;
        out.push((
            cells.line(),
            HubRow {
                export_date: date.to_string(),
                recommendation_id: cells.required("recommendation_id")?.to_string(),
                account_id: cells.account("account_id")?.to_string(),
                account_name: cells.text("account_name").map(str::to_string),
                region: cells.text("region").map(str::to_string),
                resource_id: cur_resource_id(&resource_arn),
                resource_arn,
                action_type: action.to_string(),
                current_resource_type: cells.required("current_resource_type")?.to_string(),
                recommended_resource_type: cells
                    .text("recommended_resource_type")
                    .map(str::to_string),
                current_resource_summary: cells
                    .text("current_resource_summary")
                    .map(str::to_string),
                recommended_resource_summary: cells
                    .text("recommended_resource_summary")
                    .map(str::to_string),
                estimated_monthly_savings: savings,
                estimated_monthly_savings_before_discount: cells.number(SAVINGS_BEFORE)?,
                estimated_monthly_cost: cells
                    .number("estimated_monthly_cost_after_discount")?
                    .or(cells.number("estimated_monthly_cost_before_discount")?),
                estimated_savings_percentage: cells
                    .number("estimated_savings_percentage_after_discount")?
                    .or(cells.number("estimated_savings_percentage_before_discount")?),
                currency_code: cells.text("currency_code").map(str::to_string),
                implementation_effort: cells.text("implementation_effort").map(str::to_string),
                recommendation_source: cells.text("recommendation_source").map(str::to_string),
                restart_needed: cells.boolean("restart_needed")?,
                rollback_possible: cells.boolean("rollback_possible")?,
                lookback_period_days: cells.number("recommendation_lookback_period_in_days")?,
                last_refresh_timestamp,
            },
        ));
    }
    Ok(out)
}

/// What CUR calls the resource of `arn`: the id after the `/` of an EC2 ARN
/// (`…:instance/i-…`, `…:volume/vol-…`, `…:natgateway/nat-…`), else the ARN itself (Lambda
/// functions and RDS databases are named by ARN in CUR).
pub(crate) fn cur_resource_id(arn: &str) -> String {
    let mut parts = arn.splitn(6, ':');
    let service = parts.nth(2).unwrap_or_default();
    let resource = parts.nth(2).unwrap_or_default();
    match (service, resource.split_once('/')) {
        ("ec2", Some((_, id))) if !id.is_empty() => id.to_string(),
        _ => arn.to_string(),
    }
}
