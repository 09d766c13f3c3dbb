//! VPC Flow Logs for the last days of the calendar, as S3 delivery writes them: gzip text
//! with one header line, custom format version 5, one file per account, region and hour under
//! `AWSLogs/<account>/vpcflowlogs/<region>/yyyy/mm/dd/`.
//!
//! Traffic through the NAT gateway is logged on both the sending instance's interface and the
//! NAT gateway's, in 10-minute windows whose bytes add up to the hour's CUR usage: a day's
//! bytes on the NAT gateway interface equal that day's `NatGateway-Bytes` (1 GB = 2^30 bytes)
//! to within rounding.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;

use crate::calendar::Calendar;
use crate::model::{Flow, Interface, Org};
use crate::traffic::{mix64, unit_noise};
use crate::{Error, Result};

/// Days of flow logs written, counted back from the end of the calendar.
pub(crate) const FLOW_LOG_DAYS: u32 = 14;
/// Bytes in the GB that CUR bills.
pub(crate) const BYTES_PER_GB: f64 = 1_073_741_824.0;
/// Aggregation windows per hour (the 10-minute default interval).
const WINDOWS_PER_HOUR: u32 = 6;

/// The header line: the v5 custom format's field names.
pub(crate) const HEADER: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes \
start end action log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id \
sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path";

/// The days (indexes) that get flow logs and an inventory.
pub(crate) fn window(cal: &Calendar) -> std::ops::Range<u32> {
    let days = cal.total_days();
    days.saturating_sub(FLOW_LOG_DAYS)..days
}

/// Writes the flow logs under `root` and returns the number of records.
pub(crate) fn write(org: &Org, cal: &Calendar, seed: u64, root: &Path) -> Result<u64> {
    let mut records = 0;
    for day in window(cal) {
        for hour in day * 24..day * 24 + 24 {
            let mut files: BTreeMap<(usize, &'static str), String> = BTreeMap::new();
            for (index, flow) in org.flows.iter().enumerate() {
                records += hour_records(org, cal, seed, index, flow, hour, &mut files);
            }
            for ((account, region), body) in files {
                write_file(org, cal, seed, root, account, region, hour, &body)?;
            }
        }
    }
    Ok(records)
}

/// One record's fields that vary between records.
struct Record<'a> {
    interface: &'a Interface,
    src: &'a str,
    dst: &'a str,
    src_port: u32,
    dst_port: u32,
    bytes: u64,
    start: i64,
    end: i64,
    tcp_flags: u32,
    egress: bool,
}

fn push_record(files: &mut BTreeMap<(usize, &'static str), String>, org: &Org, r: &Record) {
    let i = r.interface;
    let out = files.entry((i.account, i.region.code)).or_default();
    let instance_id = if i.kind == crate::model::InterfaceKind::Instance {
        i.resource_id.as_str()
    } else {
        "-"
    };
    let (direction, traffic_path) = if r.egress {
        ("egress", "1")
    } else {
        ("ingress", "-")
    };
    let _ = writeln!(
        out,
        "5 {} {} {} {} {} {} 6 {} {} {} {} ACCEPT OK {} {} {} {} IPv4 {} {} {} {} - - - - {} {}",
        org.accounts[i.account].id,
        i.eni_id,
        r.src,
        r.dst,
        r.src_port,
        r.dst_port,
        r.bytes / 1400 + 1,
        r.bytes,
        r.start,
        r.end,
        i.vpc_id,
        i.subnet_id,
        instance_id,
        r.tcp_flags,
        r.src,
        r.dst,
        i.region.code,
        i.az_id,
        direction,
        traffic_path,
    );
}

/// Appends the records of one flow in one hour; returns how many.
fn hour_records(
    org: &Org,
    cal: &Calendar,
    seed: u64,
    flow_index: usize,
    flow: &Flow,
    hour: u32,
    files: &mut BTreeMap<(usize, &'static str), String>,
) -> u64 {
    let hour_start = cal.hour_start_ms(hour) / 1000;
    let stream = 0xF10E_0000 + flow_index as u64;
    match flow {
        Flow::ThroughNat {
            source,
            nat,
            curve,
            response_ratio,
            destination_ip,
        } => {
            let (source, nat) = (&org.interfaces[*source], &org.interfaces[*nat]);
            if !source.active.contains(&hour) || !nat.active.contains(&hour) {
                return 0;
            }
            let egress_gb = org.curves[*curve].at(seed, hour);
            let egress = split(egress_gb * BYTES_PER_GB, seed, stream, hour);
            let responses = split(
                egress_gb * response_ratio * BYTES_PER_GB,
                seed,
                stream + 1,
                hour,
            );
            for w in 0..WINDOWS_PER_HOUR as usize {
                let start = hour_start + w as i64 * 600;
                let port = 32768
                    + (unit_noise(seed, stream, u64::from(hour) * 8 + w as u64) * 28_000.0) as u32;
                let (src, dst) = (source.private_ip.as_str(), destination_ip.as_str());
                let outbound = |interface| Record {
                    interface,
                    src,
                    dst,
                    src_port: port,
                    dst_port: 443,
                    bytes: egress[w],
                    start,
                    end: start + 600,
                    tcp_flags: 3,
                    egress: true,
                };
                let inbound = |interface| Record {
                    interface,
                    src: dst,
                    dst: src,
                    src_port: 443,
                    dst_port: port,
                    bytes: responses[w],
                    start,
                    end: start + 600,
                    tcp_flags: 19,
                    egress: false,
                };
                push_record(files, org, &outbound(source));
                push_record(files, org, &inbound(source));
                // On the NAT gateway's interface the instance's packets arrive (ingress) and
                // the responses leave towards the instance (egress).
                push_record(
                    files,
                    org,
                    &Record {
                        egress: false,
                        ..outbound(nat)
                    },
                );
                push_record(
                    files,
                    org,
                    &Record {
                        egress: true,
                        ..inbound(nat)
                    },
                );
            }
            u64::from(WINDOWS_PER_HOUR) * 4
        }
        Flow::Internal {
            source,
            destination,
            port,
            gb_per_hour,
        } => {
            let (source, destination) = (&org.interfaces[*source], &org.interfaces[*destination]);
            if !source.active.contains(&hour) || !destination.active.contains(&hour) {
                return 0;
            }
            let jitter = 0.8 + 0.4 * unit_noise(seed, stream, u64::from(hour));
            let bytes = (gb_per_hour * jitter * BYTES_PER_GB) as u64;
            let src_port =
                32768 + (unit_noise(seed, stream + 1, u64::from(hour)) * 28_000.0) as u32;
            let record = |interface, egress| Record {
                interface,
                src: &source.private_ip,
                dst: &destination.private_ip,
                src_port,
                dst_port: u32::from(*port),
                bytes,
                start: hour_start,
                end: hour_start + 600,
                tcp_flags: 3,
                egress,
            };
            push_record(files, org, &record(source, true));
            push_record(files, org, &record(destination, false));
            2
        }
        Flow::Idle { interface } => {
            let interface = &org.interfaces[*interface];
            if hour % 24 != 4 || !interface.active.contains(&hour) {
                return 0;
            }
            let out = files
                .entry((interface.account, interface.region.code))
                .or_default();
            let _ = writeln!(
                out,
                "5 {} {} - - - - - - - {} {} - NODATA - - - - - - - - - - - - - - -",
                org.accounts[interface.account].id,
                interface.eni_id,
                hour_start,
                hour_start + 600
            );
            1
        }
    }
}

/// Splits `total` bytes over the hour's windows; the parts add up to `total` rounded.
fn split(total: f64, seed: u64, stream: u64, hour: u32) -> [u64; WINDOWS_PER_HOUR as usize] {
    let mut weights = [0.0; WINDOWS_PER_HOUR as usize];
    for (w, weight) in weights.iter_mut().enumerate() {
        *weight = 0.7 + 0.6 * unit_noise(seed, stream, u64::from(hour) * 8 + w as u64);
    }
    let sum: f64 = weights.iter().sum();
    let total = total.round() as u64;
    let mut parts = [0u64; WINDOWS_PER_HOUR as usize];
    let mut assigned = 0;
    for w in 0..parts.len() - 1 {
        parts[w] = (total as f64 * weights[w] / sum) as u64;
        assigned += parts[w];
    }
    parts[parts.len() - 1] = total.saturating_sub(assigned);
    parts
}

#[allow(clippy::too_many_arguments)]
fn write_file(
    org: &Org,
    cal: &Calendar,
    seed: u64,
    root: &Path,
    account: usize,
    region: &str,
    hour: u32,
    body: &str,
) -> Result<()> {
    let account_id = org.accounts[account].id;
    let date = cal.date(hour / 24);
    let dir: PathBuf = root
        .join("AWSLogs")
        .join(account_id)
        .join("vpcflowlogs")
        .join(region)
        .join(date.format("%Y").to_string())
        .join(date.format("%m").to_string())
        .join(date.format("%d").to_string());
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let flow_log_id = format!("fl-{:017x}", mix64(seed ^ account as u64 ^ 0xF1) >> 4);
    let hash = mix64(seed ^ (u64::from(hour) << 8) ^ account as u64) as u32;
    let name = format!(
        "{account_id}_vpcflowlogs_{region}_{flow_log_id}_{}T{:02}00Z_{hash:08x}.log.gz",
        date.format("%Y%m%d"),
        hour % 24
    );
    let path = dir.join(name);
    let file = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
    let mut gz = GzEncoder::new(std::io::BufWriter::new(file), Compression::default());
    gz.write_all(HEADER.as_bytes())
        .and_then(|_| gz.write_all(b"\n"))
        .and_then(|_| gz.write_all(body.as_bytes()))
        .and_then(|_| gz.finish())
        .and_then(|mut w| w.flush())
        .map_err(|e| Error::io(&path, e))
}

/// Writes one gzip flow-log file of `lines` version-5 records (plus the header) as S3
/// delivery would for account 222222222222 on 2026-10-01, under `root`; returns its path.
/// Used to measure ingest on a file of a stated size: 2,000 interfaces, ports and byte
/// counts from a seeded hash, one NODATA record in 1,000.
pub fn write_sample(root: &Path, lines: u64, seed: u64) -> Result<PathBuf> {
    let dir = root.join("AWSLogs/222222222222/vpcflowlogs/us-east-1/2026/10/01");
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let path = dir.join(format!(
        "222222222222_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20261001T0000Z_{:08x}.log.gz",
        mix64(seed ^ lines) as u32
    ));
    let file = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
    // gzip's default level, like the demo's files: the fastest level would make a larger
    // file that is slower to inflate than the logs S3 delivers.
    let mut gz = GzEncoder::new(
        std::io::BufWriter::with_capacity(1 << 20, file),
        Compression::default(),
    );
    let day_start: i64 = 1_790_812_800;
    let mut line = String::with_capacity(256);
    let io = |e| Error::io(&path, e);
    gz.write_all(HEADER.as_bytes()).map_err(io)?;
    gz.write_all(b"\n").map_err(io)?;
    for n in 0..lines {
        let h = mix64(seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let eni = h % 2000;
        let start = day_start + (n * 86_400 / lines.max(1)) as i64;
        line.clear();
        if n % 1000 == 999 {
            let _ = writeln!(
                line,
                "5 222222222222 eni-0a{eni:015x} - - - - - - - {start} {} - NODATA - - - - - - - - - - - - - - -",
                start + 60
            );
        } else {
            let src = format!(
                "10.{}.{}.{}",
                (eni >> 8) & 3,
                eni & 255,
                4 + (h >> 16) % 200
            );
            let dst_octet = (h >> 24) % 250 + 2;
            let egress = h & 1 == 0;
            let bytes = 40 + (h >> 32) % 2_000_000;
            let _ = writeln!(
                line,
                "5 222222222222 eni-0a{eni:015x} {src} 10.1.{}.{dst_octet} {} 443 6 {} {bytes} {start} {} ACCEPT OK vpc-0a1b2c3d subnet-0{:07x} i-0{eni:016x} {} IPv4 {src} 10.1.{}.{dst_octet} us-east-1 use1-az{} - - - - {} {}",
                (h >> 40) % 4,
                32768 + (h >> 8) % 28_000,
                bytes / 1400 + 1,
                start + 60,
                eni % 16,
                if egress { 3 } else { 19 },
                (h >> 40) % 4,
                1 + eni % 6,
                if egress { "egress" } else { "ingress" },
                if egress { "1" } else { "-" },
            );
        }
        gz.write_all(line.as_bytes()).map_err(io)?;
    }
    gz.finish()
        .and_then(|mut w| w.flush())
        .map_err(|e| Error::io(&path, e))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_preserves_the_total() {
        let parts = split(123_456_789.4, 1, 2, 3);
        assert_eq!(parts.iter().sum::<u64>(), 123_456_789);
        assert!(parts.iter().all(|p| *p > 10_000_000));
        assert_eq!(HEADER.split(' ').count(), 29);
    }
}
