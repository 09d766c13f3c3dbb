//! Sample optimizer exports for the generated organisation: a Compute Optimizer EC2 export
//! (FORMATS §6.1) and a Cost Optimization Hub export (§6.2) naming the organisation's real
//! instances and volumes, refreshed on the last day of the calendar.
//!
//! Instances still running on that day are in the Compute Optimizer export. Intel `m4` and
//! `m5` instances are over-provisioned (CPU maximum 12–30%): an `xlarge` is rightsized to
//! the `large` of its family's current generation, a `large` to `m6g.large`; both overlap
//! costscope's own Graviton and previous-generation rules on the same instance. Every other
//! instance is optimized. The Cost Optimization Hub export repeats the over-provisioned
//! instances as `Rightsize` actions and adds gp2 → gp3 upgrades for gp2 volumes.

use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::catalog::instance_type;
use crate::generate::{GenerateOptions, organisation};
use crate::model::{Org, Quantity};
use crate::{Error, Result};

/// Hours in a month as AWS estimates count them.
const HOURS_PER_MONTH: f64 = 730.0;
/// gp2 → gp3 saving per GB-month (FORMATS §4: $0.10 − $0.08).
const GP3_SAVING_PER_GB: f64 = 0.02;

/// What [`write_optimizer_samples`] wrote.
#[derive(Debug, Clone)]
pub struct OptimizerSamples {
    /// The Compute Optimizer EC2 export (CSV).
    pub compute_optimizer_file: PathBuf,
    /// The Cost Optimization Hub export (CSV).
    pub cost_optimization_hub_file: PathBuf,
    /// The export date, `YYYY-MM-DD`.
    pub export_date: String,
    /// Instances in the Compute Optimizer export.
    pub instances: usize,
    /// Of which over-provisioned (with a saving).
    pub overprovisioned: usize,
    /// Rows of the Cost Optimization Hub export.
    pub hub_recommendations: usize,
}

/// An instance running on the export date.
struct Instance {
    id: String,
    account: &'static str,
    region: &'static str,
    instance_type: String,
    name: Option<String>,
}

/// Writes both sample exports into `dir` (created if needed) for the organisation that
/// [`generate`](crate::generate()) builds from the same `opts` (seed, months, end period and rows; `out`
/// and `progress` are not used). The same options always write the same bytes.
pub fn write_optimizer_samples(dir: &Path, opts: &GenerateOptions) -> Result<OptimizerSamples> {
    let (cal, org, _) = organisation(opts)?;
    let last_day = cal.total_days().saturating_sub(1);
    let export_date = cal.day_label(last_day).to_string();
    let refreshed = format!("{export_date} 00:12:29");
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed ^ 0x0c0_c0b);
    let instances = running_instances(&org, cal.total_hours());

    let co_path = dir.join(format!("compute-optimizer-ec2-{export_date}.csv"));
    let hub_path = dir.join(format!("cost-optimization-hub-{export_date}.csv"));
    let mut co = writer(&co_path)?;
    let mut hub = writer(&hub_path)?;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |e: csv::Error| Error::io(&path, std::io::Error::other(e))
    };
    co.write_record(CO_HEADER).map_err(io(&co_path))?;
    hub.write_record(HUB_HEADER).map_err(io(&hub_path))?;
    let mut overprovisioned = 0;
    let mut hub_rows = 0;
    for i in &instances {
        let current = instance_type(&i.instance_type);
        let target = rightsized(&i.instance_type);
        let (cpu, memory) = match target {
            Some(_) => (rng.random_range(12.0..30.0), rng.random_range(18.0..35.0)),
            None => (rng.random_range(40.0..80.0), rng.random_range(45.0..80.0)),
        };
        let (recommended, price) = match target {
            Some(t) => (t, instance_type(t).hourly),
            None => (current.name, current.hourly),
        };
        let saving = (current.hourly - price) * HOURS_PER_MONTH;
        let arn = format!("arn:aws:ec2:{}:{}:instance/{}", i.region, i.account, i.id);
        let over = target.is_some();
        let graviton = recommended
            .split('.')
            .next()
            .is_some_and(|family| family.ends_with('g'));
        let effort = if graviton { "Medium" } else { "Low" };
        let row = [
            i.account.to_string(),
            arn.clone(),
            i.name.clone().unwrap_or_default(),
            i.instance_type.clone(),
            if over { "Overprovisioned" } else { "Optimized" }.to_string(),
            over.to_string(),
            over.to_string(),
            "14".to_string(),
            "running".to_string(),
            format!("{cpu:.2}"),
            format!("{memory:.2}"),
            format!("{}", current.hourly),
            format!("{}", current.vcpu),
            format!("{} GiB", current.memory_gib),
            recommended.to_string(),
            format!("{price}"),
            format!(
                "{:.2}",
                cpu * current.vcpu as f64 / instance_type(recommended).vcpu as f64
            ),
            if over { "1" } else { "0" }.to_string(),
            if over { effort } else { "VeryLow" }.to_string(),
            if graviton && over { "Architecture" } else { "" }.to_string(),
            format!("{saving:.2}"),
            "USD".to_string(),
            format!("{:.2}", 100.0 * saving / (current.hourly * HOURS_PER_MONTH)),
            refreshed.clone(),
            String::new(),
            String::new(),
        ];
        co.write_record(&row).map_err(io(&co_path))?;
        if over {
            overprovisioned += 1;
            hub_rows += 1;
            let id = recommendation_id(&mut rng);
            hub.write_record(hub_row(HubRow {
                id: &id,
                account: i.account,
                region: i.region,
                arn: &arn,
                action: "Rightsize",
                resource_type: "Ec2Instance",
                current: &i.instance_type,
                recommended,
                cost: current.hourly * HOURS_PER_MONTH,
                saving,
                effort,
                source: "ComputeOptimizer",
                refreshed: &refreshed,
            }))
            .map_err(io(&hub_path))?;
        }
    }
    for (volume, account, region, gb) in gp2_volumes(&org, cal.total_hours()) {
        hub_rows += 1;
        let id = recommendation_id(&mut rng);
        let arn = format!("arn:aws:ec2:{region}:{account}:volume/{volume}");
        let current = format!("gp2 {gb:.0} GB");
        let recommended = format!("gp3 {gb:.0} GB");
        hub.write_record(hub_row(HubRow {
            id: &id,
            account,
            region,
            arn: &arn,
            action: "Upgrade",
            resource_type: "EbsVolume",
            current: &current,
            recommended: &recommended,
            cost: gb * 0.10,
            saving: gb * GP3_SAVING_PER_GB,
            effort: "VeryLow",
            source: "ComputeOptimizer",
            refreshed: &refreshed,
        }))
        .map_err(io(&hub_path))?;
    }
    co.flush().map_err(|e| Error::io(&co_path, e))?;
    hub.flush().map_err(|e| Error::io(&hub_path, e))?;
    Ok(OptimizerSamples {
        compute_optimizer_file: co_path,
        cost_optimization_hub_file: hub_path,
        export_date,
        instances: instances.len(),
        overprovisioned,
        hub_recommendations: hub_rows,
    })
}

/// The Compute Optimizer columns written, in export order.
const CO_HEADER: [&str; 26] = [
    "accountId",
    "instanceArn",
    "instanceName",
    "currentInstanceType",
    "finding",
    "findingReasonCodes_isCpuOverprovisioned",
    "findingReasonCodes_isMemoryOverprovisioned",
    "lookbackPeriodInDays",
    "instanceState",
    "utilizationMetrics_CPU_MAXIMUM",
    "utilizationMetrics_MEMORY_MAXIMUM",
    "currentOnDemandPrice",
    "currentVCpus",
    "currentMemory",
    "recommendationOptions_1_instanceType",
    "recommendationOptions_1_onDemandPrice",
    "recommendationOptions_1_projectedUtilizationMetrics_CPU_MAXIMUM",
    "recommendationOptions_1_performanceRisk",
    "recommendationOptions_1_migrationEffort",
    "recommendationOptions_1_platformDifferences",
    "recommendationOptions_1_estimatedMonthlySavings_value",
    "recommendationOptions_1_estimatedMonthlySavings_currency",
    "recommendationOptions_1_savingsOpportunityPercentage",
    "lastRefreshTimestamp_UTC",
    "errorCode",
    "errorMessage",
];

/// The Cost Optimization Hub columns written.
const HUB_HEADER: [&str; 20] = [
    "account_id",
    "action_type",
    "currency_code",
    "current_resource_summary",
    "current_resource_type",
    "estimated_monthly_cost_after_discount",
    "estimated_monthly_cost_before_discount",
    "estimated_monthly_savings_after_discount",
    "estimated_monthly_savings_before_discount",
    "estimated_savings_percentage_after_discount",
    "implementation_effort",
    "last_refresh_timestamp",
    "recommendation_id",
    "recommendation_lookback_period_in_days",
    "recommendation_source",
    "recommended_resource_summary",
    "region",
    "resource_arn",
    "restart_needed",
    "rollback_possible",
];

struct HubRow<'a> {
    id: &'a str,
    account: &'a str,
    region: &'a str,
    arn: &'a str,
    action: &'a str,
    resource_type: &'a str,
    current: &'a str,
    recommended: &'a str,
    cost: f64,
    saving: f64,
    effort: &'a str,
    source: &'a str,
    refreshed: &'a str,
}

fn hub_row(r: HubRow<'_>) -> [String; 20] {
    let percent = if r.cost > 0.0 {
        100.0 * r.saving / r.cost
    } else {
        0.0
    };
    [
        r.account.to_string(),
        r.action.to_string(),
        "USD".to_string(),
        r.current.to_string(),
        r.resource_type.to_string(),
        format!("{:.2}", r.cost),
        format!("{:.2}", r.cost),
        format!("{:.2}", r.saving),
        format!("{:.2}", r.saving),
        format!("{percent:.1}"),
        r.effort.to_string(),
        r.refreshed.to_string(),
        r.id.to_string(),
        "14".to_string(),
        r.source.to_string(),
        r.recommended.to_string(),
        r.region.to_string(),
        r.arn.to_string(),
        (r.resource_type == "Ec2Instance").to_string(),
        "true".to_string(),
    ]
}

/// The rightsizing target of an over-provisioned Intel general-purpose instance.
fn rightsized(instance_type: &str) -> Option<&'static str> {
    match instance_type {
        "m4.xlarge" | "m5.xlarge" => Some("m5.large"),
        "m4.large" | "m5.large" => Some("m6g.large"),
        _ => None,
    }
}

fn recommendation_id(rng: &mut ChaCha8Rng) -> String {
    let (a, b): (u64, u64) = (rng.random(), rng.random());
    format!("{a:016x}{b:016x}")
}

fn writer(path: &Path) -> Result<csv::Writer<std::fs::File>> {
    let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    Ok(csv::Writer::from_writer(file))
}

/// Instances with an instance-hour meter active in the last hour, by id.
fn running_instances(org: &Org, total_hours: u32) -> Vec<Instance> {
    let mut found: std::collections::BTreeMap<String, Instance> = Default::default();
    for meter in &org.meters {
        let owner = &org.owners[meter.owner];
        let template = &org.templates[meter.template];
        let (Some(id), Some(instance_type)) = (
            owner.resource_id.as_deref(),
            template.get("product_instance_type"),
        ) else {
            continue;
        };
        if !id.starts_with("i-") || meter.active.end < total_hours {
            continue;
        }
        let name = owner
            .tags
            .iter()
            .find(|(k, _)| *k == "user_app")
            .map(|(_, v)| v.clone());
        found.insert(
            id.to_string(),
            Instance {
                id: id.to_string(),
                account: org.accounts[owner.account].id,
                region: region_code(template.get("product_region_code")),
                instance_type: instance_type.to_string(),
                name,
            },
        );
    }
    found.into_values().collect()
}

/// gp2 volumes existing in the last hour: (id, account, region, GB).
fn gp2_volumes(org: &Org, total_hours: u32) -> Vec<(String, &'static str, &'static str, f64)> {
    let mut found = std::collections::BTreeMap::new();
    for meter in &org.meters {
        let owner = &org.owners[meter.owner];
        let template = &org.templates[meter.template];
        let (Some(id), Quantity::StorageGb(gb)) = (owner.resource_id.as_deref(), meter.quantity)
        else {
            continue;
        };
        let gp2 = template
            .get("line_item_usage_type")
            .is_some_and(|u| u.ends_with("VolumeUsage.gp2"));
        if id.starts_with("vol-") && gp2 && meter.active.end >= total_hours {
            found.insert(
                id.to_string(),
                (
                    org.accounts[owner.account].id,
                    region_code(template.get("product_region_code")),
                    gb,
                ),
            );
        }
    }
    found
        .into_iter()
        .map(|(id, (account, region, gb))| (id, account, region, gb))
        .collect()
}

fn region_code(code: Option<&str>) -> &'static str {
    match code {
        Some("us-west-2") => "us-west-2",
        _ => "us-east-1",
    }
}
