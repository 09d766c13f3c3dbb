//! Compute Optimizer EC2 exports (`ExportEC2InstanceRecommendations`, FORMATS §6.1): one
//! row per instance, the rank-1 recommendation option kept.

use serde::Serialize;

use super::cells::ExportFile;
use crate::Result;

/// Columns that mark a Compute Optimizer EC2 export.
pub(crate) const SIGNATURE: [&str; 2] = ["instanceArn", "currentInstanceType"];

/// Columns every row needs.
const REQUIRED: [&str; 5] = [
    "accountId",
    "instanceArn",
    "currentInstanceType",
    "finding",
    "lastRefreshTimestamp_UTC",
];

/// The findings Compute Optimizer reports, in their export spelling.
const FINDINGS: [&str; 4] = [
    "Underprovisioned",
    "Overprovisioned",
    "Optimized",
    "NotOptimized",
];

const OPTION: &str = "recommendationOptions_1_";

/// Optional columns read into the table.
const OPTIONAL: [&str; 6] = [
    "instanceName",
    "instanceState",
    "lookbackPeriodInDays",
    "utilizationMetrics_CPU_MAXIMUM",
    "utilizationMetrics_MEMORY_MAXIMUM",
    "currentOnDemandPrice",
];

/// Rank-1 option columns read into the table (after `recommendationOptions_1_`).
const OPTION_COLUMNS: [&str; 8] = [
    "instanceType",
    "onDemandPrice",
    "projectedUtilizationMetrics_CPU_MAXIMUM",
    "performanceRisk",
    "migrationEffort",
    "estimatedMonthlySavings_value",
    "estimatedMonthlySavings_currency",
    "savingsOpportunityPercentage",
];

/// Whether the table keeps `column` of the export.
pub(crate) fn known(column: &str) -> bool {
    REQUIRED.contains(&column)
        || OPTIONAL.contains(&column)
        || column.starts_with("findingReasonCodes_is")
        || column
            .strip_prefix(OPTION)
            .is_some_and(|c| OPTION_COLUMNS.contains(&c))
}

/// One row of the `optimizer_ec2` table.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Ec2Row {
    pub export_date: String,
    pub account_id: String,
    pub instance_arn: String,
    pub instance_id: String,
    pub instance_name: Option<String>,
    pub region: Option<String>,
    pub current_instance_type: String,
    pub finding: String,
    pub finding_reason_codes: Option<String>,
    pub instance_state: Option<String>,
    pub lookback_period_days: Option<f64>,
    pub cpu_max_percent: Option<f64>,
    pub memory_max_percent: Option<f64>,
    pub current_on_demand_price: Option<f64>,
    pub recommended_instance_type: Option<String>,
    pub recommended_on_demand_price: Option<f64>,
    pub projected_cpu_max_percent: Option<f64>,
    pub performance_risk: Option<f64>,
    pub migration_effort: Option<String>,
    pub estimated_monthly_savings: Option<f64>,
    pub savings_currency: Option<String>,
    pub savings_opportunity_percent: Option<f64>,
    pub last_refresh_timestamp: String,
}

/// Every row of a Compute Optimizer EC2 export, each checked, with its line.
pub(crate) fn rows(export: &ExportFile) -> Result<Vec<(u64, Ec2Row)>> {
    export.require(&REQUIRED, "Compute Optimizer EC2 export")?;
    let option = |name: &str| format!("{OPTION}{name}");
    let mut out = Vec::with_capacity(export.rows.len());
    for row in &export.rows {
        let cells = export.cells(row);
        let account_id = cells.account("accountId")?.to_string();
        let instance_arn = cells.required("instanceArn")?.to_string();
        let instance_id = instance_arn
            .split_once(":instance/")
            .map(|(_, id)| id.to_string())
            .filter(|id| !id.is_empty())
            .ok_or_else(|| {
                cells.error(
                    "instanceArn",
                    format!("`{instance_arn}` is not an EC2 instance ARN (arn:aws:ec2:REGION:ACCOUNT:instance/ID)"),
                )
            })?;
        let region = instance_arn
            .split(':')
            .nth(3)
            .filter(|r| !r.is_empty())
            .map(str::to_string);
        let finding_text = cells.required("finding")?;
        let finding = canonical(finding_text, &FINDINGS).ok_or_else(|| {
            cells.error(
                "finding",
                format!(
                    "`{finding_text}` is not a Compute Optimizer finding ({})",
                    FINDINGS.join(", ")
                ),
            )
        })?;
        let reasons = cells.true_flags("findingReasonCodes_is")?;
        let (last_refresh_timestamp, date) = cells.timestamp("lastRefreshTimestamp_UTC")?;
        out.push((
            cells.line(),
            Ec2Row {
                export_date: date.to_string(),
                account_id,
                instance_arn: instance_arn.clone(),
                instance_id,
                instance_name: cells.text("instanceName").map(str::to_string),
                region,
                current_instance_type: cells.required("currentInstanceType")?.to_string(),
                finding: finding.to_string(),
                finding_reason_codes: (!reasons.is_empty()).then(|| reasons.join(",")),
                instance_state: cells.text("instanceState").map(str::to_string),
                lookback_period_days: cells.number("lookbackPeriodInDays")?,
                cpu_max_percent: cells.number("utilizationMetrics_CPU_MAXIMUM")?,
                memory_max_percent: cells.number("utilizationMetrics_MEMORY_MAXIMUM")?,
                current_on_demand_price: cells.number("currentOnDemandPrice")?,
                recommended_instance_type: cells.text(&option("instanceType")).map(str::to_string),
                recommended_on_demand_price: cells.number(&option("onDemandPrice"))?,
                projected_cpu_max_percent: cells
                    .number(&option("projectedUtilizationMetrics_CPU_MAXIMUM"))?,
                performance_risk: cells.number(&option("performanceRisk"))?,
                migration_effort: cells.text(&option("migrationEffort")).map(str::to_string),
                estimated_monthly_savings: cells
                    .number(&option("estimatedMonthlySavings_value"))?,
                savings_currency: cells
                    .text(&option("estimatedMonthlySavings_currency"))
                    .map(str::to_string),
                savings_opportunity_percent: cells
                    .number(&option("savingsOpportunityPercentage"))?,
                last_refresh_timestamp,
            },
        ));
    }
    Ok(out)
}

/// The spelling in `allowed` that `value` names, ignoring case, `_`, `-` and spaces
/// (`OVER_PROVISIONED` is `Overprovisioned`).
pub(crate) fn canonical(value: &str, allowed: &[&'static str]) -> Option<&'static str> {
    let squash = |s: &str| {
        s.chars()
            .filter(|c| !matches!(c, '_' | '-' | ' '))
            .collect::<String>()
            .to_ascii_lowercase()
    };
    let wanted = squash(value);
    allowed.iter().copied().find(|a| squash(a) == wanted)
}
