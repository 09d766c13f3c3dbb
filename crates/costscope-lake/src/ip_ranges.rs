//! AWS's published IP address ranges (`ip-ranges.json`): which AWS service and region an
//! address belongs to, for traffic to S3, DynamoDB, CloudFront … in VPC Flow Logs. A small
//! dated subset is built in; a user file in the same format replaces it. CIDR matching uses
//! `std::net` only.

use std::net::IpAddr;
use std::path::Path;

use serde::Deserialize;

use crate::{Error, Result};

/// The built-in subset (see its `note` and `createDate`).
const BUILTIN: &str = include_str!("../data/aws-ip-ranges.json");

/// A parsed `ip-ranges.json`.
#[derive(Debug, Clone)]
pub struct IpRanges {
    /// `createDate` of the file (`YYYY-MM-DD-hh-mm-ss`).
    pub create_date: String,
    /// Where the ranges came from: `built-in` or the file's path.
    pub origin: String,
    pub prefixes: Vec<IpPrefix>,
}

/// One published prefix.
#[derive(Debug, Clone, PartialEq)]
pub struct IpPrefix {
    /// The prefix as published, e.g. `52.216.0.0/15`.
    pub prefix: String,
    pub region: String,
    /// `S3`, `DYNAMODB`, `EC2`, … or `AMAZON` (the superset of every service).
    pub service: String,
    pub network_border_group: Option<String>,
    cidr: Cidr,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct File {
    create_date: String,
    #[serde(default)]
    prefixes: Vec<RawPrefix>,
    #[serde(default, rename = "ipv6_prefixes")]
    ipv6_prefixes: Vec<RawPrefix>,
}

#[derive(Deserialize)]
struct RawPrefix {
    #[serde(alias = "ipv6_prefix")]
    ip_prefix: String,
    region: String,
    service: String,
    #[serde(default)]
    network_border_group: Option<String>,
}

impl IpRanges {
    /// The built-in subset.
    pub fn builtin() -> Self {
        // The built-in file is tested below; parsing it cannot fail.
        Self::parse(BUILTIN, "built-in").unwrap_or_else(|_| IpRanges {
            create_date: String::new(),
            origin: "built-in".into(),
            prefixes: Vec::new(),
        })
    }

    /// Reads a file in the `ip-ranges.json` format.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses `ip-ranges.json` text; errors name `origin`, the line and the bad prefix.
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        let file: File = serde_json::from_str(text).map_err(|e| Error::Malformed {
            file: origin.into(),
            line: e.line() as u64,
            message: e.to_string(),
        })?;
        let mut prefixes = Vec::with_capacity(file.prefixes.len() + file.ipv6_prefixes.len());
        for raw in file.prefixes.into_iter().chain(file.ipv6_prefixes) {
            let cidr = Cidr::parse(&raw.ip_prefix).ok_or_else(|| Error::Malformed {
                file: origin.into(),
                line: line_of(text, &raw.ip_prefix),
                message: format!("`{}` is not a CIDR prefix", raw.ip_prefix),
            })?;
            prefixes.push(IpPrefix {
                prefix: raw.ip_prefix,
                region: raw.region,
                service: raw.service,
                network_border_group: raw.network_border_group,
                cidr,
            });
        }
        Ok(IpRanges {
            create_date: file.create_date,
            origin: origin.into(),
            prefixes,
        })
    }

    /// The prefixes holding `ip`, most specific first; a named service before `AMAZON`
    /// (the catch-all every address of AWS is also listed under).
    pub fn lookup(&self, ip: IpAddr) -> Vec<&IpPrefix> {
        let mut found: Vec<&IpPrefix> = self
            .prefixes
            .iter()
            .filter(|p| p.cidr.contains(ip))
            .collect();
        found.sort_by_key(|p| (p.service == "AMAZON", std::cmp::Reverse(p.cidr.len)));
        found.dedup_by(|a, b| a.prefix == b.prefix && a.service == b.service);
        found
    }

    /// The service of `ip`: the most specific named service, else `AMAZON`.
    pub fn service_of(&self, ip: IpAddr) -> Option<&IpPrefix> {
        self.lookup(ip).into_iter().next()
    }
}

/// An IPv4 or IPv6 network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cidr {
    network: IpAddr,
    len: u8,
}

impl Cidr {
    /// Parses `a.b.c.d/n` or `x:y::/n` (a bare address is a /32 or /128).
    pub fn parse(text: &str) -> Option<Self> {
        let (address, len) = match text.trim().split_once('/') {
            Some((a, l)) => (a, Some(l.parse::<u8>().ok()?)),
            None => (text.trim(), None),
        };
        let network: IpAddr = address.parse().ok()?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let len = len.unwrap_or(max);
        (len <= max).then_some(Cidr { network, len })
    }

    /// True when `ip` is inside this network (never across IPv4 and IPv6).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.len)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.len))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

fn line_of(text: &str, needle: &str) -> u64 {
    text.find(needle)
        .map(|at| text[..at].matches('\n').count() as u64 + 1)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    #[test]
    fn cidr_matching_covers_edges_and_families() {
        let net = Cidr::parse("52.216.0.0/15").expect("cidr");
        assert!(net.contains(ip("52.216.0.0")));
        assert!(net.contains(ip("52.217.255.255")));
        assert!(!net.contains(ip("52.218.0.0")));
        assert!(!net.contains(ip("::1")));
        assert!(
            Cidr::parse("0.0.0.0/0")
                .expect("all")
                .contains(ip("8.8.8.8"))
        );
        assert!(
            Cidr::parse("10.0.0.1")
                .expect("host")
                .contains(ip("10.0.0.1"))
        );
        assert!(
            !Cidr::parse("10.0.0.1")
                .expect("host")
                .contains(ip("10.0.0.2"))
        );
        let v6 = Cidr::parse("2600:1f00::/24").expect("v6");
        assert!(v6.contains(ip("2600:1fff::1")));
        assert!(!v6.contains(ip("2601::1")));
        assert_eq!(Cidr::parse("10.0.0.0/33"), None);
        assert_eq!(Cidr::parse("nonsense/8"), None);
    }

    #[test]
    fn the_builtin_table_parses_and_prefers_a_named_service() {
        let ranges = IpRanges::builtin();
        assert!(ranges.prefixes.len() > 5);
        assert!(ranges.create_date.starts_with("20"));
        let s3 = ranges.service_of(ip("52.216.10.20")).expect("s3");
        assert_eq!(
            (s3.service.as_str(), s3.region.as_str()),
            ("S3", "us-east-1")
        );
        assert_eq!(ranges.service_of(ip("203.0.113.20")), None);
    }

    #[test]
    fn a_bad_prefix_is_named_with_its_line() {
        let text = "{\"createDate\": \"x\",\n \"prefixes\": [\n {\"ip_prefix\": \"1.2.3.0/99\", \"region\": \"r\", \"service\": \"S3\"}]}";
        let error = IpRanges::parse(text, "ranges.json").expect_err("bad prefix");
        assert_eq!(
            error.to_string(),
            "ranges.json, line 3: `1.2.3.0/99` is not a CIDR prefix"
        );
    }
}
