//! The KPI scan: one aggregate of `cur_amortized` grouped by week, account, team and usage
//! type (classified in Rust, since a few thousand groups come back), one resource-level
//! aggregate for unattached volumes and idle NAT gateways, and the Compute Optimizer
//! utilisation when such an export was imported.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use costscope_core::TeamExpr;
use costscope_core::sql::labelled;
use costscope_query::Session;
use serde::{Deserialize, Serialize};

use super::classify::{self, Compute};
use super::{Kpi, NO_TEAM, Week, prices};
use crate::records::{literal, query, query_selective};
use crate::{Error, Result};

/// What to compute.
#[derive(Debug, Clone, Default)]
pub struct KpiOptions {
    /// Who owns a line (allocation rules, or by default the `user_team` tag).
    pub team: TeamExpr,
    /// First week (inclusive); default: the week `to` falls back from.
    pub from: Option<Week>,
    /// Last week (inclusive); default: the last complete week with usage.
    pub to: Option<Week>,
    /// Goals per KPI (for the saving of reaching them); default: the score's defaults.
    pub goals: BTreeMap<Kpi, f64>,
}

/// One KPI of one account and team in one week. Its JSON form is documented in
/// `docs/score.md`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiRow {
    /// `2026-W43`.
    pub week: String,
    pub account_id: String,
    pub account_name: String,
    pub team: String,
    pub kpi: Kpi,
    /// `measured / eligible`; `None` without eligible spend.
    pub value: Option<f64>,
    /// The cost in the KPI's numerator (Graviton cost, idle cost …), USD.
    pub measured: f64,
    /// The eligible spend (the denominator), USD (on-demand equivalent for coverage).
    pub eligible: f64,
    pub goal: f64,
    /// The weekly saving of reaching the goal, USD.
    pub saving: f64,
    /// The largest item left to improve (usage type or resource).
    pub top_item: Option<String>,
}

/// A resource found idle in a week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IdleResource {
    pub week: String,
    pub account_id: String,
    pub team: String,
    pub resource_id: String,
    /// `unattached-volume`, `idle-public-ipv4` or `idle-nat-gateway`.
    pub kind: String,
    /// Its cost in the week, USD.
    pub cost: f64,
    /// For NAT gateways: average GB processed per hour.
    pub gb_per_hour: Option<f64>,
}

/// CPU and memory utilisation from a Compute Optimizer EC2 export, per account.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Utilisation {
    /// `available` or `unavailable`.
    pub status: String,
    /// Why it is unavailable, or the table it came from.
    pub source: String,
    pub accounts: Vec<AccountUtilisation>,
}

/// Average of the instances' maximum CPU and memory utilisation (percent) in one account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountUtilisation {
    pub account_id: String,
    pub instances: i64,
    pub cpu_max_percent: Option<f64>,
    pub memory_max_percent: Option<f64>,
}

/// The KPIs of every account and team in every week of the range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiReport {
    pub from: String,
    pub to: String,
    pub weeks: Vec<String>,
    pub rows: Vec<KpiRow>,
    pub idle_resources: Vec<IdleResource>,
    pub utilisation: Utilisation,
    /// Where the saving factors come from and their date.
    pub prices_as_of: String,
}

/// Per week, account and team: the parts of every KPI.
#[derive(Debug, Default, Clone)]
pub(super) struct Parts {
    pub account_name: String,
    pub kpis: BTreeMap<Kpi, Part>,
}

/// One KPI's sums.
#[derive(Debug, Default, Clone)]
pub(super) struct Part {
    pub measured: f64,
    pub eligible: f64,
    /// Σ improvable cost × its saving factor.
    pub factored: f64,
    /// Improvable cost per item.
    pub items: BTreeMap<String, f64>,
}

impl Part {
    fn add(&mut self, measured: f64, eligible: f64) {
        self.measured += measured;
        self.eligible += eligible;
    }

    fn improvable(&mut self, item: &str, cost: f64, factor: f64) {
        if cost > 0.0 {
            self.factored += cost * factor;
            *self.items.entry(item.to_string()).or_default() += cost;
        }
    }

    pub fn merge(&mut self, other: &Part) {
        self.measured += other.measured;
        self.eligible += other.eligible;
        self.factored += other.factored;
        for (item, cost) in &other.items {
            *self.items.entry(item.clone()).or_default() += cost;
        }
    }

    pub fn value(&self) -> Option<f64> {
        (self.eligible.abs() > 1e-9).then(|| self.measured / self.eligible)
    }

    /// The weekly saving of reaching `goal`.
    pub fn saving(&self, kpi: Kpi, goal: f64) -> f64 {
        let Some(value) = self.value() else {
            return 0.0;
        };
        let improvable = if kpi.higher_is_better() {
            self.eligible - self.measured
        } else {
            self.measured
        };
        if improvable <= 1e-9 {
            return 0.0;
        }
        let factor = self.factored / improvable;
        let gap = if kpi.higher_is_better() {
            goal - value
        } else {
            value - goal
        };
        (gap.max(0.0) * self.eligible * factor).max(0.0)
    }

    pub fn top_item(&self) -> Option<String> {
        self.items
            .iter()
            .filter(|(_, cost)| **cost > 0.005)
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(item, _)| item.clone())
    }
}

/// Key of [`Parts`]: week, account, team.
pub(super) type Key = (Week, String, String);

/// Computes every KPI per account, team and week.
pub async fn kpis(session: &Session, options: &KpiOptions) -> Result<KpiReport> {
    let (from, to) = range(session, options.from, options.to).await?;
    let (parts, idle) = collect(session, &options.team, from, to).await?;
    let goals = goals_or_defaults(&options.goals);
    let mut rows = Vec::new();
    for ((week, account_id, team), parts) in &parts {
        for (kpi, part) in &parts.kpis {
            let goal = goals.get(kpi).copied().unwrap_or(0.0);
            rows.push(KpiRow {
                week: week.label(),
                account_id: account_id.clone(),
                account_name: parts.account_name.clone(),
                team: team.clone(),
                kpi: *kpi,
                value: part.value(),
                measured: part.measured,
                eligible: part.eligible,
                goal,
                saving: part.saving(*kpi, goal),
                top_item: part.top_item(),
            });
        }
    }
    let mut weeks = Vec::new();
    let mut week = from;
    while week <= to {
        weeks.push(week.label());
        week = Week(week.end());
    }
    Ok(KpiReport {
        from: from.label(),
        to: to.label(),
        weeks,
        rows,
        idle_resources: idle,
        utilisation: utilisation(session).await?,
        prices_as_of: prices::AS_OF.to_string(),
    })
}

fn goals_or_defaults(goals: &BTreeMap<Kpi, f64>) -> BTreeMap<Kpi, f64> {
    let mut all: BTreeMap<Kpi, f64> = Kpi::ALL.iter().map(|k| (*k, k.default_goal())).collect();
    all.extend(goals.iter().map(|(k, v)| (*k, *v)));
    all
}

/// The weeks to compute: `to` defaults to the last complete week with usage (the last week
/// when none is complete), `from` to `to`.
pub(super) async fn range(
    session: &Session,
    from: Option<Week>,
    to: Option<Week>,
) -> Result<(Week, Week)> {
    let to = match to {
        Some(week) => week,
        None => last_complete_week(session).await?,
    };
    let from = from.unwrap_or(to);
    if from > to {
        return Err(Error::InvalidArgument(format!(
            "empty range: week {from} is after {to}"
        )));
    }
    Ok((from, to))
}

/// The last ISO week whose Sunday has usage, else the week of the last usage.
pub(super) async fn last_complete_week(session: &Session) -> Result<Week> {
    #[derive(Deserialize)]
    struct Row {
        last: Option<String>,
    }
    #[derive(Deserialize)]
    struct Period {
        period: Option<String>,
    }
    // The last period first, then its last day: the literal prunes the other periods' files.
    let periods: Vec<Period> =
        query(session, "SELECT max(billing_period) AS period FROM cur").await?;
    let rows: Vec<Row> = match periods.into_iter().next().and_then(|p| p.period) {
        Some(period) => {
            query_selective(
                session,
                &format!(
                    "SELECT CAST(max(line_item_usage_start_date) AS DATE) AS last FROM cur \
                     WHERE billing_period = {}",
                    literal(&period)
                ),
            )
            .await?
        }
        None => Vec::new(),
    };
    let last = rows
        .into_iter()
        .next()
        .and_then(|r| r.last)
        .and_then(|d| NaiveDate::parse_from_str(&d[..10.min(d.len())], "%Y-%m-%d").ok())
        .ok_or_else(|| Error::InvalidArgument("the lake has no usage to score".into()))?;
    let week = Week::containing(last);
    if last.weekday() == chrono::Weekday::Sun {
        Ok(week)
    } else {
        Ok(week.previous())
    }
}

/// The row filter of `[from, to]` weeks, with the billing periods for partition pruning;
/// monthly RI fee lines of the overlapping periods are kept (they are spread over weeks).
fn range_filter(from: Week, to: Week) -> String {
    format!(
        "{} AND ({} OR line_item_line_item_type = 'RIFee')",
        periods_filter(from, to),
        days_filter(from, to)
    )
}

/// The billing periods overlapping `[from, to]` weeks (they prune files and row groups).
fn periods_filter(from: Week, to: Week) -> String {
    let first_period = from.start().format("%Y-%m").to_string();
    let last_period = (to.end() - Duration::days(1)).format("%Y-%m").to_string();
    format!(
        "billing_period >= {} AND billing_period <= {}",
        literal(&first_period),
        literal(&last_period)
    )
}

/// Usage in `[from, to]` weeks.
fn days_filter(from: Week, to: Week) -> String {
    format!(
        "line_item_usage_start_date >= TIMESTAMP {} AND line_item_usage_start_date < TIMESTAMP {}",
        literal(&format!("{} 00:00:00", from.start())),
        literal(&format!("{} 00:00:00", to.end())),
    )
}

fn team_expression(team: &TeamExpr) -> String {
    labelled(&format!("CAST(({}) AS VARCHAR)", team.sql()), NO_TEAM)
}

#[derive(Deserialize)]
struct Group {
    week_start: String,
    account_id: Option<String>,
    account_name: Option<String>,
    team: String,
    usage_type: Option<String>,
    line_item_type: Option<String>,
    created: Option<String>,
    fee_period: Option<String>,
    cost: Option<f64>,
    public_cost: Option<f64>,
    sp_total: Option<f64>,
    sp_used: Option<f64>,
    ri_total: Option<f64>,
    ri_unused: Option<f64>,
}

/// Every KPI's parts per week, account and team, and the idle resources found.
pub(super) async fn collect(
    session: &Session,
    team: &TeamExpr,
    from: Week,
    to: Week,
) -> Result<(BTreeMap<Key, Parts>, Vec<IdleResource>)> {
    let filter = range_filter(from, to);
    let team = team_expression(team);
    let sql = format!(
        "SELECT CAST(week_start AS VARCHAR) AS week_start, account_id, max(account_name) AS account_name, \
                team, usage_type, line_item_type, created, fee_period, \
                sum(cost) AS cost, sum(public_cost) AS public_cost, \
                sum(sp_total) AS sp_total, sum(sp_used) AS sp_used, \
                sum(ri_total) AS ri_total, sum(ri_unused) AS ri_unused \
         FROM (SELECT CAST(date_trunc('week', line_item_usage_start_date) AS DATE) AS week_start, \
                 line_item_usage_account_id AS account_id, \
                 line_item_usage_account_name AS account_name, \
                 {team} AS team, \
                 line_item_usage_type AS usage_type, \
                 line_item_line_item_type AS line_item_type, \
                 CASE WHEN strpos(line_item_usage_type, 'EBS:Snapshot') > 0 \
                      THEN resource_tags['user_created'] END AS created, \
                 CASE WHEN line_item_line_item_type = 'RIFee' THEN billing_period END AS fee_period, \
                 amortized_cost AS cost, \
                 CASE WHEN line_item_line_item_type = 'SavingsPlanNegation' THEN 0 \
                      ELSE pricing_public_on_demand_cost END AS public_cost, \
                 CASE WHEN line_item_line_item_type = 'SavingsPlanRecurringFee' \
                      THEN savings_plan_total_commitment_to_date END AS sp_total, \
                 CASE WHEN line_item_line_item_type = 'SavingsPlanRecurringFee' \
                      THEN savings_plan_used_commitment END AS sp_used, \
                 CASE WHEN line_item_line_item_type = 'RIFee' \
                      THEN coalesce(reservation_amortized_upfront_fee_for_billing_period, 0) \
                           + coalesce(line_item_unblended_cost, 0) END AS ri_total, \
                 CASE WHEN line_item_line_item_type = 'RIFee' \
                      THEN coalesce(reservation_unused_amortized_upfront_fee_for_billing_period, 0) \
                           + coalesce(reservation_unused_recurring_fee, 0) END AS ri_unused \
               FROM cur_amortized \
               WHERE {filter} AND line_item_line_item_type IN \
                 ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', \
                  'SavingsPlanRecurringFee', 'RIFee')) AS lines \
         GROUP BY week_start, account_id, team, usage_type, line_item_type, created, fee_period"
    );
    let groups: Vec<Group> = query_selective(session, &sql).await?;
    let mut parts: BTreeMap<Key, Parts> = BTreeMap::new();
    for group in groups {
        let Some(week) = parse_day(&group.week_start).map(Week::containing) else {
            continue;
        };
        let account_id = group.account_id.clone().unwrap_or_default();
        let account_name = group.account_name.clone().unwrap_or_default();
        if let (Some(period), Some(total)) = (&group.fee_period, group.ri_total) {
            // A monthly RI fee: spread over the weeks of its period in the range.
            let unused = group.ri_unused.unwrap_or(0.0);
            for (week, share) in period_weeks(period, from, to) {
                let entry = parts
                    .entry((week, account_id.clone(), group.team.clone()))
                    .or_default();
                entry.account_name.clone_from(&account_name);
                let part = entry.kpis.entry(Kpi::CommitmentUtilisation).or_default();
                let (used, total) = ((total - unused) * share, total * share);
                part.add(used, total);
                part.improvable(
                    "reserved-instances",
                    total - used,
                    prices::COMMITMENT_UTILISATION,
                );
            }
            continue;
        }
        if week < from || week > to {
            continue;
        }
        let entry = parts
            .entry((week, account_id, group.team.clone()))
            .or_default();
        entry.account_name = account_name;
        classify_group(&group, week, &mut entry.kpis);
    }
    // Only usage lines count there: RI fee lines need not be kept, so the date prunes.
    let usage_filter = format!("{} AND {}", periods_filter(from, to), days_filter(from, to));
    let idle = idle_resources(session, &team, &usage_filter, from, to).await?;
    for resource in idle.iter().filter(|r| r.kind != "idle-public-ipv4") {
        let Ok(week) = resource.week.parse::<Week>() else {
            continue;
        };
        if let Some(entry) =
            parts.get_mut(&(week, resource.account_id.clone(), resource.team.clone()))
        {
            let part = entry.kpis.entry(Kpi::Idle).or_default();
            part.measured += resource.cost;
            part.improvable(&resource.resource_id, resource.cost, prices::IDLE);
        }
    }
    Ok((parts, idle))
}

fn parse_day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()
}

/// The weeks of `[from, to]` a billing period `YYYY-MM` overlaps, with the share of the
/// period's days in each.
fn period_weeks(period: &str, from: Week, to: Week) -> Vec<(Week, f64)> {
    let Some(first) = NaiveDate::parse_from_str(&format!("{period}-01"), "%Y-%m-%d").ok() else {
        return Vec::new();
    };
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(first);
    let days = (next - first).num_days().max(1) as f64;
    let mut shares: BTreeMap<Week, f64> = BTreeMap::new();
    let mut day = first;
    while day < next {
        let week = Week::containing(day);
        if week >= from && week <= to {
            *shares.entry(week).or_default() += 1.0 / days;
        }
        day += Duration::days(1);
    }
    shares.into_iter().collect()
}

/// Adds one usage-type group to the KPI parts it counts in.
fn classify_group(group: &Group, week: Week, kpis: &mut BTreeMap<Kpi, Part>) {
    let usage_type = group.usage_type.as_deref().unwrap_or("");
    let line_item_type = group.line_item_type.as_deref().unwrap_or("");
    let cost = group.cost.unwrap_or(0.0);
    let public = group.public_cost.unwrap_or(0.0);
    let base = classify::base_usage_type(usage_type);

    if line_item_type == "SavingsPlanRecurringFee" {
        let total = group.sp_total.unwrap_or(0.0);
        let used = group.sp_used.unwrap_or(0.0);
        let part = kpis.entry(Kpi::CommitmentUtilisation).or_default();
        part.add(used, total);
        part.improvable(
            "savings-plans",
            total - used,
            prices::COMMITMENT_UTILISATION,
        );
        return;
    }
    if !matches!(
        line_item_type,
        "Usage" | "DiscountedUsage" | "SavingsPlanCoveredUsage"
    ) {
        return;
    }
    let covered = line_item_type != "Usage";

    if let Some(compute) = classify::compute(usage_type) {
        if classify::graviton_eligible(&compute) {
            let on = classify::runs_on_graviton(&compute);
            let part = kpis.entry(Kpi::Graviton).or_default();
            part.add(if on { cost } else { 0.0 }, cost);
            if !on {
                part.improvable(base, cost, classify::graviton_factor(&compute));
            }
        }
        let instance = match &compute {
            Compute::Ec2 { instance_type, .. } => Some(instance_type.as_str()),
            Compute::Managed { class } => Some(class.as_str()),
            _ => None,
        };
        if let Some(instance) = instance {
            let previous = classify::is_previous_generation(instance);
            let part = kpis.entry(Kpi::CurrentGeneration).or_default();
            part.add(if previous { 0.0 } else { cost }, cost);
            if previous {
                part.improvable(base, cost, prices::CURRENT_GENERATION);
            }
        }
        if let Compute::Ec2 { spot, .. } = &compute
            && !covered
        {
            let part = kpis.entry(Kpi::Spot).or_default();
            part.add(if *spot { cost } else { 0.0 }, cost);
            if !spot {
                part.improvable(base, cost, prices::SPOT);
            }
        }
        let spot = matches!(compute, Compute::Ec2 { spot: true, .. });
        if !spot {
            let part = kpis.entry(Kpi::CommitmentCoverage).or_default();
            part.add(if covered { public } else { 0.0 }, public);
            if !covered {
                part.improvable(base, public, prices::COMMITMENT_COVERAGE);
            }
        }
        return;
    }
    if let Some(volume) = classify::ebs_volume_type(usage_type) {
        if volume == "gp2" || volume == "gp3" {
            let part = kpis.entry(Kpi::Gp3).or_default();
            let gp3 = volume == "gp3";
            part.add(if gp3 { cost } else { 0.0 }, cost);
            if !gp3 {
                part.improvable(base, cost, prices::GP3);
            }
        }
        kpis.entry(Kpi::Idle).or_default().add(0.0, cost);
        return;
    }
    if classify::is_snapshot(usage_type) {
        let old = group
            .created
            .as_deref()
            .and_then(parse_day)
            .is_some_and(|created| (week.start() - created).num_days() > prices::OLD_SNAPSHOT_DAYS);
        let part = kpis.entry(Kpi::OldSnapshots).or_default();
        part.add(if old { cost } else { 0.0 }, cost);
        if old {
            let created = group.created.as_deref().unwrap_or("");
            part.improvable(
                &format!("snapshots created {created}"),
                cost,
                prices::OLD_SNAPSHOTS,
            );
        }
        return;
    }
    if let Some(class) = classify::s3_storage_class(usage_type) {
        let standard = class == "STANDARD";
        let part = kpis.entry(Kpi::S3Standard).or_default();
        part.add(if standard { cost } else { 0.0 }, cost);
        if standard {
            part.improvable(base, cost, prices::S3_STANDARD);
        }
        return;
    }
    if let Some(idle) = classify::public_ipv4_idle(usage_type) {
        let part = kpis.entry(Kpi::Idle).or_default();
        part.add(if idle { cost } else { 0.0 }, cost);
        if idle {
            part.improvable(base, cost, prices::IDLE);
        }
        return;
    }
    if classify::is_nat_gateway(usage_type) {
        kpis.entry(Kpi::Idle).or_default().add(0.0, cost);
    }
}

/// Unattached EBS volumes (a volume-day in an account and AZ where no instance ran: a
/// volume attaches only to an instance in its AZ, so it cannot be attached; this also
/// finds the volumes of stopped instances), idle public IPv4 addresses and NAT gateways
/// processing under [`prices::NAT_IDLE_GB_PER_HOUR`] on average in the week.
///
/// Two scans: the first finds the idle resource-days without reading the tags (most lines
/// are instance and volume hours), the second reads the team of those resources' lines only.
async fn idle_resources(
    session: &Session,
    team: &str,
    filter: &str,
    from: Week,
    to: Week,
) -> Result<Vec<IdleResource>> {
    const KIND: &str = "CASE WHEN strpos(line_item_usage_type, 'EBS:VolumeUsage') > 0 THEN 'volume' \
         WHEN strpos(line_item_usage_type, 'NatGateway-') > 0 THEN 'nat' \
         WHEN strpos(line_item_usage_type, 'PublicIPv4:IdleAddress') > 0 THEN 'ipv4' \
         ELSE 'instance' END";
    const DAY: &str = "CAST(date_trunc('day', line_item_usage_start_date) AS VARCHAR)";
    let lines = format!(
        "{filter} AND line_item_line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage') \
         AND (strpos(line_item_usage_type, 'EBS:VolumeUsage') > 0 \
           OR strpos(line_item_usage_type, 'NatGateway-') > 0 \
           OR strpos(line_item_usage_type, 'PublicIPv4:IdleAddress') > 0 \
           OR strpos(line_item_usage_type, 'BoxUsage:') > 0 \
           OR strpos(line_item_usage_type, 'SpotUsage:') > 0 \
           OR strpos(line_item_usage_type, 'DedicatedUsage:') > 0)"
    );
    /// A resource-day: day, account, AZ, resource, kind.
    type Day = (
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
    );
    #[derive(Deserialize)]
    struct Flagged {
        day: String,
        account_id: Option<String>,
        az: Option<String>,
        resource_id: Option<String>,
        kind: String,
    }
    let sql = format!(
        "WITH resources AS (\
           SELECT date_trunc('day', line_item_usage_start_date) AS day, \
                  line_item_usage_account_id AS account_id, \
                  line_item_availability_zone AS az, line_item_resource_id AS resource_id, \
                  {KIND} AS kind \
           FROM cur_amortized WHERE {lines} \
           GROUP BY 1, 2, 3, 4, 5), \
         flagged AS (\
           SELECT *, max(CASE WHEN kind = 'instance' THEN 1 ELSE 0 END) \
                     OVER (PARTITION BY day, account_id, az) AS has_instance \
           FROM resources) \
         SELECT CAST(day AS VARCHAR) AS day, account_id, az, resource_id, kind FROM flagged \
         WHERE (kind = 'volume' AND has_instance = 0) OR kind IN ('nat', 'ipv4')"
    );
    let flagged: Vec<Flagged> = query_selective(session, &sql).await?;
    if flagged.is_empty() {
        return Ok(Vec::new());
    }
    let idle_days: std::collections::BTreeSet<Day> = flagged
        .into_iter()
        .map(|f| (f.day, f.account_id, f.az, f.resource_id, f.kind))
        .collect();
    let ids: std::collections::BTreeSet<&str> =
        idle_days.iter().filter_map(|d| d.3.as_deref()).collect();
    let mut resources: Vec<String> = Vec::new();
    if !ids.is_empty() {
        let list: Vec<String> = ids.iter().map(|id| literal(id)).collect();
        resources.push(format!("line_item_resource_id IN ({})", list.join(", ")));
    }
    if idle_days.iter().any(|d| d.3.is_none()) {
        resources.push("line_item_resource_id IS NULL".into());
    }
    let sql = format!(
        "SELECT {DAY} AS day, line_item_usage_account_id AS account_id, \
                line_item_availability_zone AS az, {team} AS team, \
                line_item_resource_id AS resource_id, {KIND} AS kind, \
                sum(amortized_cost) AS cost, \
                sum(CASE WHEN strpos(line_item_usage_type, 'NatGateway-Bytes') > 0 \
                         THEN line_item_usage_amount ELSE 0 END) AS nat_gb, \
                sum(CASE WHEN strpos(line_item_usage_type, 'NatGateway-Hours') > 0 \
                         THEN line_item_usage_amount ELSE 0 END) AS nat_hours \
         FROM cur_amortized WHERE ({}) AND {lines} \
         GROUP BY 1, 2, 3, 4, 5, 6",
        resources.join(" OR ")
    );
    #[derive(Deserialize)]
    struct Row {
        day: String,
        account_id: Option<String>,
        az: Option<String>,
        team: String,
        resource_id: Option<String>,
        kind: String,
        cost: Option<f64>,
        nat_gb: Option<f64>,
        nat_hours: Option<f64>,
    }
    let rows: Vec<Row> = query_selective(session, &sql).await?;
    // Per week, account, team, resource and kind (in that order, accounts and resources
    // without a value last): cost, GB and hours of the idle days.
    type Key = (Week, (bool, String), String, (bool, String), String);
    let nulls_last = |v: &Option<String>| (v.is_none(), v.clone().unwrap_or_default());
    let mut weekly: BTreeMap<Key, (f64, f64, f64)> = BTreeMap::new();
    for row in rows {
        let day = (row.day, row.account_id, row.az, row.resource_id, row.kind);
        if !idle_days.contains(&day) {
            continue;
        }
        let (day, account_id, _, resource_id, kind) = day;
        let Some(week) = parse_day(&day).map(Week::containing) else {
            continue;
        };
        let key = (
            week,
            nulls_last(&account_id),
            row.team,
            nulls_last(&resource_id),
            kind,
        );
        let sums = weekly.entry(key).or_default();
        sums.0 += row.cost.unwrap_or(0.0);
        sums.1 += row.nat_gb.unwrap_or(0.0);
        sums.2 += row.nat_hours.unwrap_or(0.0);
    }
    let mut found = Vec::new();
    for ((week, (_, account_id), team, (_, resource_id), kind), (cost, nat_gb, nat_hours)) in weekly
    {
        if week < from || week > to {
            continue;
        }
        let (kind, gb_per_hour) = match kind.as_str() {
            "volume" => ("unattached-volume", None),
            "ipv4" => ("idle-public-ipv4", None),
            _ => {
                let per_hour = if nat_hours > 0.0 {
                    nat_gb / nat_hours
                } else {
                    0.0
                };
                if per_hour >= prices::NAT_IDLE_GB_PER_HOUR {
                    continue;
                }
                ("idle-nat-gateway", Some(per_hour))
            }
        };
        found.push(IdleResource {
            week: week.label(),
            account_id,
            team,
            resource_id,
            kind: kind.to_string(),
            cost,
            gb_per_hour,
        });
    }
    Ok(found)
}

/// Average CPU and memory maxima per account from the latest imported Compute Optimizer
/// EC2 export of each account (`optimizer_ec2`); unavailable (not an error) when none was
/// imported.
async fn utilisation(session: &Session) -> Result<Utilisation> {
    if !session.has_table(costscope_core::tables::OPTIMIZER_EC2) {
        return Ok(Utilisation {
            status: "unavailable".into(),
            source: "the principal has no grant on optimizer_ec2".into(),
            accounts: Vec::new(),
        });
    }
    let sql = format!(
        "WITH latest AS (SELECT *, max(export_date) OVER (PARTITION BY account_id) AS latest \
                         FROM {table}) \
         SELECT account_id, count(*) AS instances, \
                avg(cpu_max_percent) AS cpu_max_percent, \
                avg(memory_max_percent) AS memory_max_percent \
         FROM latest WHERE export_date = latest GROUP BY 1 ORDER BY 1",
        table = costscope_core::tables::OPTIMIZER_EC2
    );
    let accounts: Vec<AccountUtilisation> = query(session, &sql).await?;
    if accounts.is_empty() {
        return Ok(Utilisation {
            status: "unavailable".into(),
            source: "no Compute Optimizer EC2 export was imported (costscope ingest optimizer)"
                .into(),
            accounts,
        });
    }
    Ok(Utilisation {
        status: "available".into(),
        source: costscope_core::tables::OPTIMIZER_EC2.to_string(),
        accounts,
    })
}
