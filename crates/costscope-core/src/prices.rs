//! Public list prices that savings estimates multiply usage by: us-east-1, Linux,
//! on-demand, in USD, as FORMATS §4 records them (with the date and the source of each
//! figure). A price table is a map from a key (`ec2/m5.large`, `ebs/gp2`, …) to a
//! [`Price`]; users override or add keys from a YAML file (see
//! `costscope_analytics::recommend::prices`).
//!
//! Keys:
//! - `ec2/<type>`: instance hour; `rds/<class>`: DB instance hour.
//! - `ebs/<gp2|gp3|io1|io2|st1|sc1|standard>`: GB-month; `ebs/snapshot`,
//!   `ebs/snapshot-archive`: GB-month.
//! - `s3/<standard|standard-ia|onezone-ia|glacier-ir|glacier|deep-archive|intelligent-tiering>`:
//!   GB-month.
//! - `vpc/public-ipv4`: address hour; `nat/hour`, `nat/gb`; `transfer/inter-az` (per GB,
//!   each direction); `transfer/internet-out` (per GB, first tier).
//! - `lambda/gb-second`, `lambda/gb-second-arm`, `lambda/request`, `lambda/request-arm`.
//! - `bedrock/<usage name>/input`, `…/output` per 1M tokens (the usage-type model name, e.g.
//!   `Claude4.6Sonnet`); `bedrock/cache-read-factor`, `bedrock/batch-discount`.
//! - `savings-plan/compute-1yr-no-upfront-discount`: the fraction a Compute Savings Plan
//!   takes off On-Demand.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The date the built-in prices were last checked.
pub const AS_OF: &str = "2026-08-14";

/// Where the built-in prices come from.
pub const SOURCE: &str = "FORMATS.md §4: AWS public list prices for us-east-1 (AWS pages, \
     the Well-Architected CUR query library and dated third-party price pages); figures \
     marked `derived` follow from a same-size family ratio";

/// How much trust a price deserves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// Read in a primary AWS source.
    Verified,
    /// Seen on dated third-party pricing pages.
    ThirdParty,
    /// From memory; check against the Price List API before relying on it.
    Unverified,
    /// Computed from other prices (a family's size ratio, a documented modifier).
    Derived,
    /// Given by the user in a price file.
    User,
}

/// One price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Price {
    pub value: f64,
    /// What the price is per (`hour`, `GB-month`, `GB`, `1M tokens`, `GB-second`, …).
    pub unit: String,
    pub basis: Basis,
}

/// A set of prices with their date and source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceTable {
    pub as_of: String,
    pub source: String,
    pub region: String,
    pub prices: BTreeMap<String, Price>,
}

/// Instance hour prices (us-east-1 Linux on-demand).
#[rustfmt::skip]
const INSTANCES: &[(&str, f64, Basis)] = &[
    ("t2.micro",   0.0116, Basis::Unverified),
    ("t2.small",   0.023,  Basis::Unverified),
    ("t2.medium",  0.0464, Basis::Unverified),
    ("t3.micro",   0.0104, Basis::Unverified),
    ("t3.small",   0.0208, Basis::Unverified),
    ("t3.medium",  0.0416, Basis::Unverified),
    ("t4g.micro",  0.0084, Basis::Unverified),
    ("t4g.small",  0.0168, Basis::Unverified),
    ("t4g.medium", 0.0336, Basis::Unverified),
    ("m4.large",   0.10,   Basis::Unverified),
    ("m4.xlarge",  0.20,   Basis::Unverified),
    ("m5.large",   0.096,  Basis::ThirdParty),
    ("m5.xlarge",  0.192,  Basis::ThirdParty),
    ("m6i.large",  0.096,  Basis::Derived),
    ("m6i.xlarge", 0.192,  Basis::ThirdParty),
    ("m7i.large",  0.1008, Basis::Derived),
    ("m7i.xlarge", 0.2016, Basis::ThirdParty),
    ("m6g.large",  0.077,  Basis::Unverified),
    ("m6g.xlarge", 0.154,  Basis::Unverified),
    ("m7g.large",  0.0816, Basis::ThirdParty),
    ("m7g.xlarge", 0.1632, Basis::ThirdParty),
    ("c4.large",   0.10,   Basis::Unverified),
    ("c4.xlarge",  0.199,  Basis::Unverified),
    ("c5.large",   0.085,  Basis::Unverified),
    ("c5.xlarge",  0.17,   Basis::Unverified),
    // c7g and r7g: the m7g/m5 ratio (0.85) applied to c5 and r5.
    ("c7g.large",  0.07225, Basis::Derived),
    ("c7g.xlarge", 0.1445,  Basis::Derived),
    ("r4.large",   0.133,  Basis::Unverified),
    ("r4.xlarge",  0.266,  Basis::Unverified),
    ("r5.large",   0.126,  Basis::Unverified),
    ("r5.xlarge",  0.252,  Basis::Unverified),
    ("r7g.large",  0.1071, Basis::Derived),
    ("r7g.xlarge", 0.2142, Basis::Derived),
];

/// Everything else: (key, price, unit, basis).
#[rustfmt::skip]
const OTHERS: &[(&str, f64, &str, Basis)] = &[
    ("ebs/gp2",               0.10,    "GB-month", Basis::ThirdParty),
    ("ebs/gp3",               0.08,    "GB-month", Basis::ThirdParty),
    ("ebs/io1",               0.125,   "GB-month", Basis::Verified),
    ("ebs/io2",               0.125,   "GB-month", Basis::Verified),
    ("ebs/st1",               0.045,   "GB-month", Basis::Unverified),
    ("ebs/sc1",               0.015,   "GB-month", Basis::Unverified),
    ("ebs/standard",          0.05,    "GB-month", Basis::Unverified),
    ("ebs/snapshot",          0.05,    "GB-month", Basis::Unverified),
    ("ebs/snapshot-archive",  0.0125,  "GB-month", Basis::Unverified),
    ("s3/standard",           0.023,   "GB-month", Basis::ThirdParty),
    ("s3/intelligent-tiering",0.023,   "GB-month", Basis::Unverified),
    ("s3/standard-ia",        0.0125,  "GB-month", Basis::Unverified),
    ("s3/onezone-ia",         0.01,    "GB-month", Basis::Unverified),
    ("s3/glacier-ir",         0.004,   "GB-month", Basis::Unverified),
    ("s3/glacier",            0.0036,  "GB-month", Basis::Unverified),
    ("s3/deep-archive",       0.00099, "GB-month", Basis::ThirdParty),
    ("vpc/public-ipv4",       0.005,   "hour",     Basis::Verified),
    ("nat/hour",              0.045,   "hour",     Basis::ThirdParty),
    ("nat/gb",                0.045,   "GB",       Basis::ThirdParty),
    ("transfer/inter-az",     0.01,    "GB",       Basis::ThirdParty),
    ("transfer/internet-out", 0.09,    "GB",       Basis::ThirdParty),
    ("lambda/gb-second",      0.000_016_666_7, "GB-second", Basis::Unverified),
    ("lambda/gb-second-arm",  0.000_013_333_4, "GB-second", Basis::Unverified),
    ("lambda/request",        0.000_000_2,     "request",   Basis::Unverified),
    ("lambda/request-arm",    0.000_000_2,     "request",   Basis::Unverified),
    ("rds/db.r6g.large",      0.26,    "hour",     Basis::Unverified),
    ("rds/db.r5.large",       0.29,    "hour",     Basis::Unverified),
    ("rds/db.r4.large",       0.29,    "hour",     Basis::Unverified),
    ("rds/db.r7g.large",      0.276,   "hour",     Basis::Unverified),
    ("rds/db.m5.large",       0.171,   "hour",     Basis::Unverified),
    ("rds/db.m6g.large",      0.152,   "hour",     Basis::Unverified),
    ("rds/gp2",               0.115,   "GB-month", Basis::Unverified),
    ("rds/gp3",               0.115,   "GB-month", Basis::Unverified),
    // Regional endpoints: the global price +10% (FORMATS §4).
    ("bedrock/Claude4.6Sonnet/input",  3.30,  "1M tokens", Basis::Derived),
    ("bedrock/Claude4.6Sonnet/output", 16.50, "1M tokens", Basis::Derived),
    ("bedrock/Claude4.5Sonnet/input",  3.30,  "1M tokens", Basis::Derived),
    ("bedrock/Claude4.5Sonnet/output", 16.50, "1M tokens", Basis::Derived),
    ("bedrock/Claude3.5Sonnet/input",  3.00,  "1M tokens", Basis::ThirdParty),
    ("bedrock/Claude3.5Sonnet/output", 15.00, "1M tokens", Basis::ThirdParty),
    ("bedrock/Claude4.5Haiku/input",   1.10,  "1M tokens", Basis::Derived),
    ("bedrock/Claude4.5Haiku/output",  5.50,  "1M tokens", Basis::Derived),
    ("bedrock/NovaPro/input",          0.80,  "1M tokens", Basis::ThirdParty),
    ("bedrock/NovaPro/output",         3.20,  "1M tokens", Basis::ThirdParty),
    ("bedrock/NovaLite/input",         0.06,  "1M tokens", Basis::ThirdParty),
    ("bedrock/NovaLite/output",        0.24,  "1M tokens", Basis::ThirdParty),
    ("bedrock/NovaMicro/input",        0.035, "1M tokens", Basis::ThirdParty),
    ("bedrock/NovaMicro/output",       0.14,  "1M tokens", Basis::ThirdParty),
    ("bedrock/cache-read-factor",      0.1,   "x input",   Basis::ThirdParty),
    ("bedrock/cache-write-factor",     1.25,  "x input",   Basis::ThirdParty),
    ("bedrock/batch-discount",         0.5,   "fraction",  Basis::ThirdParty),
    ("savings-plan/compute-1yr-no-upfront-discount", 0.28, "fraction", Basis::Unverified),
];

impl PriceTable {
    /// The built-in us-east-1 table.
    pub fn aws_us_east_1() -> Self {
        let mut prices = BTreeMap::new();
        for &(name, value, basis) in INSTANCES {
            prices.insert(format!("ec2/{name}"), price(value, "hour", basis));
        }
        for &(key, value, unit, basis) in OTHERS {
            prices.insert(key.to_string(), price(value, unit, basis));
        }
        PriceTable {
            as_of: AS_OF.to_string(),
            source: SOURCE.to_string(),
            region: "us-east-1".to_string(),
            prices,
        }
    }

    /// The price under `key`.
    pub fn get(&self, key: &str) -> Option<f64> {
        self.prices.get(key).map(|p| p.value)
    }

    /// An EC2 instance type's hourly price.
    pub fn instance_hour(&self, instance_type: &str) -> Option<f64> {
        self.get(&format!("ec2/{instance_type}"))
    }

    /// `(key, price)` pairs whose key starts with `prefix`.
    pub fn with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, f64)> {
        self.prices
            .range(prefix.to_string()..)
            .take_while(move |(k, _)| k.starts_with(prefix))
            .map(|(k, p)| (k.as_str(), p.value))
    }
}

fn price(value: f64, unit: &str, basis: Basis) -> Price {
    Price {
        value,
        unit: unit.to_string(),
        basis,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_facts_are_in_the_table() {
        let t = PriceTable::aws_us_east_1();
        assert_eq!(t.get("ebs/gp2"), Some(0.10));
        assert_eq!(t.get("ebs/gp3"), Some(0.08));
        assert_eq!(t.instance_hour("m7g.xlarge"), Some(0.1632));
        assert_eq!(t.get("vpc/public-ipv4"), Some(0.005));
        assert_eq!(t.get("nat/gb"), Some(0.045));
        assert_eq!(t.with_prefix("ebs/").count(), 9);
    }

    #[test]
    fn derived_graviton_prices_keep_the_m7g_to_m5_ratio() {
        let t = PriceTable::aws_us_east_1();
        let ratio = t.instance_hour("m7g.large").unwrap_or(0.0) / 0.096;
        let c7g = t.instance_hour("c7g.large").unwrap_or(0.0);
        assert!((c7g - 0.085 * ratio).abs() < 1e-9, "{c7g}");
    }
}
