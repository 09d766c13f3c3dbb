//! Reading the generator's files back with the parquet, flate2 and serde_json crates, into
//! plain values the tests compare.

use std::collections::BTreeMap;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use arrow::array::{Array, AsArray, MapArray, StringArray};
use arrow::datatypes::{Float64Type, TimestampMillisecondType};
use bytes::Bytes;
use costscope_core::measures::amortized_cost;
use costscope_synth::{GenerateOptions, GenerateSummary, generate};
use flate2::read::GzDecoder;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

pub const DAY_MS: i64 = 86_400_000;
pub const BYTES_PER_GB: f64 = 1_073_741_824.0;

/// One CUR row, reduced to what the tests look at.
#[derive(Debug, Clone)]
pub struct CurRow {
    pub period: String,
    pub account: String,
    pub product_code: String,
    pub usage_type: String,
    pub line_item_type: String,
    pub resource_id: Option<String>,
    pub billing_entity: String,
    pub start_ms: i64,
    pub usage: f64,
    pub unblended: f64,
    pub amortized: f64,
    pub tags: BTreeMap<String, String>,
    pub product: BTreeMap<String, String>,
}

impl CurRow {
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags.get(key).map(String::as_str)
    }

    pub fn day(&self) -> String {
        let days = self.start_ms.div_euclid(DAY_MS);
        chrono::DateTime::from_timestamp(days * 86_400, 0)
            .unwrap()
            .format("%Y-%m-%d")
            .to_string()
    }
}

pub struct Generated {
    pub summary: GenerateSummary,
    /// Every output file, by path relative to the output root.
    pub files: BTreeMap<PathBuf, Vec<u8>>,
    pub rows: Vec<CurRow>,
}

impl Generated {
    pub fn file(&self, relative: &str) -> &[u8] {
        self.files
            .get(Path::new(relative))
            .unwrap_or_else(|| panic!("{relative} was not written"))
    }
}

/// The default organisation (3 months to 2026-10), generated once for the tests that read it
/// and held in memory, so its temporary directory is gone before the tests look at it.
pub fn default_org() -> &'static Generated {
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
pub fn parquet_files(files: &BTreeMap<PathBuf, Vec<u8>>) -> Vec<(&PathBuf, Bytes)> {
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

pub fn relative_eq(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-9)
}

pub fn by_period(
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

pub fn strictly_rising(values: &[f64]) -> bool {
    values.len() >= 2 && values.windows(2).all(|w| w[1] > w[0])
}

/// Flow-log records: (interface, srcaddr, dstaddr, bytes, start, log-status).
pub fn read_flow_logs(g: &Generated) -> Vec<(String, String, String, u64, i64, String)> {
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

pub fn read_inventory(g: &Generated) -> Vec<serde_json::Value> {
    g.file("inventory.jsonl")
        .lines()
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .collect()
}

pub fn all_files(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
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
