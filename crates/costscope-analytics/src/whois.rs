//! `whois`: which resource held an IP address at a time — an instance, an ENI, a NAT
//! gateway or a load balancer from the inventory snapshots, else an AWS service range from
//! `ip-ranges.json` (built in, or a user file).
//!
//! The inventory is kept per date, so an address reused by another resource later resolves
//! to the resource of the snapshot in force at `--at`: the latest snapshot on or before that
//! date. The same history is the SQL view `ip_owners` (see `costscope-query`).

use std::collections::BTreeMap;
use std::net::IpAddr;

use chrono::NaiveDate;
use costscope_query::Session;
use costscope_query::ip_ranges::IpRanges;
use serde::{Deserialize, Serialize};

use crate::records::{literal, query};
use crate::{Error, Result};

/// One resource that held the address, over the snapshots from `valid_from` to `valid_to`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Owner {
    pub ip_address: String,
    /// `instance`, `nat_gateway`, `load_balancer`, `eni`, … or `aws_service`.
    pub resource_type: String,
    pub resource_id: String,
    pub account_id: Option<String>,
    pub region: Option<String>,
    pub availability_zone: Option<String>,
    pub subnet_id: Option<String>,
    pub vpc_id: Option<String>,
    pub eni_id: Option<String>,
    pub nat_gateway_id: Option<String>,
    /// `key=value` pairs, `;`-separated, keys sorted (the flat form for tables and CSV).
    pub tags: String,
    /// First and last inventory snapshot (inclusive) showing this holder; for an AWS range,
    /// the `createDate` day of the `ip-ranges.json` file.
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    /// `inventory` or `ip-ranges:<origin>`.
    pub source: String,
}

/// The answer for one address.
#[derive(Debug, Clone, Serialize)]
pub struct WhoisReport {
    pub ip_address: String,
    /// The date asked about (`None`: the latest snapshot).
    pub at: Option<String>,
    /// The inventory snapshot the answer comes from.
    pub snapshot: Option<String>,
    /// The holder at `at` (empty when the address is unknown then).
    pub owners: Vec<Owner>,
    /// Every holder in the inventory, oldest first (an address reused later shows here).
    pub history: Vec<Owner>,
    /// One sentence for people: who held it, or why nothing is known.
    pub answer: String,
}

#[derive(Deserialize)]
struct Row {
    date: String,
    resource_id: String,
    resource_type: String,
    account_id: Option<String>,
    region: Option<String>,
    availability_zone: Option<String>,
    subnet_id: Option<String>,
    vpc_id: Option<String>,
    eni_id: Option<String>,
    nat_gateway_id: Option<String>,
    tags: Option<BTreeMap<String, String>>,
}

/// Parses `--at`: `YYYY-MM-DD` or an RFC 3339 / `YYYY-MM-DDThh:mm:ss` time (its UTC date).
pub fn parse_at(text: &str) -> Result<NaiveDate> {
    let text = text.trim();
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(date);
    }
    if let Ok(time) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&chrono::Utc).date_naive());
    }
    for pattern in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M"] {
        if let Ok(time) = chrono::NaiveDateTime::parse_from_str(text, pattern) {
            return Ok(time.date());
        }
    }
    Err(Error::InvalidArgument(format!(
        "--at `{text}` is not a date (YYYY-MM-DD) or a time (YYYY-MM-DDThh:mm:ssZ)"
    )))
}

/// Who held `ip` at `at` (the latest snapshot when `None`); `ranges` answers for addresses
/// the inventory does not know (AWS service endpoints).
pub async fn whois(
    session: &Session,
    ip: &str,
    at: Option<NaiveDate>,
    ranges: &IpRanges,
) -> Result<WhoisReport> {
    let address: IpAddr = ip
        .trim()
        .parse()
        .map_err(|_| Error::InvalidArgument(format!("`{ip}` is not an IPv4 or IPv6 address")))?;
    let text = address.to_string();
    let rows: Vec<Row> = query(
        session,
        &format!(
            "SELECT CAST(date AS VARCHAR) AS date, resource_id, resource_type, account_id, \
             region, availability_zone, subnet_id, vpc_id, eni_id, nat_gateway_id, tags \
             FROM inventory WHERE ip_address = {} ORDER BY date, resource_id",
            literal(&text)
        ),
    )
    .await?;
    let history = holders(&text, &rows);
    let at_label = at.map(|d| d.format("%Y-%m-%d").to_string());
    let snapshot = rows
        .iter()
        .map(|r| r.date.as_str())
        .filter(|d| at_label.as_deref().is_none_or(|at| *d <= at))
        .max()
        .map(str::to_string);
    let mut owners: Vec<Owner> = match &snapshot {
        Some(day) => {
            let current: Vec<&Row> = rows.iter().filter(|r| &r.date == day).collect();
            history
                .iter()
                .filter(|h| {
                    current.iter().any(|r| {
                        r.resource_id == h.resource_id
                            && h.valid_from.as_deref() <= Some(day.as_str())
                            && h.valid_to.as_deref() >= Some(day.as_str())
                    })
                })
                .cloned()
                .collect()
        }
        None => Vec::new(),
    };
    if owners.is_empty()
        && let Some(prefix) = ranges.service_of(address)
    {
        let day = ranges.create_date.get(..10).map(str::to_string);
        owners.push(Owner {
            ip_address: text.clone(),
            resource_type: "aws_service".into(),
            resource_id: format!("{} {}", prefix.service, prefix.prefix),
            account_id: None,
            region: Some(prefix.region.clone()),
            availability_zone: None,
            subnet_id: None,
            vpc_id: None,
            eni_id: None,
            nat_gateway_id: None,
            tags: String::new(),
            valid_from: day.clone(),
            valid_to: None,
            source: format!("ip-ranges:{}", ranges.origin),
        });
    }
    let when = at_label
        .as_deref()
        .map(|d| format!("on {d}"))
        .unwrap_or_else(|| "in the latest snapshot".into());
    let answer = match owners.first() {
        Some(o) if o.resource_type == "aws_service" => format!(
            "{text} is in AWS's published range {} ({}); no inventory resource holds it {when}",
            o.resource_id,
            o.region.as_deref().unwrap_or("")
        ),
        Some(o) => format!(
            "{text} was held by {} {} in account {} ({}) {when}",
            o.resource_type,
            o.resource_id,
            o.account_id.as_deref().unwrap_or("?"),
            o.availability_zone.as_deref().unwrap_or("no AZ")
        ),
        None if !history.is_empty() => format!(
            "{text} is not in any inventory snapshot on or before {}; first seen {}",
            at_label.as_deref().unwrap_or("?"),
            history[0].valid_from.as_deref().unwrap_or("?")
        ),
        None => format!(
            "{text} is unknown: no inventory snapshot lists it and it is in no AWS range of {} (created {})",
            ranges.origin, ranges.create_date
        ),
    };
    Ok(WhoisReport {
        ip_address: text,
        at: at_label,
        snapshot,
        owners,
        history,
        answer,
    })
}

/// Runs of consecutive snapshots with the same holder (sorted rows), oldest first. A
/// holder that gives the address up and takes it back later gets two entries.
fn holders(ip: &str, rows: &[Row]) -> Vec<Owner> {
    let mut dates: Vec<&str> = rows.iter().map(|r| r.date.as_str()).collect();
    dates.dedup();
    let index = |d: &str| dates.iter().position(|x| *x == d).unwrap_or(0);
    let mut out: Vec<(usize, Owner)> = Vec::new();
    for row in rows {
        let at = index(&row.date);
        if let Some((last, owner)) = out
            .iter_mut()
            .rev()
            .find(|(_, o)| o.resource_id == row.resource_id && o.eni_id == row.eni_id)
            && *last + 1 == at
        {
            *last = at;
            owner.valid_to = Some(row.date.clone());
            continue;
        }
        out.push((at, owner_of(ip, row)));
    }
    out.into_iter().map(|(_, o)| o).collect()
}

fn owner_of(ip: &str, row: &Row) -> Owner {
    let tags = row
        .tags
        .iter()
        .flatten()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(";");
    Owner {
        ip_address: ip.to_string(),
        resource_type: row.resource_type.clone(),
        resource_id: row.resource_id.clone(),
        account_id: row.account_id.clone(),
        region: row.region.clone(),
        availability_zone: row.availability_zone.clone(),
        subnet_id: row.subnet_id.clone(),
        vpc_id: row.vpc_id.clone(),
        eni_id: row.eni_id.clone(),
        nat_gateway_id: row.nat_gateway_id.clone(),
        tags,
        valid_from: Some(row.date.clone()),
        valid_to: Some(row.date.clone()),
        source: "inventory".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_accepts_dates_and_times_and_names_bad_input() {
        let day = NaiveDate::from_ymd_opt(2026, 10, 3).expect("date");
        assert_eq!(parse_at("2026-10-03").expect("date"), day);
        assert_eq!(parse_at("2026-10-03T23:30:00Z").expect("rfc3339"), day);
        assert_eq!(parse_at("2026-10-04T01:00:00+02:00").expect("offset"), day);
        assert_eq!(parse_at("2026-10-03 12:00:00").expect("space"), day);
        let err = parse_at("yesterday").expect_err("bad");
        assert!(err.to_string().contains("yesterday"), "{err}");
    }

    fn row(date: &str, id: &str) -> Row {
        Row {
            date: date.into(),
            resource_id: id.into(),
            resource_type: "instance".into(),
            account_id: None,
            region: None,
            availability_zone: None,
            subnet_id: None,
            vpc_id: None,
            eni_id: None,
            nat_gateway_id: None,
            tags: Some(BTreeMap::from([
                ("b".into(), "2".into()),
                ("a".into(), "1".into()),
            ])),
        }
    }

    #[test]
    fn a_reused_address_keeps_each_holders_dates() {
        let rows = vec![
            row("2026-10-01", "i-a"),
            row("2026-10-02", "i-a"),
            row("2026-10-03", "i-b"),
            row("2026-10-04", "i-a"),
        ];
        let h = holders("10.0.0.1", &rows);
        let spans: Vec<(&str, &str, &str)> = h
            .iter()
            .map(|o| {
                (
                    o.resource_id.as_str(),
                    o.valid_from.as_deref().unwrap_or(""),
                    o.valid_to.as_deref().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(
            spans,
            vec![
                ("i-a", "2026-10-01", "2026-10-02"),
                ("i-b", "2026-10-03", "2026-10-03"),
                ("i-a", "2026-10-04", "2026-10-04"),
            ]
        );
        assert_eq!(h[0].tags, "a=1;b=2");
    }
}
