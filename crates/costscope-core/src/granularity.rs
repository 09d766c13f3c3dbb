//! The length of the periods an analysis reports: hours, days, ISO weeks or months.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::choices;
use crate::{Error, Result};

/// The length of each period.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    Hourly,
    Daily,
    /// ISO weeks, starting on Monday.
    Weekly,
    #[default]
    Monthly,
}

impl Granularity {
    /// Every granularity, shortest first.
    pub const ALL: [Granularity; 4] = [
        Granularity::Hourly,
        Granularity::Daily,
        Granularity::Weekly,
        Granularity::Monthly,
    ];

    /// Days, weeks and months: what analyses over daily series accept.
    pub const CALENDAR: [Granularity; 3] = [
        Granularity::Daily,
        Granularity::Weekly,
        Granularity::Monthly,
    ];

    /// `hourly`, `daily`, `weekly` or `monthly`.
    pub fn name(self) -> &'static str {
        match self {
            Granularity::Hourly => "hourly",
            Granularity::Daily => "daily",
            Granularity::Weekly => "weekly",
            Granularity::Monthly => "monthly",
        }
    }

    /// The `date_trunc` unit.
    pub fn trunc_unit(self) -> &'static str {
        match self {
            Granularity::Hourly => "hour",
            Granularity::Daily => "day",
            Granularity::Weekly => "week",
            Granularity::Monthly => "month",
        }
    }

    /// Whether every period of `other` is a whole number of periods of this one, so
    /// sums per `self` add up to sums per `other` (days make weeks and months; weeks do
    /// not make months).
    pub fn divides(self, other: Granularity) -> bool {
        self == other
            || self == Granularity::Hourly
            || (self == Granularity::Daily && other != Granularity::Hourly)
    }

    /// The label of the period starting on `start`: `2026-10-05` for a day (or an
    /// hour's day), `2026-W41` for an ISO week, `2026-10` for a month.
    pub fn label(self, start: NaiveDate) -> String {
        match self {
            Granularity::Hourly | Granularity::Daily => start.format("%Y-%m-%d").to_string(),
            Granularity::Weekly => start.format("%G-W%V").to_string(),
            Granularity::Monthly => start.format("%Y-%m").to_string(),
        }
    }

    /// This granularity if `analysis` accepts it (one of `allowed`), else an error
    /// naming the ones it does.
    pub fn supported_by(self, analysis: &'static str, allowed: &[Granularity]) -> Result<Self> {
        if allowed.contains(&self) {
            Ok(self)
        } else {
            Err(Error::Unsupported {
                what: "granularity",
                value: self.name().to_string(),
                analysis,
                expected: choices(allowed),
            })
        }
    }
}

impl fmt::Display for Granularity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Granularity {
    type Err = Error;

    /// Accepts `hourly`, `daily`, `weekly`, `monthly` or the unit (`day`, `week` …), in
    /// any case.
    fn from_str(text: &str) -> Result<Self> {
        let wanted = text.trim().to_ascii_lowercase();
        Granularity::ALL
            .into_iter()
            .find(|g| g.name() == wanted || g.trunc_unit() == wanted)
            .ok_or_else(|| Error::UnknownValue {
                what: "granularity",
                value: text.to_string(),
                expected: choices(&Granularity::ALL),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_units_parse() {
        for g in Granularity::ALL {
            assert_eq!(g.name().parse::<Granularity>().ok(), Some(g));
            assert_eq!(g.trunc_unit().parse::<Granularity>().ok(), Some(g));
        }
        assert_eq!(
            "Weekly".parse::<Granularity>().ok(),
            Some(Granularity::Weekly)
        );
        let error = "fortnightly".parse::<Granularity>().expect_err("unknown");
        assert_eq!(
            error.to_string(),
            "unknown granularity `fortnightly`: use hourly, daily, weekly or monthly"
        );
        assert!(
            Granularity::Hourly
                .supported_by("tag coverage", &Granularity::CALENDAR)
                .is_err()
        );
    }

    #[test]
    fn labels_name_the_period() {
        let day = NaiveDate::from_ymd_opt(2026, 10, 5).expect("date");
        assert_eq!(Granularity::Daily.label(day), "2026-10-05");
        assert_eq!(Granularity::Weekly.label(day), "2026-W41");
        assert_eq!(Granularity::Monthly.label(day), "2026-10");
    }
}
