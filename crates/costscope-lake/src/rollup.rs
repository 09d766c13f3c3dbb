//! The rollups of `cur` (`cur_daily`, `cur_monthly`, described in
//! `costscope_core::rollup`), computed while a billing period is ingested and published
//! in the same manifest swap as the period itself, so a reader never sees one without the
//! other.
//!
//! Each line's group key is interned into a few integers; groups are kept in order of
//! first appearance (so the same input always gives the same files, and re-ingesting the
//! same data changes nothing). When the period ends, the tag keys to keep are chosen,
//! the daily groups are merged over the dropped keys, and the monthly groups are summed
//! from the daily ones.

mod intern;
mod measures;
mod output;
mod writer;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use arrow::array::{Array, AsArray, MapArray, RecordBatch, StringArray, TimestampMillisecondArray};
use chrono::{Datelike, NaiveDate};
use costscope_core::cur;
use costscope_core::rollup::{self as spec, DAILY, MONTHLY, Rollup};
use foldhash::fast::FixedState;

use intern::{Maps, Strings};
use measures::{LineMeasures, MeasureInputs};

pub use writer::{RollupPartitions, RollupWriter, remove_files_of};

/// Which tag keys the rollups keep in `resource_tags`.
#[derive(Debug, Clone, PartialEq)]
pub enum TagKeys {
    /// The keys on lines carrying at least this share of the period's absolute
    /// unblended cost.
    CostShare(f64),
    /// These keys (CUR 2.0 form, `user_team`).
    Keys(Vec<String>),
}

impl Default for TagKeys {
    fn default() -> Self {
        TagKeys::CostShare(spec::DEFAULT_TAG_COST_SHARE)
    }
}

const TEXT: usize = spec::TEXT_COLUMNS.len();
/// Where each map's id sits in a key, after the text columns.
const PRODUCT: usize = TEXT;
const CATEGORIES: usize = TEXT + 1;
const TAGS: usize = TEXT + 2;
const RESOURCE: usize = resource_index();

const fn resource_index() -> usize {
    let mut i = 0;
    while i < TEXT {
        if const_eq(spec::TEXT_COLUMNS[i], spec::RESOURCE_COLUMN) {
            return i;
        }
        i += 1;
    }
    panic!("the resource column is a rollup text column")
}

const fn const_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// One group: its day (days since 1970-01-01, `None` for a NULL usage start) and the
/// ids of its text columns and maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    day: Option<i32>,
    /// [`spec::USAGE_SPAN`]: `None` when a date is missing.
    span: Option<i64>,
    ids: [u32; TEXT + 3],
}

/// The sums of one group.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    values: [f64; spec::SUM_COUNT],
    /// Bit `i` set: value `i` was present on some line (else its sum is NULL, as SQL's).
    present: u16,
    lines: i64,
}

impl Sums {
    fn add_line(&mut self, line: &LineMeasures) {
        for (i, value) in line.iter().enumerate() {
            if let Some(value) = value {
                self.values[i] += value;
                self.present |= 1 << i;
            }
        }
        self.lines += 1;
    }

    fn merge(&mut self, other: &Sums) {
        for i in 0..self.values.len() {
            if other.present & (1 << i) != 0 {
                self.values[i] += other.values[i];
            }
        }
        self.present |= other.present;
        self.lines += other.lines;
    }
}

/// Groups in order of first appearance.
#[derive(Default)]
struct Groups {
    index: HashMap<Key, u32, FixedState>,
    groups: Vec<(Key, Sums)>,
}

impl Groups {
    fn slot(&mut self, key: Key) -> &mut Sums {
        let next = self.groups.len() as u32;
        let at = *self.index.entry(key).or_insert(next);
        if at == next {
            self.groups.push((key, Sums::default()));
        }
        &mut self.groups[at as usize].1
    }
}

/// The rollup rows of one billing period, as it is read.
pub struct RollupBuilder {
    strings: Strings,
    products: Maps,
    categories: Maps,
    tags: Maps,
    /// Absolute unblended cost per tag map id, for the keys' cost shares.
    tag_cost: Vec<f64>,
    total_cost: f64,
    daily: Groups,
    last: [u32; TEXT],
}

impl Default for RollupBuilder {
    fn default() -> Self {
        Self::new()
    }
}

/// One period's rollups: the rows of each table, and the tag keys they keep.
pub struct RollupRows {
    pub daily: Vec<RecordBatch>,
    pub monthly: Vec<RecordBatch>,
    pub tag_keys: Vec<String>,
}

const MS_PER_DAY: i64 = 86_400_000;

impl RollupBuilder {
    pub fn new() -> Self {
        RollupBuilder {
            strings: Strings::new(),
            products: Maps::new(),
            categories: Maps::new(),
            tags: Maps::new(),
            tag_cost: Vec::new(),
            total_cost: 0.0,
            daily: Groups::default(),
            last: [intern::NULL; TEXT],
        }
    }

    /// Adds the lines of `batch` (schema `cur::schema()`).
    pub fn add(&mut self, batch: &RecordBatch) {
        let column = |name: &str| {
            batch
                .column_by_name(name)
                .unwrap_or_else(|| panic!("{name} is a column of the CUR schema"))
        };
        let text: Vec<&StringArray> = spec::TEXT_COLUMNS
            .iter()
            .map(|name| column(name).as_string())
            .collect();
        let start: &TimestampMillisecondArray = column(spec::PERIOD_COLUMN).as_primitive();
        let end: &TimestampMillisecondArray = column("line_item_usage_end_date").as_primitive();
        let map = |name: &str| -> &MapArray { column(name).as_map() };
        let (product, categories, tags) = (
            map(spec::PRODUCT),
            map(spec::COST_CATEGORY),
            map(spec::TAGS),
        );
        let inputs = MeasureInputs::new(batch);
        for row in 0..batch.num_rows() {
            let mut ids = [intern::NULL; TEXT + 3];
            for (c, array) in text.iter().enumerate() {
                ids[c] = self.strings.id_at(array, row, &mut self.last[c]);
            }
            ids[PRODUCT] = self.products.id_at(&mut self.strings, product, row, |k| {
                spec::PRODUCT_KEYS.contains(&k)
            });
            ids[CATEGORIES] = self
                .categories
                .id_at(&mut self.strings, categories, row, |_| true);
            ids[TAGS] = self.tags.id_at(&mut self.strings, tags, row, |_| true);
            let begins = start.is_valid(row).then(|| start.value(row));
            let ends = end.is_valid(row).then(|| end.value(row));
            let day = begins.map(|ms| ms.div_euclid(MS_PER_DAY) as i32);
            let span = begins.zip(ends).map(|(b, e)| e - b);
            let cost = inputs.unblended(row).abs();
            let tag_map = ids[TAGS] as usize;
            if self.tag_cost.len() <= tag_map {
                self.tag_cost.resize(tag_map + 1, 0.0);
            }
            self.tag_cost[tag_map] += cost;
            self.total_cost += cost;
            self.daily
                .slot(Key { day, span, ids })
                .add_line(&inputs.row(row));
        }
    }

    /// The period's rollup rows, keeping the tag keys `keys` selects.
    pub fn finish(self, keys: &TagKeys) -> arrow::error::Result<RollupRows> {
        let RollupBuilder {
            mut strings,
            products,
            categories,
            mut tags,
            tag_cost,
            total_cost,
            daily,
            ..
        } = self;
        let kept = kept_tag_keys(&strings, &tags, &tag_cost, total_cost, keys);
        let kept_ids: BTreeSet<u32> = kept.iter().map(|k| strings.id(k)).collect();
        // Each tag map with only the kept keys.
        let projected: Vec<u32> = (0..tags.len() as u32)
            .map(|id| {
                if id == intern::NULL {
                    return intern::NULL;
                }
                let entries: Vec<(u32, u32)> = tags
                    .get(id)
                    .iter()
                    .filter(|(key, _)| kept_ids.contains(key))
                    .copied()
                    .collect();
                tags.id(&entries)
            })
            .collect();
        let mut days = Groups::default();
        for (mut key, sums) in daily.groups {
            key.ids[TAGS] = projected[key.ids[TAGS] as usize];
            days.slot(key).merge(&sums);
        }
        let mut months = Groups::default();
        let mut month_of: BTreeMap<i32, i32> = BTreeMap::new();
        for (key, sums) in &days.groups {
            let mut month = *key;
            month.ids[RESOURCE] = intern::NULL;
            month.day = key
                .day
                .map(|day| *month_of.entry(day).or_insert_with(|| month_start(day)));
            months.slot(month).merge(sums);
        }
        let maps = output::MapsOf {
            strings: &strings,
            product: &products,
            categories: &categories,
            tags: &tags,
        };
        Ok(RollupRows {
            daily: output::batches(DAILY, sorted(days.groups, &strings), &maps)?,
            monthly: output::batches(MONTHLY, sorted(months.groups, &strings), &maps)?,
            tag_keys: kept,
        })
    }
}

/// The first day of the month of `day` (both in days since 1970-01-01).
fn month_start(day: i32) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let date = epoch + chrono::Duration::days(i64::from(day));
    let first = date.with_day(1).unwrap_or(date);
    (first - epoch).num_days() as i32
}

/// Groups by day, usage account and product code, as the lake sorts `cur`; the other
/// ids decide ties, so the order depends on the input only.
fn sorted(mut groups: Vec<(Key, Sums)>, strings: &Strings) -> Vec<(Key, Sums)> {
    let account = spec::TEXT_COLUMNS
        .iter()
        .position(|c| *c == "line_item_usage_account_id")
        .unwrap_or(0);
    let service = spec::TEXT_COLUMNS
        .iter()
        .position(|c| *c == "line_item_product_code")
        .unwrap_or(0);
    groups.sort_by(|(a, _), (b, _)| {
        a.day
            .cmp(&b.day)
            .then_with(|| {
                strings
                    .get(a.ids[account])
                    .cmp(&strings.get(b.ids[account]))
            })
            .then_with(|| {
                strings
                    .get(a.ids[service])
                    .cmp(&strings.get(b.ids[service]))
            })
            .then_with(|| (a.ids, a.span).cmp(&(b.ids, b.span)))
    });
    groups
}

/// The tag keys the rollups keep, sorted.
fn kept_tag_keys(
    strings: &Strings,
    tags: &Maps,
    tag_cost: &[f64],
    total_cost: f64,
    keys: &TagKeys,
) -> Vec<String> {
    let share = match keys {
        TagKeys::Keys(keys) => {
            let mut keys = keys.clone();
            keys.sort();
            keys.dedup();
            return keys;
        }
        TagKeys::CostShare(share) => *share,
    };
    let mut key_cost: BTreeMap<u32, f64> = BTreeMap::new();
    for (id, cost) in tag_cost.iter().enumerate() {
        for (key, _) in tags.get(id as u32) {
            *key_cost.entry(*key).or_default() += cost;
        }
    }
    let mut kept: Vec<String> = key_cost
        .into_iter()
        .filter(|(_, cost)| total_cost <= 0.0 || *cost >= share * total_cost)
        .filter_map(|(key, _)| strings.get(key).map(str::to_string))
        .chain(spec::ANALYSIS_TAG_KEYS.map(String::from))
        .collect();
    kept.sort();
    kept.dedup();
    kept
}

/// The rollup `table`'s layout as the lake writes it.
pub fn layout(rollup: Rollup) -> crate::writer::TableLayout {
    crate::writer::TableLayout {
        table: rollup.table,
        partition_key: cur::BILLING_PERIOD,
        schema: rollup.schema(),
        append_partition_column: true,
        sort_by: &[
            spec::PERIOD_COLUMN,
            "line_item_usage_account_id",
            "line_item_product_code",
        ],
        plain_columns: &[],
        no_statistics: &[],
        delta_columns: &[],
    }
}
