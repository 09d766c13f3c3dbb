//! The resource inventory (`inventory.jsonl`): for every date with flow logs, one JSON object
//! per network interface naming the IP, the ENI and the resource behind it, with the fields
//! of [`costscope_core::tables::inventory_schema`].

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::calendar::Calendar;
use crate::model::Org;
use crate::{Error, Result};

#[derive(Serialize)]
struct Entry<'a> {
    date: &'a str,
    ip_address: &'a str,
    eni_id: &'a str,
    resource_id: &'a str,
    resource_type: &'a str,
    account_id: &'a str,
    region: &'a str,
    availability_zone: &'a str,
    az_id: &'a str,
    subnet_id: &'a str,
    vpc_id: &'a str,
    nat_gateway_id: Option<&'a str>,
    tags: BTreeMap<&'a str, &'a str>,
}

/// Writes the inventory for `days` to `path`; returns the number of entries.
pub(crate) fn write(
    org: &Org,
    cal: &Calendar,
    days: std::ops::Range<u32>,
    path: &Path,
) -> Result<u64> {
    let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    let mut out = std::io::BufWriter::new(file);
    let mut entries = 0;
    for day in days {
        let hours = day * 24..day * 24 + 24;
        for interface in &org.interfaces {
            if interface.active.end <= hours.start || interface.active.start >= hours.end {
                continue;
            }
            let entry = Entry {
                date: cal.day_label(day),
                ip_address: &interface.private_ip,
                eni_id: &interface.eni_id,
                resource_id: &interface.resource_id,
                resource_type: interface.kind.resource_type(),
                account_id: org.accounts[interface.account].id,
                region: interface.region.code,
                availability_zone: interface.availability_zone,
                az_id: interface.az_id,
                subnet_id: &interface.subnet_id,
                vpc_id: &interface.vpc_id,
                nat_gateway_id: interface.nat_gateway_id.as_deref(),
                tags: interface
                    .tags
                    .iter()
                    .map(|(k, v)| (*k, v.as_str()))
                    .collect(),
            };
            serde_json::to_writer(&mut out, &entry).map_err(|e| Error::io(path, e.into()))?;
            out.write_all(b"\n").map_err(|e| Error::io(path, e))?;
            entries += 1;
        }
    }
    out.flush().map_err(|e| Error::io(path, e))?;
    Ok(entries)
}
