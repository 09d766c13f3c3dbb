//! The YAML form of a rules file, as serde reads it. Every value that validation may
//! reject is [`Spanned`], so its error names the file, line and column.

use std::fmt;
use std::marker::PhantomData;

use marked_yaml::Span;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::rules_file::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RulesFile {
    #[serde(default)]
    pub description: Option<String>,
    pub teams: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    pub rules: Vec<Spanned<RuleFile>>,
    #[serde(default)]
    pub shared: Entries<Spanned<String>, Spanned<PoolFile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RuleFile {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub team: Option<Spanned<String>>,
    #[serde(default)]
    pub shared: Option<Spanned<String>>,
    #[serde(default)]
    pub priority: Option<i64>,
    #[serde(default)]
    pub account_id: Option<Spanned<Values>>,
    #[serde(default)]
    pub account_name: Option<Spanned<Values>>,
    #[serde(default)]
    pub service: Option<Spanned<Values>>,
    #[serde(default)]
    pub line_item_type: Option<Spanned<Values>>,
    #[serde(default)]
    pub usage_type: Option<Spanned<Values>>,
    #[serde(default)]
    pub operation: Option<Spanned<Values>>,
    #[serde(default)]
    pub region: Option<Spanned<Values>>,
    #[serde(default)]
    pub resource_id: Option<Spanned<Values>>,
    #[serde(default)]
    pub tag: Option<Spanned<Entries<Spanned<String>, Spanned<Values>>>>,
    #[serde(default)]
    pub cost_category: Option<Spanned<Entries<Spanned<String>, Spanned<Values>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PoolFile {
    #[serde(default)]
    pub description: Option<String>,
    pub split: Spanned<SplitFile>,
    #[serde(default)]
    pub to: Option<Spanned<Vec<Spanned<String>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum SplitFile {
    Even,
    Proportional,
    Fixed(Entries<Spanned<String>, Spanned<f64>>),
}

/// One value or a list of values; a lone value carries no span of its own (the
/// enclosing [`Spanned`] has it).
#[derive(Debug)]
pub(super) struct Values(pub Vec<Spanned<String>>);

impl<'de> Deserialize<'de> for Values {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ValuesVisitor;
        impl<'de> Visitor<'de> for ValuesVisitor {
            type Value = Values;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value or a list of values")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Values, E> {
                Ok(Values(vec![Spanned::new(
                    Span::new_blank(),
                    value.to_string(),
                )]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Values, A::Error> {
                let mut values = Vec::new();
                while let Some(value) = seq.next_element::<Spanned<String>>()? {
                    values.push(value);
                }
                Ok(Values(values))
            }
        }
        deserializer.deserialize_any(ValuesVisitor)
    }
}

/// A YAML mapping read in file order, keys and all (a `BTreeMap` would lose the order
/// and a `HashMap` cannot hold span-carrying keys in order).
#[derive(Debug)]
pub(super) struct Entries<K, V>(pub Vec<(K, V)>);

impl<K, V> Default for Entries<K, V> {
    fn default() -> Self {
        Entries(Vec::new())
    }
}

impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Deserialize<'de> for Entries<K, V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor<K, V>(PhantomData<(K, V)>);
        impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Visitor<'de> for EntriesVisitor<K, V> {
            type Value = Entries<K, V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<K, V>()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor(PhantomData))
    }
}
