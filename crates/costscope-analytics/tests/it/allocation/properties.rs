//! Allocations sum to the bill and lose nothing, for random rule sets over random lines
//! (classified in Rust, independently of the SQL) and over the real lake.

use std::collections::BTreeMap;

use costscope_analytics::allocation::{
    AllocateOptions, Field, Owner, OwnerCost, PeriodBill, Rules, UNALLOCATED, allocate, report,
};
use costscope_analytics::records::query;
use proptest::prelude::*;

use super::{assert_close, scalar};
use crate::fixture;

/// A rule set as the strategies draw it, rendered to YAML for [`Rules::parse`].
#[derive(Debug, Clone)]
struct RuleSet {
    teams: usize,
    pools: Vec<PoolSpec>,
    rules: Vec<RuleSpec>,
}

#[derive(Debug, Clone)]
enum SplitSpec {
    Even(Option<Vec<usize>>),
    Proportional(Option<Vec<usize>>),
    /// Integer percentages per team index, summing to 100.
    Fixed(Vec<(usize, u32)>),
}

#[derive(Debug, Clone)]
struct PoolSpec {
    split: SplitSpec,
}

#[derive(Debug, Clone)]
struct RuleSpec {
    /// A team index, or a pool index when `shared`.
    owner: usize,
    shared: bool,
    priority: Option<i64>,
    /// (field, values): field is a key of the YAML rule.
    conditions: Vec<(&'static str, Vec<String>)>,
}

impl RuleSet {
    fn yaml(&self) -> String {
        let mut text = String::from("teams:\n");
        for team in 0..self.teams {
            text.push_str(&format!("  - t{team}\n"));
        }
        text.push_str("rules:\n");
        for rule in &self.rules {
            if rule.shared {
                text.push_str(&format!("  - shared: p{}\n", rule.owner % self.pools.len()));
            } else {
                text.push_str(&format!("  - team: t{}\n", rule.owner % self.teams));
            }
            if let Some(priority) = rule.priority {
                text.push_str(&format!("    priority: {priority}\n"));
            }
            for (field, values) in &rule.conditions {
                let values: Vec<String> = values.iter().map(|v| quote(v)).collect();
                let list = format!("[{}]", values.join(", "));
                match *field {
                    "tag" => text.push_str(&format!("    tag: {{team: {list}}}\n")),
                    "cost_category" => {
                        text.push_str(&format!("    cost_category: {{business_unit: {list}}}\n"))
                    }
                    plain => text.push_str(&format!("    {plain}: {list}\n")),
                }
            }
        }
        text.push_str("shared:\n");
        for (index, pool) in self.pools.iter().enumerate() {
            text.push_str(&format!("  p{index}:\n"));
            let to = |teams: &Option<Vec<usize>>| {
                teams.as_ref().map(|teams| {
                    let mut names: Vec<usize> = teams.iter().map(|t| t % self.teams).collect();
                    names.sort();
                    names.dedup();
                    let names: Vec<String> = names.iter().map(|t| format!("t{t}")).collect();
                    format!("    to: [{}]\n", names.join(", "))
                })
            };
            match &pool.split {
                SplitSpec::Even(teams) => {
                    text.push_str("    split: even\n");
                    text.push_str(&to(teams).unwrap_or_default());
                }
                SplitSpec::Proportional(teams) => {
                    text.push_str("    split: proportional\n");
                    text.push_str(&to(teams).unwrap_or_default());
                }
                SplitSpec::Fixed(percentages) => {
                    // Merge percentages of teams drawn twice.
                    let mut merged: BTreeMap<usize, u32> = BTreeMap::new();
                    for (team, percent) in percentages {
                        *merged.entry(team % self.teams).or_default() += percent;
                    }
                    let entries: Vec<String> = merged
                        .iter()
                        .map(|(team, percent)| format!("t{team}: {percent}"))
                        .collect();
                    text.push_str(&format!(
                        "    split: {{fixed: {{{}}}}}\n",
                        entries.join(", ")
                    ));
                }
            }
        }
        text
    }

    fn rules(&self) -> Rules {
        let yaml = self.yaml();
        Rules::parse(&yaml, "random.yaml").unwrap_or_else(|e| panic!("{e}\n{yaml}"))
    }
}

fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// Integer percentages summing to 100 over one to four team indices.
fn percentages() -> impl Strategy<Value = Vec<(usize, u32)>> {
    prop::collection::vec((0usize..8, 0u32..=100), 1..4).prop_map(|mut cuts| {
        // Cut points in 0..=100 make consecutive differences that sum to 100.
        let mut points: Vec<u32> = cuts.iter().map(|(_, p)| *p).collect();
        points.sort();
        let mut previous = 0;
        for (slot, point) in cuts.iter_mut().zip(&points) {
            slot.1 = point - previous;
            previous = *point;
        }
        if let Some(last) = cuts.last_mut() {
            last.1 += 100 - previous;
        }
        cuts
    })
}

fn split() -> impl Strategy<Value = SplitSpec> {
    let to = prop::option::of(prop::collection::vec(0usize..8, 1..4));
    prop_oneof![
        to.clone().prop_map(SplitSpec::Even),
        to.prop_map(SplitSpec::Proportional),
        percentages().prop_map(SplitSpec::Fixed),
    ]
}

/// A vocabulary of values per field, with patterns built from them.
fn values(vocabulary: &'static [&'static str]) -> impl Strategy<Value = Vec<String>> {
    let value = prop_oneof![
        4 => prop::sample::select(vocabulary).prop_map(|v| v.to_string()),
        2 => prop::sample::select(vocabulary).prop_map(|v| format!("{}%", &v[..v.len().min(3)])),
        1 => prop::sample::select(vocabulary).prop_map(|v| format!("%{}", &v[v.len().saturating_sub(2)..])),
        1 => prop::sample::select(vocabulary).prop_map(|v| format!("/^{}/", regex::escape(&v[..v.len().min(4)]))),
    ];
    prop::collection::vec(value, 1..3)
}

/// The field vocabularies: the demo organisation's values and a few that match nothing.
const ACCOUNT_IDS: &[&str] = &[
    "222222222222",
    "333333333333",
    "444444444444",
    "888888888888",
];
const ACCOUNT_NAMES: &[&str] = &[
    "App-Team-Prod",
    "App-Team-Dev",
    "Shared-Services",
    "Data-Platform",
    "Sandbox",
    "Sales-Prod",
    "Nobody",
];
const SERVICES: &[&str] = &[
    "AmazonEC2",
    "AmazonS3",
    "AmazonBedrock",
    "AWSSupportBusiness",
    "AmazonVPC",
];
const LINE_ITEM_TYPES: &[&str] = &["Usage", "Tax", "Fee", "Credit", "SavingsPlanRecurringFee"];
const USAGE_TYPES: &[&str] = &[
    "NatGateway-Bytes",
    "BoxUsage:m5.large",
    "TimedStorage-ByteHrs",
];
const TEAM_TAGS: &[&str] = &[
    "app-team",
    "data-team",
    "platform-team",
    "sales-eng",
    "web-team",
];
const BUSINESS_UNITS: &[&str] = &["Digital Products", "Platform", "Sales", "Marketing"];

fn condition() -> impl Strategy<Value = (&'static str, Vec<String>)> {
    prop_oneof![
        values(ACCOUNT_IDS).prop_map(|v| ("account_id", v)),
        values(ACCOUNT_NAMES).prop_map(|v| ("account_name", v)),
        values(SERVICES).prop_map(|v| ("service", v)),
        values(LINE_ITEM_TYPES).prop_map(|v| ("line_item_type", v)),
        values(USAGE_TYPES).prop_map(|v| ("usage_type", v)),
        values(TEAM_TAGS).prop_map(|v| ("tag", v)),
        values(BUSINESS_UNITS).prop_map(|v| ("cost_category", v)),
    ]
}

fn rule_set() -> impl Strategy<Value = RuleSet> {
    (1usize..6, prop::collection::vec(split(), 0..4)).prop_flat_map(|(teams, pools)| {
        let has_pools = !pools.is_empty();
        let rule = (
            0usize..8,
            any::<bool>(),
            prop::option::of(-2i64..3),
            prop::collection::vec(condition(), 1..3),
        )
            .prop_map(move |(owner, shared, priority, mut conditions)| {
                // One condition per field (a YAML key appears once).
                let mut seen = Vec::new();
                conditions.retain(|(field, _)| {
                    let first = !seen.contains(field);
                    seen.push(*field);
                    first
                });
                RuleSpec {
                    owner,
                    shared: shared && has_pools,
                    priority,
                    conditions,
                }
            });
        prop::collection::vec(rule, 0..10).prop_map(move |rules| RuleSet {
            teams,
            pools: pools
                .iter()
                .cloned()
                .map(|split| PoolSpec { split })
                .collect(),
            rules,
        })
    })
}

/// One random CUR line.
#[derive(Debug, Clone)]
struct Line {
    period: &'static str,
    currency: &'static str,
    account: usize,
    service: &'static str,
    line_item_type: &'static str,
    usage_type: &'static str,
    team_tag: Option<&'static str>,
    business_unit: &'static str,
    cost: f64,
}

impl Line {
    fn field(&self, field: &Field) -> Option<String> {
        let value = match field {
            Field::AccountId => ACCOUNT_IDS[self.account % ACCOUNT_IDS.len()],
            Field::AccountName => ACCOUNT_NAMES[self.account % ACCOUNT_NAMES.len()],
            Field::Service => self.service,
            Field::LineItemType => self.line_item_type,
            Field::UsageType => self.usage_type,
            Field::Tag(key) if key == "user_team" => self.team_tag?,
            Field::CostCategory(name) if name == "business_unit" => self.business_unit,
            _ => return None,
        };
        Some(value.to_string())
    }
}

fn line() -> impl Strategy<Value = Line> {
    (
        (
            prop::sample::select(&["2026-08", "2026-09", "2026-10"][..]),
            prop::sample::select(&["USD", "USD", "EUR"][..]),
            0usize..7,
            prop::sample::select(SERVICES),
        ),
        (
            prop::sample::select(LINE_ITEM_TYPES),
            prop::sample::select(USAGE_TYPES),
            prop::option::of(prop::sample::select(TEAM_TAGS)),
            prop::sample::select(BUSINESS_UNITS),
        ),
        prop_oneof![
            6 => 0.0f64..5_000.0,
            2 => -500.0f64..0.0,
            1 => Just(0.0),
            1 => 0.0f64..1e-6,
        ],
    )
        .prop_map(
            |(
                (period, currency, account, service),
                (line_item_type, usage_type, team_tag, business_unit),
                cost,
            )| {
                Line {
                    period,
                    currency,
                    account,
                    service,
                    line_item_type,
                    usage_type,
                    team_tag,
                    business_unit,
                    cost,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_rules_over_random_lines_allocate_exactly_the_bill(
        set in rule_set(),
        lines in prop::collection::vec(line(), 0..200),
    ) {
        let rules = set.rules();
        // Classify in Rust and aggregate as the SQL would; the bill is summed apart.
        let mut by_owner: BTreeMap<(&str, &str, Owner), f64> = BTreeMap::new();
        let mut bills: BTreeMap<(&str, &str), (f64, f64)> = BTreeMap::new();
        for line in &lines {
            let owner = rules.owner_of(|field| line.field(field));
            *by_owner.entry((line.period, line.currency, owner)).or_default() += line.cost;
            let bill = bills.entry((line.period, line.currency)).or_default();
            bill.0 += line.cost;
            bill.1 += line.cost.abs();
        }
        let costs: Vec<OwnerCost> = by_owner
            .iter()
            .map(|((period, currency, owner), cost)| OwnerCost {
                period: period.to_string(),
                currency: currency.to_string(),
                owner: owner.clone(),
                cost: *cost,
            })
            .collect();
        let period_bills: Vec<PeriodBill> = bills
            .iter()
            .map(|((period, currency), (bill, _))| PeriodBill {
                period: period.to_string(),
                currency: currency.to_string(),
                bill: *bill,
            })
            .collect();
        let report = report(&rules, &AllocateOptions::default(), &costs, &period_bills);

        prop_assert_eq!(report.periods.len(), bills.len());
        for ((period, currency), (bill, magnitude)) in &bills {
            let rows: Vec<_> = report
                .rows
                .iter()
                .filter(|r| r.period == *period && r.cost.currency == *currency)
                .collect();
            // Every team and the unallocated bucket, each row adding up.
            prop_assert_eq!(rows.len(), rules.teams().len() + 1);
            let allocated: f64 = rows.iter().map(|r| r.cost.total).sum();
            let tolerance = 1e-9 * magnitude.max(1.0);
            prop_assert!((allocated - bill).abs() <= tolerance, "{} {}: {} vs {}", period, currency, allocated, bill);
            for row in &rows {
                prop_assert!(row.cost.total.is_finite());
                prop_assert!((row.cost.total - row.cost.direct - row.cost.shared).abs() <= tolerance);
            }
            // Nothing unclaimed is dropped: the unallocated bucket holds it.
            let unclaimed: f64 = by_owner
                .iter()
                .filter(|((p, c, o), _)| p == period && c == currency && *o == Owner::Unallocated)
                .map(|(_, cost)| cost)
                .sum();
            let bucket = rows.iter().find(|r| r.cost.team == UNALLOCATED).map(|r| r.cost.total);
            prop_assert_eq!(bucket, Some(unclaimed));
            // Rounded for display, the cents still add up to the rounded bill.
            let cents: i64 = report
                .rows_in_cents()
                .iter()
                .filter(|r| r.period == *period && r.currency == *currency)
                .map(|r| r.total)
                .sum();
            prop_assert_eq!(cents, (bill * 100.0).round() as i64);
        }
        for pool in &report.pools {
            let shares: f64 = pool.shares.iter().map(|s| s.amount).sum();
            prop_assert!((shares - pool.cost).abs() <= 1e-12 * pool.cost.abs().max(1.0), "{:?}", pool);
            let fractions: f64 = pool.shares.iter().map(|s| s.fraction).sum();
            prop_assert!((fractions - 1.0).abs() <= 1e-9, "{:?}", pool);
        }
    }
}

/// The lake's lines grouped by every field the random rules look at.
#[derive(Debug, serde::Deserialize)]
struct LakeGroup {
    period: String,
    account_id: Option<String>,
    account_name: Option<String>,
    service: Option<String>,
    line_item_type: Option<String>,
    usage_type: Option<String>,
    team: Option<String>,
    business_unit: Option<String>,
    cost: Option<f64>,
}

impl LakeGroup {
    fn field(&self, field: &Field) -> Option<String> {
        match field {
            Field::AccountId => self.account_id.clone(),
            Field::AccountName => self.account_name.clone(),
            Field::Service => self.service.clone(),
            Field::LineItemType => self.line_item_type.clone(),
            Field::UsageType => self.usage_type.clone(),
            Field::Tag(key) if key == "user_team" => self.team.clone(),
            Field::CostCategory(name) if name == "business_unit" => self.business_unit.clone(),
            _ => None,
        }
    }
}

#[test]
fn random_rules_over_the_lake_agree_with_an_independent_classification() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (session, groups, bill) = runtime.block_on(async {
        let session = fixture::admin_session().await;
        let groups: Vec<LakeGroup> = query(
            &session,
            "SELECT billing_period AS period, line_item_usage_account_id AS account_id, \
                    line_item_usage_account_name AS account_name, line_item_product_code AS service, \
                    line_item_line_item_type AS line_item_type, line_item_usage_type AS usage_type, \
                    resource_tags['user_team'] AS team, cost_category['business_unit'] AS business_unit, \
                    sum(amortized_cost) AS cost \
             FROM cur_amortized GROUP BY 1, 2, 3, 4, 5, 6, 7, 8",
        )
        .await
        .expect("groups");
        let bill = scalar(&session, "SELECT sum(amortized_cost) AS value FROM cur_amortized").await;
        (session, groups, bill)
    });

    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(12));
    runner
        .run(&rule_set(), |set| {
            let rules = set.rules();
            let report = runtime
                .block_on(allocate(&session, &rules, &AllocateOptions::default()))
                .expect("allocate");
            let allocated: f64 = report.rows.iter().map(|r| r.cost.total).sum();
            assert_close(allocated, bill, "allocated vs the bill");

            // Direct costs (and pool costs) as the Rust classifier sees them.
            let mut expected: BTreeMap<(String, Owner), f64> = BTreeMap::new();
            for group in &groups {
                let owner = rules.owner_of(|field| group.field(field));
                *expected.entry((group.period.clone(), owner)).or_default() +=
                    group.cost.unwrap_or(0.0);
            }
            for ((period, owner), cost) in &expected {
                let got: f64 = match owner {
                    Owner::Pool(pool) => report
                        .pools
                        .iter()
                        .filter(|p| p.period == *period && p.pool == *pool)
                        .map(|p| p.cost)
                        .sum(),
                    Owner::Team(team) => report
                        .rows
                        .iter()
                        .filter(|r| r.period == *period && r.cost.team == *team)
                        .map(|r| r.cost.direct)
                        .sum(),
                    Owner::Unallocated => report
                        .rows
                        .iter()
                        .filter(|r| r.period == *period && r.cost.team == UNALLOCATED)
                        .map(|r| r.cost.direct)
                        .sum(),
                };
                assert_close(got, *cost, &format!("{period} {owner}\n{}", set.yaml()));
            }
            Ok(())
        })
        .expect("random rule sets over the lake");
}
