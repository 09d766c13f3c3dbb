//! The few list prices network estimates use (us-east-1, USD), as read on the date below
//! from the pages FORMATS.md §4 cites. They are estimates: the CUR is the bill, these
//! only price bytes the flow logs show and savings the CUR cannot show yet.

/// The date the prices below were read.
pub const AS_OF: &str = "2026-11-23";

/// NAT gateway data processing, per GB (both directions are processed).
pub const NAT_PER_GB: f64 = 0.045;
/// A NAT gateway's hour.
pub const NAT_PER_HOUR: f64 = 0.045;
/// Data transfer between AZs of a region, per GB and per billed side.
pub const INTER_AZ_PER_GB: f64 = 0.01;
/// Data transfer out to the internet, first tier, per GB.
pub const INTERNET_OUT_PER_GB: f64 = 0.09;

/// Bytes in the GB that AWS bills (GiB).
pub const BYTES_PER_GB: f64 = 1_073_741_824.0;
/// Hours in the month savings are quoted for.
pub const HOURS_PER_MONTH: f64 = 730.0;
/// Days in the month window bytes are scaled to.
pub const DAYS_PER_MONTH: f64 = 30.0;

/// `bytes` in billed GB.
pub fn gb(bytes: f64) -> f64 {
    bytes / BYTES_PER_GB
}
