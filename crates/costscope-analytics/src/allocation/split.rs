//! Splitting shared pools among teams, over the small per-owner aggregate the query
//! returns. Pure functions: the property tests drive them with random data.
//!
//! Exactness: each pool's shares are computed as `pool × weight / Σ weights`, except the
//! share with the largest weight, which is `pool − Σ other shares`; so the shares add up
//! to the pool (to the last bit in the order they are summed) and nothing is lost.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::TeamTotal;
use super::rules::{Owner, Rules, Split, UNALLOCATED};

/// The cost of one owner in one period and currency (one row of the aggregate).
#[derive(Debug, Clone, PartialEq)]
pub struct OwnerCost {
    pub period: String,
    pub currency: String,
    pub owner: Owner,
    pub cost: f64,
}

/// One team's cost in one period: what its rules claim directly, its part of the shared
/// pools, and their sum. The `unallocated` row holds what no rule claims.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamCost {
    pub period: String,
    #[serde(flatten)]
    pub cost: TeamTotal,
}

/// How one shared pool was split in one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoolSplit {
    pub period: String,
    pub currency: String,
    pub pool: String,
    /// The split the rules ask for: `even`, `proportional` or `fixed`.
    pub method: String,
    /// The split applied: as `method`, except `even` when a proportional split finds no
    /// recipient with positive direct cost.
    pub applied: String,
    pub cost: f64,
    pub shares: Vec<Share>,
}

/// One team's part of a pool.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Share {
    pub team: String,
    /// Its fraction of the pool (the fractions sum to 1).
    pub fraction: f64,
    pub amount: f64,
}

/// Team rows and pool splits for every period and currency in `costs`, in period,
/// currency and then declared-team order (the `unallocated` row last).
pub fn split_pools(rules: &Rules, costs: &[OwnerCost]) -> (Vec<TeamCost>, Vec<PoolSplit>) {
    #[derive(Default)]
    struct Period {
        direct: HashMap<String, f64>,
        pools: HashMap<String, f64>,
        unallocated: f64,
    }
    let mut periods: BTreeMap<(&str, &str), Period> = BTreeMap::new();
    for cost in costs {
        let period = periods
            .entry((cost.period.as_str(), cost.currency.as_str()))
            .or_default();
        match &cost.owner {
            Owner::Team(team) if rules.teams().contains(team) => {
                *period.direct.entry(team.clone()).or_default() += cost.cost;
            }
            Owner::Pool(pool) if rules.pool(pool).is_some() => {
                *period.pools.entry(pool.clone()).or_default() += cost.cost;
            }
            // Owners these rules do not know (rows from other rules) stay visible.
            _ => period.unallocated += cost.cost,
        }
    }

    let mut rows = Vec::new();
    let mut splits = Vec::new();
    for ((period_name, currency), period) in &periods {
        let mut shared: HashMap<&str, f64> = HashMap::new();
        for pool in rules.pools() {
            let Some(&cost) = period.pools.get(&pool.name) else {
                continue;
            };
            let direct = |team: &String| period.direct.get(team).copied().unwrap_or(0.0);
            let (weights, applied): (Vec<f64>, &str) = match &pool.split {
                Split::Even => (vec![1.0; pool.recipients.len()], "even"),
                Split::Proportional => {
                    let weights: Vec<f64> = pool
                        .recipients
                        .iter()
                        .map(|team| direct(team).max(0.0))
                        .collect();
                    if weights.iter().sum::<f64>() > 0.0 {
                        (weights, "proportional")
                    } else {
                        (vec![1.0; pool.recipients.len()], "even")
                    }
                }
                Split::Fixed(percentages) => {
                    (percentages.iter().map(|(_, p)| *p).collect(), "fixed")
                }
            };
            let fractions = fractions(&weights);
            let amounts = divide(cost, &weights);
            let shares = pool
                .recipients
                .iter()
                .zip(fractions)
                .zip(amounts)
                .map(|((team, fraction), amount)| {
                    *shared.entry(team.as_str()).or_default() += amount;
                    Share {
                        team: team.clone(),
                        fraction,
                        amount,
                    }
                })
                .collect();
            splits.push(PoolSplit {
                period: period_name.to_string(),
                currency: currency.to_string(),
                pool: pool.name.clone(),
                method: pool.split.method().to_string(),
                applied: applied.to_string(),
                cost,
                shares,
            });
        }
        for team in rules.teams() {
            let direct = period.direct.get(team).copied().unwrap_or(0.0);
            let shared = shared.get(team.as_str()).copied().unwrap_or(0.0);
            rows.push(TeamCost {
                period: period_name.to_string(),
                cost: TeamTotal::new(currency, team, direct, shared),
            });
        }
        rows.push(TeamCost {
            period: period_name.to_string(),
            cost: TeamTotal::new(currency, UNALLOCATED, period.unallocated, 0.0),
        });
    }
    (rows, splits)
}

/// Each weight's fraction of their sum (weights are non-negative, their sum positive).
fn fractions(weights: &[f64]) -> Vec<f64> {
    let total: f64 = weights.iter().sum();
    weights.iter().map(|w| w / total).collect()
}

/// `amount` divided in proportion to `weights`; the part of the largest weight is what
/// the others leave, so the parts sum back to `amount`.
pub fn divide(amount: f64, weights: &[f64]) -> Vec<f64> {
    let total: f64 = weights.iter().sum();
    let largest = weights
        .iter()
        .enumerate()
        .fold(0, |best, (i, w)| if *w > weights[best] { i } else { best });
    let mut parts: Vec<f64> = weights.iter().map(|w| amount * (w / total)).collect();
    if let Some(slot) = parts.get_mut(largest) {
        *slot = 0.0;
    }
    let others: f64 = parts.iter().sum();
    if let Some(slot) = parts.get_mut(largest) {
        *slot = amount - others;
    }
    parts
}

/// `values` rounded to whole cents so that they add up to `total` rounded to the cent
/// (largest remainder: every value is floored, then the cents still missing go to the
/// values with the largest fractions of a cent).
pub fn round_to_cents(values: &[f64], total: f64) -> Vec<i64> {
    let target = (total * 100.0).round() as i64;
    let mut cents: Vec<i64> = values.iter().map(|v| (v * 100.0).floor() as i64).collect();
    let mut order: Vec<usize> = (0..values.len()).collect();
    let remainder = |i: usize| values[i] * 100.0 - (values[i] * 100.0).floor();
    order.sort_by(|&a, &b| remainder(b).total_cmp(&remainder(a)).then(a.cmp(&b)));
    let missing = target - cents.iter().sum::<i64>();
    if missing > 0 {
        for &i in order.iter().cycle().take(missing as usize) {
            cents[i] += 1;
        }
    } else if missing < 0 {
        for &i in order
            .iter()
            .rev()
            .cycle()
            .take(missing.unsigned_abs() as usize)
        {
            cents[i] -= 1;
        }
    }
    cents
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn division_gives_the_remainder_to_the_largest_part() {
        let parts = divide(100.0, &[1.0, 1.0, 1.0]);
        assert_eq!(parts.iter().sum::<f64>(), 100.0);
        let parts = divide(-0.1, &[0.2, 0.7, 0.1]);
        assert_eq!(parts[0] + parts[2] + parts[1], -0.1);
        assert!(parts[1] < parts[0]);
    }

    #[test]
    fn cents_add_up_to_the_rounded_total() {
        let values = [0.333, 0.333, 0.334];
        assert_eq!(round_to_cents(&values, 1.0), vec![33, 33, 34]);
        let values = [10.005, 10.005, -5.004];
        let cents = round_to_cents(&values, values.iter().sum());
        assert_eq!(cents.iter().sum::<i64>(), 1501);
        assert_eq!(round_to_cents(&[], 0.0), Vec::<i64>::new());
    }
}
