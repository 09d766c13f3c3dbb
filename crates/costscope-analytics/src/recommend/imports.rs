//! Recommendations imported from AWS Compute Optimizer (EC2 export, lake table
//! `optimizer_ec2`) and Cost Optimization Hub (export table, lake table
//! `optimizer_recommendations`), as a source beside costscope's rules.
//!
//! Only the latest export of each account counts (older exports stay in the lake as
//! history). Each imported recommendation gets the team and app of its resource from the
//! CUR lines of the window, found exactly as the rules find them, and the saving pool the
//! rules use for the same kind of saving, so [`super::dedupe`] keeps one per resource and
//! pool: an instance rightsized by Compute Optimizer, by Cost Optimization Hub and moved to
//! Graviton by costscope counts one saving, the others shown as alternatives. Savings in a
//! currency other than USD are left out (costscope never sums currencies).

use costscope_core::TeamExpr;
use costscope_query::Session;
use serde::Deserialize;

use super::rules::{team_of, usd};
use super::usage::Window;
use super::{Category, Effort, Found, Recommendation, Source};
use crate::Result;
use crate::records::query;

/// The rule name of Compute Optimizer EC2 recommendations.
pub const COMPUTE_OPTIMIZER_RULE: &str = "compute-optimizer-rightsize";
/// The prefix of Cost Optimization Hub rule names (`cost-optimization-hub-rightsize`, …).
pub const HUB_RULE_PREFIX: &str = "cost-optimization-hub-";
/// The resource id of organisation-wide Compute Savings Plan recommendations (costscope's
/// `compute-savings-plan` rule uses the same, so they are alternatives of each other).
const SAVINGS_PLAN_RESOURCE: &str = "compute-savings-plan";

/// Imported recommendations with a positive saving, from the latest export per account.
pub async fn imported(
    session: &Session,
    window: Option<Window>,
    team: &TeamExpr,
) -> Result<Vec<Recommendation>> {
    let owners = owners_sql(window, team);
    let mut out = compute_optimizer(session, &owners).await?;
    out.extend(cost_optimization_hub(session, &owners).await?);
    Ok(out)
}

/// Team and app of every resource in the window's CUR lines, as the rules find them.
fn owners_sql(window: Option<Window>, team: &TeamExpr) -> String {
    let team = team.sql();
    let predicate = window.map_or_else(|| "TRUE".to_string(), |w| w.predicate());
    format!(
        "owners AS (SELECT line_item_resource_id AS resource_id, max({team}) AS team, \
                max(resource_tags['user_app']) AS app \
         FROM cur_amortized WHERE {predicate} AND line_item_resource_id IS NOT NULL \
         GROUP BY 1)"
    )
}

#[derive(Deserialize)]
struct Ec2Row {
    account_id: String,
    resource_id: String,
    current: String,
    recommended: String,
    finding: String,
    reasons: Option<String>,
    cpu: Option<f64>,
    memory: Option<f64>,
    current_price: Option<f64>,
    recommended_price: Option<f64>,
    effort: Option<String>,
    saving: f64,
    export_date: String,
    team: Option<String>,
    app: Option<String>,
}

async fn compute_optimizer(session: &Session, owners: &str) -> Result<Vec<Recommendation>> {
    if !session.has_table(costscope_core::tables::OPTIMIZER_EC2) {
        return Ok(Vec::new());
    }
    let sql = format!(
        "WITH latest AS (SELECT *, max(export_date) OVER (PARTITION BY account_id) AS latest \
                         FROM optimizer_ec2), {owners} \
         SELECT l.account_id, l.instance_id AS resource_id, l.current_instance_type AS current, \
                l.recommended_instance_type AS recommended, l.finding, \
                l.finding_reason_codes AS reasons, l.cpu_max_percent AS cpu, \
                l.memory_max_percent AS memory, l.current_on_demand_price AS current_price, \
                l.recommended_on_demand_price AS recommended_price, \
                l.migration_effort AS effort, l.estimated_monthly_savings AS saving, \
                CAST(l.export_date AS VARCHAR) AS export_date, o.team, o.app \
         FROM latest l LEFT JOIN owners o ON o.resource_id = l.instance_id \
         WHERE l.export_date = l.latest AND l.finding <> 'Optimized' \
           AND l.estimated_monthly_savings > 0 AND l.recommended_instance_type IS NOT NULL \
           AND coalesce(l.savings_currency, 'USD') = 'USD'"
    );
    let rows: Vec<Ec2Row> = query(session, &sql).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let percent = |v: Option<f64>| v.map_or_else(|| "n/a".to_string(), |v| format!("{v:.1}%"));
            let price = |v: Option<f64>| v.map(|p| format!(" at {}/h", usd(p))).unwrap_or_default();
            let explanation = format!(
                "Compute Optimizer export of {}: {}{}; CPU maximum {}, memory maximum {}; {}{} → {}{}: {}/month as Compute Optimizer estimates it",
                r.export_date,
                r.finding,
                r.reasons.map(|c| format!(" ({c})")).unwrap_or_default(),
                percent(r.cpu),
                percent(r.memory),
                r.current,
                price(r.current_price),
                r.recommended,
                price(r.recommended_price),
                usd(r.saving)
            );
            Found {
                rule: COMPUTE_OPTIMIZER_RULE.to_string(),
                source: Source::ComputeOptimizer,
                category: Category::Compute,
                effort: effort(r.effort.as_deref()),
                team: team_of(r.team.as_deref()),
                account_id: r.account_id,
                resource_id: r.resource_id,
                pool: "instance-hours".to_string(),
                current: r.current,
                recommended: r.recommended,
                monthly_cost: r.current_price.unwrap_or(0.0) * super::usage::HOURS_PER_MONTH,
                monthly_saving: r.saving,
                explanation,
                app: r.app,
            }
            .open()
        })
        .collect())
}

#[derive(Deserialize)]
struct HubRow {
    account_id: String,
    resource_id: String,
    action: String,
    resource_type: String,
    current: Option<String>,
    recommended: Option<String>,
    cost: Option<f64>,
    saving: f64,
    effort: Option<String>,
    source: Option<String>,
    export_date: String,
    team: Option<String>,
    app: Option<String>,
}

async fn cost_optimization_hub(session: &Session, owners: &str) -> Result<Vec<Recommendation>> {
    if !session.has_table(costscope_core::tables::OPTIMIZER_RECOMMENDATIONS) {
        return Ok(Vec::new());
    }
    let sql = format!(
        "WITH latest AS (SELECT *, max(export_date) OVER (PARTITION BY account_id) AS latest \
                         FROM optimizer_recommendations), {owners} \
         SELECT l.account_id, l.resource_id, l.action_type AS action, \
                l.current_resource_type AS resource_type, \
                coalesce(l.current_resource_summary, l.current_resource_type) AS current, \
                coalesce(l.recommended_resource_summary, l.recommended_resource_type) AS recommended, \
                l.estimated_monthly_cost AS cost, l.estimated_monthly_savings AS saving, \
                l.implementation_effort AS effort, l.recommendation_source AS source, \
                CAST(l.export_date AS VARCHAR) AS export_date, o.team, o.app \
         FROM latest l LEFT JOIN owners o ON o.resource_id = l.resource_id \
         WHERE l.export_date = l.latest AND l.estimated_monthly_savings > 0 \
           AND coalesce(l.currency_code, 'USD') = 'USD'"
    );
    let rows: Vec<HubRow> = query(session, &sql).await?;
    let mut out: Vec<Recommendation> = Vec::new();
    for r in rows {
        let (category, pool) = hub_kind(&r.resource_type, &r.resource_id);
        let rule = format!("{HUB_RULE_PREFIX}{}", kebab(&r.action));
        let id = Recommendation::id_of(&rule, &r.resource_id);
        let resource_id = if pool == "commitment" && r.resource_type.contains("SavingsPlans") {
            SAVINGS_PLAN_RESOURCE.to_string()
        } else {
            r.resource_id.clone()
        };
        let current = r.current.unwrap_or_else(|| r.resource_type.clone());
        let recommended = r.recommended.unwrap_or_else(|| r.action.clone());
        let explanation = format!(
            "Cost Optimization Hub export of {}{}: {} {} {} → {}: {}/month after discounts as Cost Optimization Hub estimates it{}",
            r.export_date,
            r.source.map(|s| format!(" (from {s})")).unwrap_or_default(),
            r.action,
            r.resource_type,
            current,
            recommended,
            usd(r.saving),
            r.cost
                .map(|c| format!(" (current cost {}/month)", usd(c)))
                .unwrap_or_default()
        );
        let recommendation = Found {
            rule,
            source: Source::CostOptimizationHub,
            category,
            effort: effort(r.effort.as_deref()),
            team: team_of(r.team.as_deref()),
            account_id: r.account_id,
            resource_id,
            pool: pool.to_string(),
            current,
            recommended,
            monthly_cost: r.cost.unwrap_or(0.0),
            monthly_saving: r.saving,
            explanation,
            app: r.app,
        }
        .open_as(id);
        // One recommendation per id: the larger saving of the same action on a resource.
        match out.iter_mut().find(|o| o.id == recommendation.id) {
            Some(o) if o.monthly_saving >= recommendation.monthly_saving => {}
            Some(o) => *o = recommendation,
            None => out.push(recommendation),
        }
    }
    Ok(out)
}

/// The category and the rules' saving pool of a Cost Optimization Hub resource type.
pub fn hub_kind(resource_type: &str, resource: &str) -> (Category, &'static str) {
    match resource_type {
        "Ec2Instance" | "Ec2AutoScalingGroup" => (Category::Compute, "instance-hours"),
        "LambdaFunction" => (Category::Compute, "lambda-compute"),
        "EcsService" => (Category::Compute, "fargate"),
        "ComputeSavingsPlans" | "Ec2InstanceSavingsPlans" | "Ec2ReservedInstances" => {
            (Category::Compute, "commitment")
        }
        "SageMakerSavingsPlans" => (Category::Genai, "commitment"),
        "EbsVolume" => (Category::Storage, "ebs-storage"),
        "RdsDbInstance" => (Category::Database, "db-instance-hours"),
        "RdsDbInstanceStorage" | "AuroraDbClusterStorage" => (Category::Database, "db-storage"),
        "NatGateway" => (Category::Networking, "nat"),
        t if t.ends_with("ReservedInstances") || t.ends_with("ReservedCapacity") => {
            (Category::Database, "commitment")
        }
        _ => {
            let service = resource.split(':').nth(2).unwrap_or_default();
            let category = match service {
                "bedrock" | "sagemaker" => Category::Genai,
                "s3" | "ebs" | "elasticfilesystem" => Category::Storage,
                "rds" | "dynamodb" | "elasticache" => Category::Database,
                "elasticloadbalancing" => Category::Networking,
                _ => Category::Compute,
            };
            (category, "other")
        }
    }
}

/// Compute Optimizer and Cost Optimization Hub efforts (`VeryLow` … `VeryHigh`).
fn effort(text: Option<&str>) -> Effort {
    match text.map(str::to_ascii_lowercase).as_deref() {
        Some("verylow" | "very low" | "low") => Effort::Low,
        Some("high" | "veryhigh" | "very high") => Effort::High,
        _ => Effort::Medium,
    }
}

/// `MigrateToGraviton` → `migrate-to-graviton`.
fn kebab(action: &str) -> String {
    let mut out = String::new();
    for (i, c) in action.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}
