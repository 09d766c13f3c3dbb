//! Efficiency KPIs per account, team and ISO week, and the weekly efficiency score.
//!
//! The KPIs follow the Cloud Intelligence Dashboards' KPI dashboard: each is a cost share
//! (cost of the efficient or wasteful part over the eligible cost), shown with the eligible
//! spend behind it and the potential saving of reaching its goal. Definitions, eligibility
//! and formulas: `docs/score.md`. Everything comes from one aggregate scan of
//! `cur_amortized` (grouped by usage type, classified here) plus one resource-level scan
//! for unattached volumes and idle NAT gateways.

pub mod classify;
mod kpis;
pub mod prices;
pub mod score;

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

pub use kpis::{IdleResource, KpiOptions, KpiReport, KpiRow, Utilisation, kpis};
pub use score::{Action, ComponentScore, ScoreConfig, ScoreOptions, ScoreReport, TeamScore, score};

use crate::{Error, Result};

/// The team of lines no rule or tag names.
pub const NO_TEAM: &str = "(no team)";

/// One efficiency KPI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kpi {
    /// Graviton cost over Graviton-eligible compute cost.
    Graviton,
    /// Current-generation instance cost over instance cost.
    CurrentGeneration,
    /// Spot cost over on-demand + Spot EC2 instance cost.
    Spot,
    /// Savings Plan / RI covered on-demand-equivalent cost over eligible compute.
    CommitmentCoverage,
    /// Used over total Savings Plan and RI commitment.
    CommitmentUtilisation,
    /// gp3 cost over gp2 + gp3 cost.
    Gp3,
    /// Cost of snapshots older than a year over snapshot cost (lower is better).
    OldSnapshots,
    /// S3 Standard storage cost over S3 storage cost (lower is better).
    S3Standard,
    /// Idle resource cost over volume, public IPv4 and NAT gateway cost (lower is better).
    Idle,
}

impl Kpi {
    /// Every KPI, in report order.
    pub const ALL: [Kpi; 9] = [
        Kpi::Graviton,
        Kpi::CurrentGeneration,
        Kpi::Spot,
        Kpi::CommitmentCoverage,
        Kpi::CommitmentUtilisation,
        Kpi::Gp3,
        Kpi::OldSnapshots,
        Kpi::S3Standard,
        Kpi::Idle,
    ];

    /// The name used in files, flags and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Kpi::Graviton => "graviton",
            Kpi::CurrentGeneration => "current-generation",
            Kpi::Spot => "spot",
            Kpi::CommitmentCoverage => "commitment-coverage",
            Kpi::CommitmentUtilisation => "commitment-utilisation",
            Kpi::Gp3 => "gp3",
            Kpi::OldSnapshots => "old-snapshots",
            Kpi::S3Standard => "s3-standard",
            Kpi::Idle => "idle",
        }
    }

    /// True when a higher value is better.
    pub fn higher_is_better(self) -> bool {
        !matches!(self, Kpi::OldSnapshots | Kpi::S3Standard | Kpi::Idle)
    }

    /// The documented default goal: the value to reach (higher-is-better KPIs) or stay
    /// under (lower-is-better). A score configuration may set others.
    pub fn default_goal(self) -> f64 {
        match self {
            Kpi::Graviton => 0.60,
            Kpi::CurrentGeneration => 0.95,
            Kpi::Spot => 0.10,
            Kpi::CommitmentCoverage => 0.70,
            Kpi::CommitmentUtilisation => 0.95,
            Kpi::Gp3 => 0.90,
            Kpi::OldSnapshots => 0.10,
            Kpi::S3Standard => 0.60,
            Kpi::Idle => 0.02,
        }
    }

    /// The action that raises this KPI.
    pub fn action(self) -> &'static str {
        match self {
            Kpi::Graviton => "move x86 instances, databases and functions to Graviton",
            Kpi::CurrentGeneration => "upgrade previous-generation instances (m4, t2 …)",
            Kpi::Spot => "run fault-tolerant EC2 workloads on Spot",
            Kpi::CommitmentCoverage => "cover steady compute with a Savings Plan",
            Kpi::CommitmentUtilisation => "use or resize under-used commitments",
            Kpi::Gp3 => "migrate gp2 volumes to gp3",
            Kpi::OldSnapshots => "delete or archive snapshots older than a year",
            Kpi::S3Standard => "move cold S3 data to Intelligent-Tiering or IA",
            Kpi::Idle => "delete unattached volumes, idle IPs and idle NAT gateways",
        }
    }
}

impl fmt::Display for Kpi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Kpi {
    type Err = Error;
    fn from_str(text: &str) -> Result<Self> {
        Kpi::ALL
            .into_iter()
            .find(|k| k.name() == text)
            .ok_or_else(|| Error::InvalidArgument(format!("unknown KPI `{text}`")))
    }
}

/// An ISO week by its Monday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Week(pub NaiveDate);

impl Week {
    /// The week holding `day`.
    pub fn containing(day: NaiveDate) -> Week {
        let back = day.weekday().num_days_from_monday() as i64;
        Week(day - Duration::days(back))
    }

    /// Its Monday.
    pub fn start(self) -> NaiveDate {
        self.0
    }

    /// The Monday after.
    pub fn end(self) -> NaiveDate {
        self.0 + Duration::days(7)
    }

    /// The week before.
    pub fn previous(self) -> Week {
        Week(self.0 - Duration::days(7))
    }

    /// `2026-W43`.
    pub fn label(self) -> String {
        self.0.format("%G-W%V").to_string()
    }
}

impl fmt::Display for Week {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

impl FromStr for Week {
    type Err = Error;

    /// `2026-W43` (ISO week) or a day `2026-10-21` (the week holding it).
    fn from_str(text: &str) -> Result<Self> {
        let text = text.trim();
        let bad = || {
            Error::InvalidArgument(format!(
                "invalid week `{text}`: use YYYY-Www (2026-W43) or a day YYYY-MM-DD"
            ))
        };
        if let Some((year, week)) = text.split_once("-W").or_else(|| text.split_once("-w")) {
            let year: i32 = year.parse().map_err(|_| bad())?;
            let week: u32 = week.parse().map_err(|_| bad())?;
            return NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)
                .map(Week)
                .ok_or_else(bad);
        }
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Week::containing)
            .map_err(|_| bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_parse_from_iso_labels_and_days() {
        let week: Week = "2026-W43".parse().expect("week");
        assert_eq!(week.start().to_string(), "2026-10-19");
        assert_eq!(week.label(), "2026-W43");
        let day: Week = "2026-10-25".parse().expect("day");
        assert_eq!(day, week);
        assert!("2026-W60".parse::<Week>().is_err());
        assert!("last week".parse::<Week>().is_err());
    }
}
