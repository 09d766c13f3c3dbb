//! `ingest flowlogs`: VPC Flow Logs into `flow_logs/date=YYYY-MM-DD/aws_account_id=ID/`.
//!
//! Inputs are text files (gzip or plain; the default format or a custom one, the header
//! line deciding the field order) and Parquet files, found under either S3 delivery layout
//! (`AWSLogs/<account>/vpcflowlogs/<region>/yyyy/mm/dd/` or the Hive-compatible
//! `AWSLogs/aws-account-id=<account>/aws-service=vpcflowlogs/aws-region=<region>/year=…/`)
//! or anywhere else. Files of other services and unrelated files are skipped and named in
//! the report's notes. NODATA and SKIPDATA records are kept with their `log_status`.
//!
//! Each (date, delivering account) partition the source delivers replaces the lake's, so
//! ingesting one account's logs never touches another's; identical data leaves the lake
//! unchanged. Malformed lines are counted and reported with file and line, or refused with
//! `strict`; on any error nothing already stored changes. Files are read as streams: memory
//! does not depend on their size.

mod parquet;
mod partitions;
mod text;

use std::collections::BTreeSet;
use std::time::Instant;

use costscope_core::tables::{FLOW_LOGS, flow_logs_schema};

use super::{IngestOptions, IngestReport, ReadProgress, ReadSummary, ingest_id, publish_replacing};
use crate::lake::Lake;
use crate::source::Source;
use crate::writer::{TableLayout, TableWriter};
use crate::{Error, Result};
use partitions::Partitions;
pub use partitions::partition_key;

/// How many malformed lines are quoted in the report (all are counted).
const MALFORMED_QUOTED: usize = 20;
/// How many skipped files are named in the report.
const SKIPPED_QUOTED: usize = 5;

/// Addresses, nearly unique: a dictionary would cost time to build and then be abandoned
/// for plain encoding, so they are written plain. The other text columns (accounts,
/// interfaces, actions, statuses, VPC fields …) repeat and keep it.
const PLAIN_COLUMNS: &[&str] = &["srcaddr", "dstaddr", "pkt_srcaddr", "pkt_dstaddr"];

/// The integer columns: delta encoding packs times in order, ports and counters in a few
/// bits each and costs less to write than a dictionary.
const DELTA_COLUMNS: &[&str] = &[
    "version",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "tcp_flags",
    "traffic_path",
    "encryption_status",
];

/// The text columns. Rows are ordered by time and these identifiers recur all day long, so
/// each row group's min and max span nearly every value and prune nothing: they are not
/// computed. The times and counters keep theirs.
const NO_STATISTICS: &[&str] = &[
    "account_id",
    "interface_id",
    "srcaddr",
    "dstaddr",
    "action",
    "log_status",
    "vpc_id",
    "subnet_id",
    "instance_id",
    "type",
    "pkt_srcaddr",
    "pkt_dstaddr",
    "region",
    "az_id",
    "sublocation_type",
    "sublocation_id",
    "pkt_src_aws_service",
    "pkt_dst_aws_service",
    "flow_direction",
    "ecs_cluster_arn",
    "ecs_cluster_name",
    "ecs_container_instance_arn",
    "ecs_container_instance_id",
    "ecs_container_id",
    "ecs_second_container_id",
    "ecs_service_name",
    "ecs_task_definition_arn",
    "ecs_task_arn",
    "ecs_task_id",
    "reject_reason",
    "resource_id",
];

/// The layout of the `flow_logs` table.
pub fn flow_logs_layout() -> TableLayout {
    TableLayout {
        table: FLOW_LOGS,
        // Partition names are whole Hive paths: `date=…/aws_account_id=…`.
        partition_key: "",
        schema: flow_logs_schema(),
        append_partition_column: false,
        sort_by: &["start"],
        plain_columns: PLAIN_COLUMNS,
        no_statistics: NO_STATISTICS,
        delta_columns: DELTA_COLUMNS,
    }
}

/// What a source file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowLogFile {
    /// Space-separated text, gzip-compressed or not.
    Text { gzip: bool },
    /// Typed Parquet columns.
    Parquet,
    /// Not a flow-log file; the reason is reported.
    Skipped(String),
}

/// Where a file sits in the S3 delivery layouts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowLogKey {
    pub kind: FlowLogFile,
    /// The delivering account, when the key names it.
    pub account: Option<String>,
}

/// Classifies an object key (or local path) by its name and delivery layout.
pub fn classify(key: &str) -> FlowLogKey {
    let segments: Vec<&str> = key.split('/').collect();
    let mut account = None;
    let mut service = None;
    for (i, segment) in segments.iter().enumerate() {
        if let Some(value) = segment.strip_prefix("aws-account-id=") {
            account = Some(value);
        } else if let Some(value) = segment.strip_prefix("aws-service=") {
            service = Some(value);
        } else if *segment == "AWSLogs"
            && let (Some(id), Some(next)) = (segments.get(i + 1), segments.get(i + 2))
            && is_account(id)
        {
            account = Some(id);
            service = Some(next);
        }
    }
    let account = account.filter(|a| is_account(a)).map(str::to_owned);
    let file_name = segments.last().copied().unwrap_or_default();
    let lower = file_name.to_ascii_lowercase();
    let kind = if let Some(service) = service.filter(|s| !s.eq_ignore_ascii_case("vpcflowlogs")) {
        FlowLogFile::Skipped(format!("logs of another service (`{service}`)"))
    } else if lower.starts_with('.') || lower.starts_with('_') || lower == "aws-logs-write-test" {
        FlowLogFile::Skipped("not a log file".into())
    } else if lower.ends_with(".parquet") {
        FlowLogFile::Parquet
    } else if lower.ends_with(".gz") {
        FlowLogFile::Text { gzip: true }
    } else if lower.ends_with(".log") || lower.ends_with(".txt") {
        FlowLogFile::Text { gzip: false }
    } else {
        FlowLogFile::Skipped("not a .log, .log.gz, .txt or .parquet file".into())
    };
    FlowLogKey { kind, account }
}

fn is_account(value: &str) -> bool {
    value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit())
}

/// Ingests every flow-log file under `location` (a local path or `s3://bucket/prefix`).
pub async fn ingest_flow_logs(
    lake: &Lake,
    location: &str,
    options: &IngestOptions,
) -> Result<IngestReport> {
    let started = Instant::now();
    let source = Source::open(location)?;
    let lock = lake.lock()?;
    lake.collect_garbage(&lock)?;
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for object in source.list().await? {
        let key = classify(object.location.as_ref());
        match &key.kind {
            FlowLogFile::Skipped(reason) => {
                skipped.push(format!("{}: {reason}", source.describe(&object.location)))
            }
            _ => files.push((object, key)),
        }
    }
    if files.is_empty() {
        return Err(Error::EmptySource {
            source_path: source.display().into(),
        });
    }
    let progress = ReadProgress::start(
        options,
        "ingest flowlogs",
        files.iter().map(|(f, _)| f.size).sum(),
    );
    let writer = TableWriter::new(
        lake.root(),
        flow_logs_layout(),
        &ingest_id(),
        source.display(),
    )
    .spawn();
    let mut malformed = Malformed::default();
    let mut ignored = BTreeSet::new();
    let mut parts = Partitions::new(&writer);
    let mut outcome = Ok(());
    for (object, key) in &files {
        let name = source.describe(&object.location);
        let result = async {
            let copy = source.local_copy(&object.location).await?;
            let account = key.account.as_deref();
            match key.kind {
                FlowLogFile::Parquet => {
                    let file = parquet::ParquetFile {
                        path: copy.path(),
                        name: &name,
                        account,
                        strict: options.strict,
                    };
                    parquet::read(&file, &mut malformed, &mut ignored, &mut parts)
                }
                FlowLogFile::Text { gzip } => {
                    let file = text::TextFile {
                        path: copy.path(),
                        name: &name,
                        gzip,
                        account,
                        strict: options.strict,
                    };
                    text::read(&file, &mut malformed, &mut ignored, &mut parts)
                }
                FlowLogFile::Skipped(_) => Ok(0),
            }
        }
        .await;
        if let Err(e) = result {
            outcome = Err(e);
            break;
        }
        progress.advance(object.size);
    }
    progress.finish();
    let dates = std::mem::take(&mut parts.dates);
    let outcome = outcome.and_then(|()| parts.finish());
    let partitions = writer.conclude(outcome)?;
    // Partitions of the old date-only layout hold every account of their date: the new
    // data of that date replaces them.
    let legacy: Vec<String> = lake
        .manifest()?
        .tables
        .get(FLOW_LOGS)
        .into_iter()
        .flat_map(|t| t.partitions.keys())
        .filter(|k| dates.contains(k.as_str()))
        .cloned()
        .collect();
    let mut notes = Vec::new();
    if !skipped.is_empty() {
        notes.push(format!(
            "skipped {} file(s) that are not flow logs, e.g. {}",
            skipped.len(),
            skipped
                .iter()
                .take(SKIPPED_QUOTED)
                .cloned()
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    for key in &legacy {
        notes.push(format!(
            "replaced the date-only partition `{key}` of an older lake layout (all accounts of that date); ingest the other accounts' logs of that date again"
        ));
    }
    let read = ReadSummary {
        table: FLOW_LOGS,
        source: source.display().into(),
        files_read: files.len(),
        ignored_columns: ignored.into_iter().collect(),
        malformed: malformed.quoted,
        malformed_count: malformed.count,
        started,
    };
    let mut report = publish_replacing(lake, &lock, partitions, read, &legacy)?;
    report.notes = notes;
    Ok(report)
}

/// Malformed lines: all counted, the first few quoted; with `strict` the first is an error.
#[derive(Default)]
struct Malformed {
    count: u64,
    quoted: Vec<String>,
}

impl Malformed {
    fn record(&mut self, file: &str, line: u64, reason: &str, strict: bool) -> Result<()> {
        if strict {
            return Err(Error::Malformed {
                file: file.into(),
                line,
                message: reason.into(),
            });
        }
        self.count += 1;
        if self.quoted.len() < MALFORMED_QUOTED {
            self.quoted.push(format!("{file}, line {line}: {reason}"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_columns_go_without_statistics_and_integers_delta_encoded() {
        use arrow::datatypes::DataType;
        let schema = flow_logs_schema();
        for (name, data_type) in costscope_core::tables::FLOW_LOG_FIELDS {
            assert_eq!(
                NO_STATISTICS.contains(name),
                *data_type == DataType::Utf8,
                "{name}"
            );
            assert_eq!(
                DELTA_COLUMNS.contains(name),
                *data_type != DataType::Utf8,
                "{name}"
            );
        }
        assert!(
            NO_STATISTICS
                .iter()
                .all(|n| schema.field_with_name(n).is_ok())
        );
    }

    #[test]
    fn both_delivery_layouts_name_the_account() {
        let plain = classify(
            "logs/AWSLogs/222222222222/vpcflowlogs/us-east-1/2026/10/01/222222222222_vpcflowlogs_us-east-1_fl-1_20261001T0000Z_ab.log.gz",
        );
        assert_eq!(plain.kind, FlowLogFile::Text { gzip: true });
        assert_eq!(plain.account.as_deref(), Some("222222222222"));
        let hive = classify(
            "AWSLogs/aws-account-id=333333333333/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2026/month=10/day=01/x.log.parquet",
        );
        assert_eq!(hive.kind, FlowLogFile::Parquet);
        assert_eq!(hive.account.as_deref(), Some("333333333333"));
        let other = classify("AWSLogs/222222222222/CloudTrail/us-east-1/2026/10/01/x.json.gz");
        assert!(matches!(other.kind, FlowLogFile::Skipped(_)));
        let hive_other = classify(
            "AWSLogs/aws-account-id=333333333333/aws-service=elasticloadbalancing/x.log.gz",
        );
        assert!(matches!(hive_other.kind, FlowLogFile::Skipped(_)));
        assert!(matches!(
            classify("AWSLogs/aws-logs-write-test").kind,
            FlowLogFile::Skipped(_)
        ));
        let loose = classify("flows.txt");
        assert_eq!(loose.kind, FlowLogFile::Text { gzip: false });
        assert_eq!(loose.account, None);
    }
}
