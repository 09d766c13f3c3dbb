//! Changes planted in the last billing period on request: level shifts, one-day bursts and
//! new services of a known size, to measure how forecasts and detectors follow a change.
//! Each is one daily CUR line per day (±5% noise) in the named account, and is labelled like
//! the built-in incidents.
//!
//! On the command line a change is written `KIND:ACCOUNT:SERVICE:DAY:USD_PER_DAY`, e.g.
//! `level-shift:App-Team-Prod:AmazonS3:18:400` (from the 18th on, $400 a day more of S3
//! requests in App-Team-Prod).

use std::fmt;
use std::str::FromStr;

use crate::{Error, Result};

/// The shape of a planted change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlantedKind {
    /// Extra spend from the day on, for good (a fleet scaled out, a request spike that stays).
    LevelShift,
    /// Extra spend on that day only.
    Burst,
    /// A service the account did not use before, from the day on.
    NewService,
}

/// What the planted spend is billed as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlantedService {
    /// On-demand `m6i.xlarge` instance-hours in us-east-1 (`AmazonEC2`).
    Ec2,
    /// S3 PUT-class requests in us-east-1 (`AmazonS3`).
    S3,
    /// Aurora instance-hours in us-east-1 (`AmazonRDS`).
    Rds,
}

/// One change planted in the last billing period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlantedChange {
    pub kind: PlantedKind,
    /// A linked account's name or id, e.g. `App-Team-Prod`.
    pub account: String,
    pub service: PlantedService,
    /// Day of the last billing period (1 = its first day) the change starts on.
    pub day: u32,
    /// Spend added per day, in USD (before the ±5% daily noise).
    pub usd_per_day: u32,
}

impl PlantedKind {
    pub fn name(self) -> &'static str {
        match self {
            PlantedKind::LevelShift => "level-shift",
            PlantedKind::Burst => "burst",
            PlantedKind::NewService => "new-service",
        }
    }

    /// The shape of its incident label (as anomaly detection names them).
    pub fn label_shape(self) -> &'static str {
        match self {
            PlantedKind::LevelShift => "level-shift",
            PlantedKind::Burst => "spike",
            PlantedKind::NewService => "new-service",
        }
    }
}

impl PlantedService {
    /// The CUR product code.
    pub fn product_code(self) -> &'static str {
        match self {
            PlantedService::Ec2 => "AmazonEC2",
            PlantedService::S3 => "AmazonS3",
            PlantedService::Rds => "AmazonRDS",
        }
    }
}

impl fmt::Display for PlantedChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}:{}:{}",
            self.kind.name(),
            self.account,
            self.service.product_code(),
            self.day,
            self.usd_per_day
        )
    }
}

impl FromStr for PlantedChange {
    type Err = Error;

    /// Parses `KIND:ACCOUNT:SERVICE:DAY:USD_PER_DAY`.
    fn from_str(text: &str) -> Result<Self> {
        let invalid = |reason: String| Error::InvalidOption {
            option: "plant",
            reason,
        };
        let parts: Vec<&str> = text.split(':').collect();
        let [kind, account, service, day, usd] = parts[..] else {
            return Err(invalid(format!(
                "`{text}` is not KIND:ACCOUNT:SERVICE:DAY:USD_PER_DAY \
                 (e.g. level-shift:App-Team-Prod:AmazonS3:18:400)"
            )));
        };
        let kind = match kind {
            "level-shift" => PlantedKind::LevelShift,
            "burst" => PlantedKind::Burst,
            "new-service" => PlantedKind::NewService,
            other => {
                return Err(invalid(format!(
                    "unknown kind `{other}` (level-shift, burst or new-service)"
                )));
            }
        };
        let service = match service {
            "AmazonEC2" => PlantedService::Ec2,
            "AmazonS3" => PlantedService::S3,
            "AmazonRDS" => PlantedService::Rds,
            other => {
                return Err(invalid(format!(
                    "unknown service `{other}` (AmazonEC2, AmazonS3 or AmazonRDS)"
                )));
            }
        };
        let day = day
            .parse()
            .map_err(|_| invalid(format!("day `{day}` is not a day of the month")))?;
        let usd_per_day = usd
            .parse()
            .map_err(|_| invalid(format!("`{usd}` is not a whole number of USD per day")))?;
        Ok(PlantedChange {
            kind,
            account: account.to_string(),
            service,
            day,
            usd_per_day,
        })
    }
}
