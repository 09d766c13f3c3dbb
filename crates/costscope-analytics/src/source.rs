//! Which table an aggregate over cost lines reads: the coarsest rollup of `cur` the
//! session has (`cur_monthly`, then `cur_daily`) that holds every column, tag key and
//! product key the query names, at periods that add up to the ones it reports; else
//! `cur_amortized` itself. The rollups carry the measure columns of `cur_amortized` under
//! the same names, so the query text is the same whichever table answers.
//!
//! A session may lack a rollup: it was never written (a lake ingested before rollups
//! existed, or whose rollup is stale), or the principal's row filters name a column the
//! rollup does not have. The query then reads `cur_amortized`, with the same result.

use std::collections::BTreeSet;

use costscope_core::rollup::{self, PRODUCT_KEYS, ROLLUPS, Rollup};
use costscope_core::team::{Field, OwnerRules};
use costscope_core::{Granularity, TeamExpr, tables};
use costscope_query::Session;

/// What an aggregate reads from cost lines, besides the measure columns.
#[derive(Debug, Clone)]
pub struct Reads {
    /// The periods it tells apart: a rollup answers when its own periods add up to them.
    granularity: Granularity,
    columns: BTreeSet<String>,
    tags: BTreeSet<String>,
    products: BTreeSet<String>,
    /// It reads something no rollup has (a column of the raw lines, every tag key).
    raw: bool,
}

impl Reads {
    /// An aggregate by periods of `granularity` (or over whole months for `Monthly`).
    pub fn at(granularity: Granularity) -> Reads {
        Reads {
            granularity,
            columns: BTreeSet::new(),
            tags: BTreeSet::new(),
            products: BTreeSet::new(),
            raw: false,
        }
    }

    /// It names these `cur` columns.
    pub fn columns<'a>(mut self, names: impl IntoIterator<Item = &'a str>) -> Reads {
        self.columns.extend(names.into_iter().map(str::to_string));
        self
    }

    /// It reads the tag `key` (CUR 2.0 form, `user_team`).
    pub fn tag(mut self, key: &str) -> Reads {
        self.tags.insert(key.to_string());
        self
    }

    /// It reads `product[key]`.
    pub fn product(mut self, key: &str) -> Reads {
        self.products.insert(key.to_string());
        self
    }

    /// It reads what decides the owner of a line.
    pub fn team(self, team: &TeamExpr) -> Reads {
        match team {
            TeamExpr::Tag(key) => self.tag(key),
            TeamExpr::CostCategory(_) => self.columns([rollup::COST_CATEGORY]),
            TeamExpr::Rules(rules) => self.rules(rules),
        }
    }

    /// It reads the fields allocation rules test.
    pub fn rules(self, rules: &OwnerRules) -> Reads {
        rules
            .rules
            .iter()
            .flat_map(|rule| &rule.conditions)
            .fold(self, |reads, condition| reads.field(&condition.field))
    }

    /// It reads one field of allocation rules.
    pub fn field(self, field: &Field) -> Reads {
        match field {
            Field::Tag(key) => self.tag(key),
            Field::CostCategory(_) => self.columns([rollup::COST_CATEGORY]),
            other => {
                let column = other.column_sql();
                self.columns([column.as_str()])
            }
        }
    }

    /// It reads what no rollup has: it always runs over the raw lines.
    pub fn raw(mut self) -> Reads {
        self.raw = true;
        self
    }

    /// Whether `rollup`, as `session` has it, answers.
    fn answered_by(&self, rollup: Rollup, session: &Session) -> bool {
        if self.raw
            || !session.has_table(rollup.table)
            || !rollup.granularity.divides(self.granularity)
        {
            return false;
        }
        let kept_tags = session.tag_keys(rollup.table);
        self.columns.iter().all(|c| rollup.has_column(c))
            && self
                .products
                .iter()
                .all(|k| PRODUCT_KEYS.contains(&k.as_str()))
            && self
                .tags
                .iter()
                .all(|k| kept_tags.is_some_and(|kept| kept.contains(k)))
    }
}

/// The table a query reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    table: &'static str,
    rollup: bool,
}

impl Source {
    /// The coarsest rollup of `session` that answers `reads`, else `cur_amortized`.
    pub fn choose(session: &Session, reads: &Reads) -> Source {
        match ROLLUPS.into_iter().find(|r| reads.answered_by(*r, session)) {
            Some(rollup) => Source {
                table: rollup.table,
                rollup: true,
            },
            None => Source::lines(),
        }
    }

    /// `cur_amortized`: every line.
    pub fn lines() -> Source {
        Source {
            table: tables::CUR_AMORTIZED,
            rollup: false,
        }
    }

    /// The table's name, for `FROM`.
    pub fn table(self) -> &'static str {
        self.table
    }

    /// Whether it is a rollup.
    pub fn is_rollup(self) -> bool {
        self.rollup
    }

    /// The SQL of a line's usage span in milliseconds (`rollup::USAGE_SPAN`).
    pub fn usage_span(self) -> &'static str {
        if self.rollup {
            rollup::USAGE_SPAN
        } else {
            rollup::USAGE_SPAN_SQL
        }
    }

    /// The SQL counting the `cur` lines of a group.
    pub fn line_count(self) -> &'static str {
        if self.rollup {
            "sum(line_count)"
        } else {
            "count(*)"
        }
    }
}
