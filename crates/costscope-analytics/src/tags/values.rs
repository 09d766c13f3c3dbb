//! Tag values that are probably meant to be the same: equal once case, surrounding
//! spaces, `-`, `_` and inner spaces are ignored (`Sales`, `sales`, ` sales `), and
//! optionally one typo apart (`platfrom` / `platform`).
//!
//! The values arrive already aggregated by SQL (one row per key and value); grouping the
//! few distinct values is done here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Cost and resources of one value of one key (a row of the values queries).
#[derive(Debug, Clone, Deserialize)]
pub struct ValueCount {
    pub key: String,
    pub value: String,
    pub cost: f64,
    pub resources: i64,
}

/// One spelling of a value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueVariant {
    pub value: String,
    /// Taggable cost of line items with this value.
    pub cost: f64,
    /// Resources with this value.
    pub resources: i64,
}

/// Values of one key that differ only in case, separators or a typo.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueGroup {
    /// The tag key as users write it (`department`).
    pub key: String,
    /// The normalised form the variants share (of the costliest one, for typos).
    pub normalized: String,
    /// The variant to keep: the one with the most cost.
    pub suggested: String,
    /// Cost of all variants.
    pub cost: f64,
    /// Variants, most cost first.
    pub variants: Vec<ValueVariant>,
}

/// Fuzzy matching compares every pair of a key's values; keys with more distinct values
/// than this (resource names, ids) are matched exactly only.
const FUZZY_VALUE_LIMIT: usize = 5_000;

/// Shorter values are too often legitimately one character apart (`dev` / `den`).
const FUZZY_MIN_CHARS: usize = 5;

/// `Sales-Team ` → `salesteam`.
pub fn normalize(value: &str) -> String {
    value
        .trim()
        .chars()
        .filter(|c| !matches!(c, '-' | '_') && !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Groups of two or more variants, by key (in first-seen order) and cost.
pub fn inconsistent(counts: Vec<ValueCount>, fuzzy: bool) -> Vec<ValueGroup> {
    let mut key_order: Vec<String> = Vec::new();
    let mut by_key: BTreeMap<String, Vec<ValueCount>> = BTreeMap::new();
    for count in counts {
        if !by_key.contains_key(&count.key) {
            key_order.push(count.key.clone());
        }
        by_key.entry(count.key.clone()).or_default().push(count);
    }
    let mut groups = Vec::new();
    for key in key_order {
        let counts = by_key.remove(&key).unwrap_or_default();
        let mut key_groups = groups_of_key(&key, counts, fuzzy);
        key_groups.sort_by(|a, b| {
            b.cost
                .total_cmp(&a.cost)
                .then(a.suggested.cmp(&b.suggested))
        });
        groups.extend(key_groups);
    }
    groups
}

fn groups_of_key(key: &str, counts: Vec<ValueCount>, fuzzy: bool) -> Vec<ValueGroup> {
    // Exact normalised forms first.
    let mut by_form: BTreeMap<String, Vec<ValueVariant>> = BTreeMap::new();
    for count in counts {
        let form = normalize(&count.value);
        if form.is_empty() {
            continue;
        }
        by_form.entry(form).or_default().push(ValueVariant {
            value: count.value,
            cost: count.cost,
            resources: count.resources,
        });
    }
    let forms: Vec<String> = by_form.keys().cloned().collect();
    let mut sets = DisjointSets::new(forms.len());
    if fuzzy && forms.len() <= FUZZY_VALUE_LIMIT {
        let chars: Vec<Vec<char>> = forms.iter().map(|f| f.chars().collect()).collect();
        for i in 0..forms.len() {
            for j in i + 1..forms.len() {
                if chars[i].len().min(chars[j].len()) >= FUZZY_MIN_CHARS
                    && one_typo_apart(&chars[i], &chars[j])
                {
                    sets.join(i, j);
                }
            }
        }
    }
    let mut merged: BTreeMap<usize, Vec<ValueVariant>> = BTreeMap::new();
    for (i, form) in forms.iter().enumerate() {
        let variants = by_form.remove(form).unwrap_or_default();
        merged.entry(sets.root(i)).or_default().extend(variants);
    }
    merged
        .into_values()
        .filter(|variants| variants.len() > 1)
        .map(|mut variants| {
            variants.sort_by(|a, b| {
                b.cost
                    .total_cmp(&a.cost)
                    .then(b.resources.cmp(&a.resources))
                    .then(a.value.cmp(&b.value))
            });
            let suggested = variants[0].value.clone();
            ValueGroup {
                key: key.to_string(),
                normalized: normalize(&suggested),
                suggested,
                cost: variants.iter().map(|v| v.cost).sum(),
                variants,
            }
        })
        .collect()
}

/// True when `a` and `b` (different) are one substitution, insertion, deletion or
/// swap of neighbours apart, and the characters involved are not digits (`prod1` and
/// `prod2` are different things, not a typo).
fn one_typo_apart(a: &[char], b: &[char]) -> bool {
    let (shorter, longer) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let first = shorter
        .iter()
        .zip(longer)
        .position(|(x, y)| x != y)
        .unwrap_or(shorter.len());
    match longer.len() - shorter.len() {
        0 if first == shorter.len() => false,
        0 => {
            let (x, y) = (shorter[first], longer[first]);
            if x.is_ascii_digit() || y.is_ascii_digit() {
                return false;
            }
            let substituted = shorter[first + 1..] == longer[first + 1..];
            let swapped = first + 1 < shorter.len()
                && shorter[first + 1] == y
                && longer[first + 1] == x
                && shorter[first + 2..] == longer[first + 2..];
            substituted || swapped
        }
        1 => !longer[first].is_ascii_digit() && shorter[first..] == longer[first + 1..],
        _ => false,
    }
}

/// Union-find over value indices.
struct DisjointSets {
    parent: Vec<usize>,
}

impl DisjointSets {
    fn new(size: usize) -> Self {
        DisjointSets {
            parent: (0..size).collect(),
        }
    }

    fn root(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    fn join(&mut self, a: usize, b: usize) {
        let (a, b) = (self.root(a), self.root(b));
        if a != b {
            self.parent[a.max(b)] = a.min(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(key: &str, value: &str, cost: f64) -> ValueCount {
        ValueCount {
            key: key.into(),
            value: value.into(),
            cost,
            resources: 1,
        }
    }

    fn typo(a: &str, b: &str) -> bool {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        one_typo_apart(&a, &b) && one_typo_apart(&b, &a)
    }

    #[test]
    fn normalisation_ignores_case_spaces_and_separators() {
        assert_eq!(normalize(" Sales_Team "), "salesteam");
        assert_eq!(normalize("sales-team"), "salesteam");
        assert_eq!(normalize("Sales Team"), "salesteam");
    }

    #[test]
    fn typos_are_one_edit_or_swap_but_not_digits() {
        assert!(typo("platfrom", "platform"));
        assert!(typo("platform", "platfom"));
        assert!(typo("platform", "plathorm"));
        assert!(typo("platform", "platforms"));
        assert!(!typo("platform", "platform"));
        assert!(!typo("platform", "plat"));
        assert!(!typo("prod1", "prod2"));
        assert!(!typo("prod12", "prod21"));
        assert!(!typo("prod1", "prod"));
        assert!(!typo("abcde", "badce"));
    }

    #[test]
    fn case_variants_group_and_the_costliest_is_suggested() {
        let groups = inconsistent(
            vec![
                count("department", "Sales", 100.0),
                count("department", "sales", 5.0),
                count("department", "Dev", 50.0),
                count("team", "platform", 1.0),
                count("team", "platfrom", 2.0),
            ],
            false,
        );
        assert_eq!(groups.len(), 1, "{groups:?}");
        let group = &groups[0];
        assert_eq!(
            (group.key.as_str(), group.suggested.as_str()),
            ("department", "Sales")
        );
        assert_eq!(group.cost, 105.0);
        let values: Vec<&str> = group.variants.iter().map(|v| v.value.as_str()).collect();
        assert_eq!(values, ["Sales", "sales"]);
    }

    proptest::proptest! {
        #[test]
        fn groups_partition_values_that_share_a_form(
            values in proptest::collection::btree_set("[aAbB_ -]{1,4}", 0..12),
            fuzzy in proptest::bool::ANY,
        ) {
            let counts: Vec<ValueCount> =
                values.iter().map(|v| count("k", v, v.len() as f64)).collect();
            let groups = inconsistent(counts, fuzzy);
            let mut seen = std::collections::BTreeSet::new();
            for group in &groups {
                proptest::prop_assert!(group.variants.len() > 1);
                let total: f64 = group.variants.iter().map(|v| v.cost).sum();
                proptest::prop_assert_eq!(group.cost, total);
                proptest::prop_assert_eq!(&group.suggested, &group.variants[0].value);
                for variant in &group.variants {
                    // Values this short are never joined by typos, only by their form.
                    proptest::prop_assert_eq!(normalize(&variant.value), group.normalized.clone());
                    proptest::prop_assert!(seen.insert(variant.value.clone()));
                }
            }
            // Every pair of values with the same non-empty form is in a group.
            for a in &values {
                for b in &values {
                    if a < b && !normalize(a).is_empty() && normalize(a) == normalize(b) {
                        proptest::prop_assert!(seen.contains(a) && seen.contains(b));
                    }
                }
            }
        }

        #[test]
        fn typos_are_symmetric(a in "[abc1]{3,7}", b in "[abc1]{3,7}") {
            proptest::prop_assert_eq!(typo(&a, &b), typo(&b, &a));
            let (x, y): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
            proptest::prop_assert_eq!(one_typo_apart(&x, &y), one_typo_apart(&y, &x));
        }
    }

    #[test]
    fn fuzzy_matching_joins_typos_of_longer_values_only() {
        let groups = inconsistent(
            vec![
                count("team", "platform", 1.0),
                count("team", "platfrom", 2.0),
                count("team", "Plat-form", 0.5),
                count("team", "dev", 1.0),
                count("team", "den", 1.0),
            ],
            true,
        );
        assert_eq!(groups.len(), 1, "{groups:?}");
        assert_eq!(groups[0].suggested, "platfrom");
        assert_eq!(groups[0].variants.len(), 3);
    }
}
