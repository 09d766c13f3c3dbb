//! Saving factors behind the efficiency KPIs' potential savings, in one dated table.
//!
//! As of 2026-11. Sources (see FORMATS §4): the Cloud Intelligence Dashboards / Well-
//! Architected CUR query library heuristics (Graviton 20% cheaper than Intel and 10% than
//! AMD, Lambda on arm64 20%, gp3 storage 20% cheaper than gp2) and public us-east-1 list
//! prices seen in 2026 (S3 Standard $0.023/GB-mo vs Standard-IA $0.0125; m4.large
//! $0.10/h vs m5.large $0.096; t2.micro $0.0116 vs t3.micro $0.0104). Factors marked
//! "assumed" are our own round estimates; refresh them from the AWS Price List API before
//! relying on a saving to the dollar.

/// The date the factors were last checked.
pub const AS_OF: &str = "2026-11-01";

/// x86 Intel EC2 instance → the Graviton equivalent (CID/WA: 20%).
pub const GRAVITON_VS_INTEL: f64 = 0.20;
/// x86 AMD EC2 instance (`…a` families) → Graviton (CID/WA: 10%).
pub const GRAVITON_VS_AMD: f64 = 0.10;
/// RDS, ElastiCache and OpenSearch instances → Graviton classes (assumed: ~10% lower
/// hourly price).
pub const GRAVITON_MANAGED: f64 = 0.10;
/// Lambda x86 → arm64 duration (WA: 20%); Fargate x86 → ARM (list price ~20% lower).
pub const GRAVITON_SERVERLESS: f64 = 0.20;
/// A previous-generation instance → its current-generation equivalent (assumed 8%: m4→m5
/// is 4%, t2→t3 10%, c4→c5 15%).
pub const CURRENT_GENERATION: f64 = 0.08;
/// On-demand EC2 → Spot (assumed 60%: Spot discounts are typically 50–90%).
pub const SPOT: f64 = 0.60;
/// On-demand compute → covered by a 1-year no-upfront Compute Savings Plan (assumed 25%).
pub const COMMITMENT_COVERAGE: f64 = 0.25;
/// Unused commitment is paid for nothing: raising utilisation saves it whole.
pub const COMMITMENT_UTILISATION: f64 = 1.0;
/// gp2 → gp3 storage, $0.10 → $0.08 per GB-month (WA: 20%).
pub const GP3: f64 = 0.20;
/// Snapshots older than a year are deleted (or archived, 75% cheaper): the saving is the
/// whole cost of deletion.
pub const OLD_SNAPSHOTS: f64 = 1.0;
/// S3 Standard → Intelligent-Tiering / Standard-IA (assumed 40%: IA is 46% cheaper per
/// GB, less monitoring and retrieval fees).
pub const S3_STANDARD: f64 = 0.40;
/// Idle resources are removed: the saving is their whole cost.
pub const IDLE: f64 = 1.0;

/// A NAT gateway processing less than this many GB per hour on average over a week is
/// idle (nearly no traffic; its hourly charge is the waste).
pub const NAT_IDLE_GB_PER_HOUR: f64 = 2.0;
/// Snapshots created more than this many days before the week are old.
pub const OLD_SNAPSHOT_DAYS: i64 = 365;
