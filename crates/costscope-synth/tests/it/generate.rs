//! The synthetic organisation generator, checked against real files read back with the
//! parquet, flate2 and serde_json crates.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use arrow::array::{Array, AsArray, MapArray, StringArray};
use arrow::datatypes::{Float64Type, TimestampMillisecondType};
use bytes::Bytes;
use costscope_core::cur;
use costscope_core::measures::amortized_cost;
use costscope_lake::Error;
use costscope_lake::generate::{GenerateOptions, GenerateSummary, Ledger, LedgerKey, generate};
use flate2::read::GzDecoder;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

const DAY_MS: i64 = 86_400_000;
const BYTES_PER_GB: f64 = 1_073_741_824.0;

/// One CUR row, reduced to what the tests look at.
#[derive(Debug, Clone)]
struct CurRow {
    period: String,
    account: String,
    product_code: String,
    usage_type: String,
    line_item_type: String,
    resource_id: Option<String>,
    billing_entity: String,
    start_ms: i64,
    usage: f64,
    unblended: f64,
    amortized: f64,
    tags: BTreeMap<String, String>,
    product: BTreeMap<String, String>,
}

impl CurRow {
    fn tag(&self, key: &str) -> Option<&str> {
        self.tags.get(key).map(String::as_str)
    }

    fn day(&self) -> String {
        let days = self.start_ms.div_euclid(DAY_MS);
        chrono::DateTime::from_timestamp(days * 86_400, 0)
            .unwrap()
            .format("%Y-%m-%d")
            .to_string()
    }
}

struct Generated {
    summary: GenerateSummary,
    /// Every output file, by path relative to the output root.
    files: BTreeMap<PathBuf, Vec<u8>>,
    rows: Vec<CurRow>,
}

impl Generated {
    fn file(&self, relative: &str) -> &[u8] {
        self.files
            .get(Path::new(relative))
            .unwrap_or_else(|| panic!("{relative} was not written"))
    }
}

/// The default organisation (3 months to 2026-10), generated once for the tests that read it
/// and held in memory, so its temporary directory is gone before the tests look at it.
fn default_org() -> &'static Generated {
    static SHARED: OnceLock<Generated> = OnceLock::new();
    SHARED.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let summary = generate(&GenerateOptions {
            out: dir.path().to_path_buf(),
            ..GenerateOptions::default()
        })
        .unwrap();
        let files = all_files(dir.path());
        let rows = read_cur(&files);
        Generated {
            summary,
            files,
            rows,
        }
    })
}

/// The CUR data files among `files`, in path order.
fn parquet_files(files: &BTreeMap<PathBuf, Vec<u8>>) -> Vec<(&PathBuf, Bytes)> {
    files
        .iter()
        .filter(|(path, _)| path.starts_with("cur/costscope-demo/data"))
        .map(|(path, bytes)| (path, Bytes::from(bytes.clone())))
        .collect()
}

fn map_entries(map: &MapArray, row: usize) -> BTreeMap<String, String> {
    let entries = map.value(row);
    let keys = entries.column(0).as_string::<i32>();
    let values = entries.column(1).as_string::<i32>();
    (0..entries.len())
        .map(|i| (keys.value(i).to_string(), values.value(i).to_string()))
        .collect()
}

fn read_cur(files: &BTreeMap<PathBuf, Vec<u8>>) -> Vec<CurRow> {
    let mut rows = Vec::new();
    for (path, bytes) in parquet_files(files) {
        let period = path
            .parent()
            .and_then(|p| p.file_name())
            .unwrap()
            .to_string_lossy()
            .trim_start_matches("BILLING_PERIOD=")
            .to_string();
        let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)
            .unwrap()
            .build()
            .unwrap();
        for batch in reader {
            let batch = batch.unwrap();
            let s = |name: &str| -> &StringArray {
                batch.column_by_name(name).unwrap().as_string::<i32>()
            };
            let f = |name: &str| {
                batch
                    .column_by_name(name)
                    .unwrap()
                    .as_primitive::<Float64Type>()
            };
            let value = |name: &str, i: usize| {
                let c = f(name);
                if c.is_null(i) { 0.0 } else { c.value(i) }
            };
            let starts = batch
                .column_by_name("line_item_usage_start_date")
                .unwrap()
                .as_primitive::<TimestampMillisecondType>();
            let tags = batch.column_by_name("resource_tags").unwrap().as_map();
            let product = batch.column_by_name("product").unwrap().as_map();
            let arn = s("reservation_reservation_a_r_n");
            for i in 0..batch.num_rows() {
                let line_item_type = s("line_item_line_item_type").value(i).to_string();
                let unblended = f("line_item_unblended_cost").value(i);
                let amortized = amortized_cost(
                    &line_item_type,
                    unblended,
                    value("savings_plan_savings_plan_effective_cost", i),
                    value("savings_plan_total_commitment_to_date", i),
                    value("savings_plan_used_commitment", i),
                    value("reservation_effective_cost", i),
                    value(
                        "reservation_unused_amortized_upfront_fee_for_billing_period",
                        i,
                    ),
                    value("reservation_unused_recurring_fee", i),
                    arn.is_valid(i) && !arn.value(i).is_empty(),
                );
                let resource = s("line_item_resource_id");
                rows.push(CurRow {
                    period: period.clone(),
                    account: s("line_item_usage_account_id").value(i).to_string(),
                    product_code: s("line_item_product_code").value(i).to_string(),
                    usage_type: s("line_item_usage_type").value(i).to_string(),
                    line_item_type,
                    resource_id: resource.is_valid(i).then(|| resource.value(i).to_string()),
                    billing_entity: s("bill_billing_entity").value(i).to_string(),
                    start_ms: starts.value(i),
                    usage: f("line_item_usage_amount").value(i),
                    unblended,
                    amortized,
                    tags: map_entries(tags, i),
                    product: map_entries(product, i),
                });
            }
        }
    }
    rows
}

fn relative_eq(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-9)
}

fn by_period(
    rows: &[CurRow],
    keep: impl Fn(&CurRow) -> bool,
    value: impl Fn(&CurRow) -> f64,
) -> Vec<f64> {
    let mut sums: BTreeMap<&str, f64> = BTreeMap::new();
    for row in rows.iter().filter(|r| keep(r)) {
        *sums.entry(row.period.as_str()).or_default() += value(row);
    }
    sums.into_values().collect()
}

fn strictly_rising(values: &[f64]) -> bool {
    values.len() >= 2 && values.windows(2).all(|w| w[1] > w[0])
}

#[test]
fn writes_the_data_exports_layout_and_manifests() {
    let g = default_org();
    assert!(g.summary.export_root.ends_with("cur/costscope-demo"));
    assert!(g.summary.flow_logs_root.ends_with("flowlogs"));
    assert!(g.summary.inventory_file.ends_with("inventory.jsonl"));
    assert!(g.summary.metrics_file.ends_with("business_metrics.csv"));
    assert!(g.summary.ledger_file.ends_with("ledger.csv"));
    assert_eq!(g.summary.periods, ["2026-08", "2026-09", "2026-10"]);
    let top_level: BTreeSet<String> = g
        .files
        .keys()
        .map(|p| p.iter().next().unwrap().to_string_lossy().to_string())
        .collect();
    assert_eq!(
        top_level,
        BTreeSet::from(
            [
                "business_metrics.csv",
                "cur",
                "flowlogs",
                "inventory.jsonl",
                "labels.json",
                "ledger.csv"
            ]
            .map(String::from)
        )
    );
    let cur_files: Vec<String> = g
        .files
        .keys()
        .filter(|p| p.starts_with("cur"))
        .map(|p| p.to_string_lossy().to_string())
        .collect();
    let mut expected = Vec::new();
    for period in &g.summary.periods {
        expected.push(format!(
            "cur/costscope-demo/data/BILLING_PERIOD={period}/costscope-demo-00001.snappy.parquet"
        ));
        expected.push(format!(
            "cur/costscope-demo/metadata/BILLING_PERIOD={period}/costscope-demo-Manifest.json"
        ));
    }
    expected.sort();
    assert_eq!(cur_files, expected);

    for period in &g.summary.periods {
        let manifest: serde_json::Value = serde_json::from_slice(g.file(&format!(
            "cur/costscope-demo/metadata/BILLING_PERIOD={period}/costscope-demo-Manifest.json"
        )))
        .unwrap();
        let keys: BTreeSet<&str> = manifest
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            BTreeSet::from([
                "executionId",
                "exportArn",
                "columns",
                "dataFiles",
                "additionalOutputFiles",
                "billingPeriod"
            ])
        );
        assert_eq!(
            manifest["dataFiles"],
            serde_json::json!([format!(
                "s3://costscope-demo-bucket/cur/costscope-demo/data/BILLING_PERIOD={period}/costscope-demo-00001.snappy.parquet"
            )])
        );
        assert_eq!(manifest["additionalOutputFiles"], serde_json::json!([]));
        assert_eq!(
            manifest["billingPeriod"]["start"],
            format!("{period}-01T00:00:00.000Z")
        );
        assert!(
            manifest["exportArn"]
                .as_str()
                .unwrap()
                .starts_with("arn:aws:bcm-data-exports:")
        );
        let columns = manifest["columns"].as_array().unwrap();
        let names: Vec<&str> = columns
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        let expected: Vec<&str> = cur::COLUMNS.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, expected);
        let column =
            |name: &str| columns.iter().find(|c| c["name"] == name).unwrap()["type"].clone();
        assert_eq!(column("line_item_unblended_cost"), "double");
        assert_eq!(column("line_item_usage_start_date"), "timestamp");
        assert_eq!(column("resource_tags"), "map<string,string>");
        assert_eq!(column("discount"), "map<string,double>");
        assert_eq!(column("line_item_usage_type"), "string");
    }
}

#[test]
fn every_file_has_the_cur_2_schema_with_snappy_row_groups() {
    let g = default_org();
    for (path, bytes) in parquet_files(&g.files) {
        let builder = ParquetRecordBatchReaderBuilder::try_new(bytes).unwrap();
        assert_eq!(
            builder.schema().fields(),
            cur::schema().fields(),
            "{}",
            path.display()
        );
        let metadata = builder.metadata();
        for group in metadata.row_groups() {
            assert!(group.num_rows() <= 128 * 1024);
            assert_eq!(
                group.column(0).compression(),
                parquet::basic::Compression::SNAPPY
            );
        }
    }
}

#[test]
fn the_default_org_is_a_realistic_size_with_all_accounts_and_line_types() {
    let g = default_org();
    let rows = &g.rows;
    assert_eq!(rows.len() as u64, g.summary.cur_rows);
    assert!(
        (50_000..=150_000).contains(&rows.len()),
        "{} rows",
        rows.len()
    );
    let accounts: BTreeSet<&str> = rows.iter().map(|r| r.account.as_str()).collect();
    assert_eq!(accounts.len(), 8);
    assert!(!accounts.contains("111111111111"));
    let types: BTreeSet<&str> = rows.iter().map(|r| r.line_item_type.as_str()).collect();
    for expected in [
        "Usage",
        "SavingsPlanCoveredUsage",
        "SavingsPlanNegation",
        "SavingsPlanRecurringFee",
        "DiscountedUsage",
        "RIFee",
        "Fee",
        "Tax",
        "Credit",
        "Refund",
    ] {
        assert!(types.contains(expected), "{expected}");
    }
    let usage_types: BTreeSet<&str> = rows.iter().map(|r| r.usage_type.as_str()).collect();
    for expected in [
        "BoxUsage:m5.xlarge",
        "BoxUsage:m7g.large",
        "SpotUsage:c5.large",
        "EBS:VolumeUsage.gp2",
        "EBS:VolumeUsage.gp3",
        "EBS:SnapshotUsage",
        "TimedStorage-GDA-ByteHrs",
        "Requests-Tier1",
        "InstanceUsage:db.r6g.large",
        "Aurora:StorageUsage",
        "Request-ARM",
        "Lambda-GB-Second",
        "NatGateway-Hours",
        "DataTransfer-Regional-Bytes",
        "USE1-PublicIPv4:IdleAddress",
        "USE1-Claude4.6Sonnet-input-tokens",
        "USE1-Claude4.5Haiku-cache-read-input-token-count",
        "USE1-NovaLite-output-tokens",
        "USE1-MP:USE1_InputTokenCount-Units",
        "USW2-BoxUsage:m5.large",
    ] {
        assert!(usage_types.contains(expected), "{expected}");
    }
    // Savings Plan negation offsets covered usage exactly; covered usage amortizes cheaper.
    let covered = rows
        .iter()
        .filter(|r| r.line_item_type == "SavingsPlanCoveredUsage");
    let (on_demand, effective): (f64, f64) =
        covered.fold((0.0, 0.0), |(u, a), r| (u + r.unblended, a + r.amortized));
    let negated: f64 = rows
        .iter()
        .filter(|r| r.line_item_type == "SavingsPlanNegation")
        .map(|r| r.unblended)
        .sum();
    assert!(relative_eq(on_demand, -negated));
    assert!(effective < on_demand * 0.8);
    // Some resources are untagged, some tag values are inconsistent.
    assert!(
        rows.iter()
            .any(|r| r.product_code == "AmazonEC2" && r.tags.is_empty())
    );
    assert!(
        rows.iter()
            .any(|r| r.tag("user_department") == Some("sales"))
    );
    assert!(
        rows.iter()
            .any(|r| r.tag("user_department") == Some("Sales"))
    );
}

#[test]
fn ledger_matches_the_rows_read_back() {
    let g = default_org();
    let mut read_back: BTreeMap<LedgerKey, (u64, f64, f64)> = BTreeMap::new();
    for row in &g.rows {
        let key = LedgerKey {
            usage_account_id: row.account.clone(),
            product_code: row.product_code.clone(),
            day: row.day(),
            line_item_type: row.line_item_type.clone(),
        };
        let entry = read_back.entry(key).or_default();
        entry.0 += 1;
        entry.1 += row.unblended;
        entry.2 += row.amortized;
    }
    let ledger = &g.summary.ledger;
    assert_eq!(ledger.entries.len(), read_back.len());
    for (key, (rows, unblended, amortized)) in &read_back {
        let totals = ledger
            .entries
            .get(key)
            .unwrap_or_else(|| panic!("{key:?} missing"));
        assert_eq!(totals.rows, *rows, "{key:?}");
        assert!(
            relative_eq(totals.unblended, *unblended),
            "{key:?}: {} vs {unblended}",
            totals.unblended
        );
        assert!(
            relative_eq(totals.amortized, *amortized),
            "{key:?}: {} vs {amortized}",
            totals.amortized
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("ledger.csv");
    std::fs::write(&copy, g.file("ledger.csv")).unwrap();
    assert_eq!(&Ledger::read_csv(&copy).unwrap(), ledger);
    let header = String::from_utf8_lossy(g.file("ledger.csv"));
    assert!(header.starts_with(
        "usage_account_id,product_code,day,line_item_type,rows,unblended_cost,amortized_cost\n"
    ));
}

#[test]
fn nat_gateway_cost_rises_month_over_month_in_app_team_prod() {
    let g = default_org();
    let prod = |r: &CurRow| r.account == "222222222222";
    let bytes = by_period(
        &g.rows,
        |r| prod(r) && r.usage_type == "NatGateway-Bytes",
        |r| r.usage,
    );
    let hours = by_period(
        &g.rows,
        |r| prod(r) && r.usage_type == "NatGateway-Hours",
        |r| r.usage,
    );
    let inter_az = by_period(
        &g.rows,
        |r| prod(r) && r.usage_type == "DataTransfer-Regional-Bytes",
        |r| r.unblended,
    );
    let nat_cost = by_period(
        &g.rows,
        |r| prod(r) && r.usage_type.starts_with("NatGateway"),
        |r| r.unblended,
    );
    assert!(strictly_rising(&bytes), "{bytes:?}");
    assert!(strictly_rising(&hours), "{hours:?}");
    assert!(strictly_rising(&inter_az), "{inter_az:?}");
    assert!(strictly_rising(&nat_cost), "{nat_cost:?}");
    assert!(bytes[2] > bytes[0] * 1.5, "{bytes:?}");
    let nat_rows: Vec<&CurRow> = g
        .rows
        .iter()
        .filter(|r| r.usage_type == "NatGateway-Bytes")
        .collect();
    assert!(nat_rows.iter().all(|r| {
        r.resource_id
            .as_deref()
            .unwrap()
            .contains(":natgateway/nat-")
    }));
}

/// Flow-log records: (interface, srcaddr, dstaddr, bytes, start, log-status).
fn read_flow_logs(g: &Generated) -> Vec<(String, String, String, u64, i64, String)> {
    let mut records = Vec::new();
    let files: Vec<(&PathBuf, &Vec<u8>)> = g
        .files
        .iter()
        .filter(|(p, _)| p.starts_with("flowlogs"))
        .collect();
    assert!(!files.is_empty());
    for (path, bytes) in files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        assert!(path.starts_with("flowlogs/AWSLogs"), "{}", path.display());
        assert!(
            name.ends_with(".log.gz") && name.contains("_vpcflowlogs_us-"),
            "{name}"
        );
        let mut text = String::new();
        GzDecoder::new(bytes.as_slice())
            .read_to_string(&mut text)
            .unwrap();
        let mut lines = text.lines();
        assert_eq!(
            lines.next().unwrap(),
            "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action \
             log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id sublocation-type \
             sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path"
        );
        for line in lines {
            let f: Vec<&str> = line.split(' ').collect();
            assert_eq!(f.len(), 29, "{line}");
            let bytes = f[9].parse().unwrap_or(0);
            records.push((
                f[2].into(),
                f[3].into(),
                f[4].into(),
                bytes,
                f[10].parse().unwrap(),
                f[13].into(),
            ));
        }
    }
    records
}

fn read_inventory(g: &Generated) -> Vec<serde_json::Value> {
    g.file("inventory.jsonl")
        .lines()
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .collect()
}

#[test]
fn flow_logs_explain_the_nat_bytes_with_cross_az_senders() {
    let g = default_org();
    let records = read_flow_logs(g);
    assert_eq!(records.len() as u64, g.summary.flow_log_records);
    assert!(
        (2_000..=100_000).contains(&records.len()),
        "{}",
        records.len()
    );
    assert!(records.iter().any(|r| r.5 == "NODATA"));

    let inventory = read_inventory(g);
    let field = |v: &serde_json::Value, k: &str| v[k].as_str().unwrap_or_default().to_string();
    let story_nat = inventory
        .iter()
        .find(|v| v["resource_type"] == "nat_gateway" && v["availability_zone"] == "us-east-1a")
        .unwrap();
    let nat_id = field(story_nat, "nat_gateway_id");
    let nat_eni = field(story_nat, "eni_id");
    let az_of_ip: BTreeMap<String, String> = inventory
        .iter()
        .map(|v| (field(v, "ip_address"), field(v, "availability_zone")))
        .collect();

    // Per day: bytes on the NAT gateway's interface vs the day's NatGateway-Bytes in CUR.
    let mut flow_bytes: BTreeMap<i64, f64> = BTreeMap::new();
    let mut bytes_by_sender_az: BTreeMap<String, u64> = BTreeMap::new();
    for (interface, src, _, bytes, start, _) in &records {
        if *interface == nat_eni {
            *flow_bytes.entry(start * 1000 / DAY_MS).or_default() += *bytes as f64;
            if let Some(az) = az_of_ip.get(src) {
                *bytes_by_sender_az.entry(az.clone()).or_default() += bytes;
            }
        }
    }
    let mut cur_gb: BTreeMap<i64, f64> = BTreeMap::new();
    for row in g.rows.iter().filter(|r| r.usage_type == "NatGateway-Bytes") {
        if row.resource_id.as_deref().unwrap().ends_with(&nat_id) {
            *cur_gb.entry(row.start_ms / DAY_MS).or_default() += row.usage;
        }
    }
    assert!(flow_bytes.len() >= 14);
    for (day, bytes) in &flow_bytes {
        let gb = cur_gb[day];
        assert!(
            (bytes / BYTES_PER_GB - gb).abs() < 0.005 * gb,
            "day {day}: {} vs {gb}",
            bytes / BYTES_PER_GB
        );
    }
    let from_1b = bytes_by_sender_az["us-east-1b"];
    let from_1a = bytes_by_sender_az["us-east-1a"];
    assert!(from_1b > 4 * from_1a, "{bytes_by_sender_az:?}");
    assert!(!bytes_by_sender_az.contains_key(""));
}

#[test]
fn sales_pays_about_three_times_dev_for_similar_bedrock_tokens() {
    let g = default_org();
    let mut cost: BTreeMap<&str, f64> = BTreeMap::new();
    let mut tokens: BTreeMap<&str, f64> = BTreeMap::new();
    for row in g
        .rows
        .iter()
        .filter(|r| r.product_code == "AmazonBedrock" && r.line_item_type == "Usage")
    {
        assert!(
            row.resource_id
                .as_deref()
                .unwrap()
                .contains(":application-inference-profile/")
        );
        let department = row.tag("user_department").unwrap();
        *cost.entry(department).or_default() += row.unblended;
        *tokens.entry(department).or_default() += row.usage;
    }
    let cost_ratio = cost["Sales"] / cost["Dev"];
    let token_ratio = tokens["Sales"] / tokens["Dev"];
    assert!((2.5..=3.5).contains(&cost_ratio), "cost ratio {cost_ratio}");
    assert!(
        (0.8..=1.25).contains(&token_ratio),
        "token ratio {token_ratio}"
    );

    let marketplace: Vec<&CurRow> = g
        .rows
        .iter()
        .filter(|r| r.billing_entity == "AWS Marketplace")
        .collect();
    assert!(!marketplace.is_empty());
    assert!(
        marketplace
            .iter()
            .filter(|r| r.line_item_type == "Usage")
            .all(|r| {
                r.product["product_name"].ends_with("(Amazon Bedrock Edition)")
                    && r.usage_type.contains("-MP:")
            })
    );
}

#[test]
fn clickstream_cost_per_invocation_falls_in_the_last_month() {
    let g = default_org();
    let clickstream = |r: &CurRow| r.tag("user_app") == Some("clickstream");
    let cost = by_period(&g.rows, clickstream, |r| r.amortized);
    let lambda_requests = |r: &CurRow| {
        clickstream(r) && r.product_code == "AWSLambda" && r.usage_type.starts_with("Request")
    };
    let invocations = by_period(&g.rows, lambda_requests, |r| r.usage);
    let services: BTreeSet<&str> = g
        .rows
        .iter()
        .filter(|r| clickstream(r))
        .map(|r| r.product_code.as_str())
        .collect();
    for service in ["AWSLambda", "AmazonEC2", "AmazonRDS", "AmazonBedrock"] {
        assert!(services.contains(service), "{service}");
    }
    assert!(strictly_rising(&invocations), "{invocations:?}");
    let per_invocation: Vec<f64> = cost.iter().zip(&invocations).map(|(c, i)| c / i).collect();
    assert!(
        per_invocation[2] < per_invocation[1] * 0.9,
        "{per_invocation:?}"
    );

    // The business metrics report the same invocations, day by day.
    let mut cur_daily: BTreeMap<String, f64> = BTreeMap::new();
    for row in g.rows.iter().filter(|r| lambda_requests(r)) {
        *cur_daily.entry(row.day()).or_default() += row.usage;
    }
    let metrics = String::from_utf8_lossy(g.file("business_metrics.csv"));
    let mut lines = metrics.lines();
    assert_eq!(lines.next(), Some("date,metric,value,app,team"));
    let mut apps = BTreeSet::new();
    let mut metric_names = BTreeSet::new();
    let mut compared = 0;
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        apps.insert(f[3].to_string());
        metric_names.insert(f[1].to_string());
        if f[1] == "invocations" && f[3] == "clickstream" {
            assert_eq!(f[2].parse::<f64>().unwrap(), cur_daily[f[0]], "{}", f[0]);
            compared += 1;
        }
    }
    assert_eq!(compared, 92);
    assert!(apps.len() >= 2);
    assert_eq!(
        metric_names,
        BTreeSet::from(["clicks", "invocations", "orders", "revenue"].map(String::from))
    );
}

#[test]
fn inventory_entries_have_the_inventory_table_fields() {
    let g = default_org();
    let inventory = read_inventory(g);
    assert!(!inventory.is_empty());
    let expected: BTreeSet<String> = costscope_core::tables::inventory_schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let kinds: BTreeSet<&str> = inventory
        .iter()
        .map(|v| v["resource_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        BTreeSet::from(["instance", "load_balancer", "nat_gateway"])
    );
    for entry in &inventory {
        let keys: BTreeSet<String> = entry.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, expected);
        assert!(entry["tags"].is_object());
        assert_eq!(entry["date"].as_str().unwrap().len(), 10);
    }
}

fn all_files(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.insert(
                    path.strip_prefix(root).unwrap().to_path_buf(),
                    std::fs::read(&path).unwrap(),
                );
            }
        }
    }
    files
}

#[test]
fn the_same_seed_gives_identical_bytes_and_another_seed_does_not() {
    let options = |dir: &Path, seed| GenerateOptions {
        out: dir.to_path_buf(),
        seed,
        months: 1,
        ..GenerateOptions::default()
    };
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    generate(&options(a.path(), 7)).unwrap();
    generate(&options(b.path(), 7)).unwrap();
    generate(&options(c.path(), 8)).unwrap();
    let (files_a, files_b, files_c) = (
        all_files(a.path()),
        all_files(b.path()),
        all_files(c.path()),
    );
    assert!(files_a.len() > 10);
    assert_eq!(files_a, files_b);
    let parquet = PathBuf::from(
        "cur/costscope-demo/data/BILLING_PERIOD=2026-10/costscope-demo-00001.snappy.parquet",
    );
    assert_ne!(files_a[&parquet], files_c[&parquet]);
    assert_ne!(
        files_a[Path::new("ledger.csv")],
        files_c[Path::new("ledger.csv")]
    );
}

#[test]
fn a_row_target_is_honoured_within_ten_percent() {
    let dir = tempfile::tempdir().unwrap();
    let summary = generate(&GenerateOptions {
        out: dir.path().to_path_buf(),
        months: 2,
        rows: Some(200_000),
        ..GenerateOptions::default()
    })
    .unwrap();
    assert!(
        (180_000..=220_000).contains(&summary.cur_rows),
        "{}",
        summary.cur_rows
    );
    assert_eq!(summary.ledger.rows(), summary.cur_rows);
    let read: i64 = parquet_files(&all_files(dir.path()))
        .into_iter()
        .map(|(_, bytes)| {
            ParquetRecordBatchReaderBuilder::try_new(bytes)
                .unwrap()
                .metadata()
                .file_metadata()
                .num_rows()
        })
        .sum();
    assert_eq!(read as u64, summary.cur_rows);
    assert_eq!(summary.periods, ["2026-09", "2026-10"]);
}

#[test]
fn malformed_options_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    for options in [
        GenerateOptions {
            end_period: "2026-13".into(),
            ..GenerateOptions::default()
        },
        GenerateOptions {
            months: 0,
            ..GenerateOptions::default()
        },
        GenerateOptions {
            rows: Some(0),
            ..GenerateOptions::default()
        },
    ] {
        let options = GenerateOptions {
            out: dir.path().to_path_buf(),
            ..options
        };
        assert!(
            matches!(generate(&options), Err(Error::InvalidGenerateOption { .. })),
            "{options:?}"
        );
    }
    assert!(!dir.path().join("cur").exists());
}
