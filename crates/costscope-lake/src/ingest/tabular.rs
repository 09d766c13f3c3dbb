//! `ingest inventory` and `ingest metrics`: small tabular inputs (JSON lines, a JSON
//! array, or CSV with a header) validated record by record, so an error names the file,
//! line and field. Each file is the complete data of the months it covers: those months
//! are replaced, others kept. Nothing is written until every record has passed.

mod metrics;

use std::collections::BTreeMap;
use std::time::Instant;

use arrow::datatypes::SchemaRef;
use arrow::json::ReaderBuilder;
use chrono::NaiveDate;
use costscope_core::tables::{
    BUSINESS_METRICS, INVENTORY, business_metrics_schema, inventory_schema,
};
use object_store::ObjectMeta;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{IngestReport, ReadSummary, ingest_id, publish};
use crate::lake::Lake;
use crate::source::Source;
use crate::writer::{TableLayout, TableWriter};
use crate::{Error, Result};

/// One inventory record: which resource held an IP or ENI on a date.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InventoryRecord {
    pub date: String,
    #[serde(default)]
    pub ip_address: Option<String>,
    #[serde(default)]
    pub eni_id: Option<String>,
    pub resource_id: String,
    pub resource_type: String,
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub availability_zone: Option<String>,
    #[serde(default)]
    pub az_id: Option<String>,
    #[serde(default)]
    pub subnet_id: Option<String>,
    #[serde(default)]
    pub vpc_id: Option<String>,
    #[serde(default)]
    pub nat_gateway_id: Option<String>,
    #[serde(default, deserialize_with = "tags_object_or_json_text")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// One business metric value.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetricRecord {
    pub date: String,
    pub metric: String,
    pub value: f64,
    #[serde(default)]
    pub app: Option<String>,
    #[serde(default)]
    pub team: Option<String>,
}

trait Dated {
    fn date(&self) -> &str;
    fn validate(&self) -> std::result::Result<(), String>;
}

impl Dated for InventoryRecord {
    fn date(&self) -> &str {
        &self.date
    }
    fn validate(&self) -> std::result::Result<(), String> {
        if self.ip_address.is_none() && self.eni_id.is_none() {
            return Err("a record needs `ip_address` or `eni_id`".into());
        }
        if self.resource_id.trim().is_empty() {
            return Err("`resource_id` is empty".into());
        }
        Ok(())
    }
}

/// Ingests a resource inventory file.
pub async fn ingest_inventory(lake: &Lake, location: &str) -> Result<IngestReport> {
    let layout = TableLayout {
        table: INVENTORY,
        partition_key: "month",
        schema: inventory_schema(),
        append_partition_column: false,
        sort_by: &["date", "ip_address"],
        plain_columns: &[],
        no_statistics: &[],
        delta_columns: &[],
    };
    ingest_records::<InventoryRecord>(lake, location, layout).await
}

/// Ingests business metrics: a file (or every file under a prefix) of CSV with a header,
/// a JSON array or JSON lines, with columns `date`, `metric`, `value` and optionally
/// `app`, `team`. Any bad record, or two different values for the same (date, metric,
/// app, team), refuses the whole ingest with the file, line and column, and the lake is
/// left as it was.
pub async fn ingest_metrics(lake: &Lake, location: &str) -> Result<IngestReport> {
    let layout = TableLayout {
        table: BUSINESS_METRICS,
        partition_key: "month",
        schema: business_metrics_schema(),
        append_partition_column: false,
        sort_by: &["date", "metric"],
        plain_columns: &[],
        no_statistics: &[],
        delta_columns: &[],
    };
    let started = Instant::now();
    let (source, objects) = open_inputs(location).await?;
    let mut records = Vec::new();
    for object in &objects {
        let name = source.describe(&object.location);
        let bytes = source.get_bytes(&object.location).await?;
        for (line, record) in metrics::parse(&bytes, &name)? {
            let origin = metrics::Origin {
                file: name.clone(),
                line,
            };
            records.push((origin, record));
        }
    }
    let mut by_month: BTreeMap<String, Vec<MetricRecord>> = BTreeMap::new();
    for record in metrics::deduplicate(records)? {
        // The date was checked when parsed.
        let month = month_of(&record.date).unwrap_or_default();
        by_month.entry(month).or_default().push(record);
    }
    write_months(
        lake,
        &source,
        location,
        layout,
        by_month,
        objects.len(),
        started,
    )
}

async fn ingest_records<R>(lake: &Lake, location: &str, layout: TableLayout) -> Result<IngestReport>
where
    R: DeserializeOwned + Serialize + Dated,
{
    let started = Instant::now();
    let (source, objects) = open_inputs(location).await?;
    let mut by_month: BTreeMap<String, Vec<R>> = BTreeMap::new();
    for object in &objects {
        let name = source.describe(&object.location);
        let bytes = source.get_bytes(&object.location).await?;
        for (line, record) in parse_records::<R>(&bytes, &name)? {
            let month = month_of(record.date()).ok_or_else(|| Error::Malformed {
                file: name.clone(),
                line,
                message: format!("`date` is not a YYYY-MM-DD date: `{}`", record.date()),
            })?;
            record.validate().map_err(|message| Error::Malformed {
                file: name.clone(),
                line,
                message,
            })?;
            by_month.entry(month).or_default().push(record);
        }
    }
    write_months(
        lake,
        &source,
        location,
        layout,
        by_month,
        objects.len(),
        started,
    )
}

/// Opens `location` and lists its files, refusing a source that holds none.
async fn open_inputs(location: &str) -> Result<(Source, Vec<ObjectMeta>)> {
    let source = Source::open(location)?;
    let objects = source.list().await?;
    if objects.is_empty() {
        return Err(Error::EmptySource {
            source_path: location.into(),
        });
    }
    Ok((source, objects))
}

/// Writes validated records, one partition per month, and publishes them at once.
fn write_months<R: Serialize>(
    lake: &Lake,
    source: &Source,
    location: &str,
    layout: TableLayout,
    by_month: BTreeMap<String, Vec<R>>,
    files_read: usize,
    started: Instant,
) -> Result<IngestReport> {
    if by_month.is_empty() {
        return Err(Error::EmptySource {
            source_path: location.into(),
        });
    }
    let table = layout.table;
    let schema = layout.schema.clone();
    let lock = lake.lock()?;
    lake.collect_garbage(&lock)?;
    let mut writer = TableWriter::new(lake.root(), layout, &ingest_id(), source.display());
    let outcome = by_month.iter().try_for_each(|(month, records)| {
        let batch = to_batch(&schema, records).map_err(|source| Error::Arrow {
            file: location.into(),
            source,
        })?;
        writer.write(month, batch)
    });
    let partitions = writer.conclude(outcome)?;
    let read = ReadSummary {
        table,
        source: source.display().into(),
        files_read,
        ignored_columns: Vec::new(),
        malformed: Vec::new(),
        malformed_count: 0,
        started,
    };
    publish(lake, &lock, partitions, read)
}

/// The text of a file, or the line of its first invalid byte.
fn utf8<'a>(bytes: &'a [u8], file: &str) -> Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|e| Error::Malformed {
        file: file.into(),
        line: 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64,
        message: "not valid UTF-8".into(),
    })
}

/// Parses JSON lines, a JSON array, or CSV with a header, keeping each record's line.
fn parse_records<R: DeserializeOwned>(bytes: &[u8], file: &str) -> Result<Vec<(u64, R)>> {
    let text = utf8(bytes, file)?;
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        let records: Vec<R> = serde_json::from_str(text).map_err(|e| Error::Malformed {
            file: file.into(),
            line: e.line() as u64,
            message: e.to_string(),
        })?;
        let lines = metrics::array_element_lines(text);
        return Ok(records
            .into_iter()
            .enumerate()
            .map(|(index, r)| (lines.get(index).copied().unwrap_or(1), r))
            .collect());
    }
    if trimmed.starts_with('{') {
        let mut records = Vec::new();
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let record = serde_json::from_str(line).map_err(|e| Error::Malformed {
                file: file.into(),
                line: index as u64 + 1,
                message: e.to_string(),
            })?;
            records.push((index as u64 + 1, record));
        }
        return Ok(records);
    }
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let csv_error = |e: csv::Error| {
        let line = e.position().map(|p| p.line()).unwrap_or(0);
        Error::Malformed {
            file: file.into(),
            line,
            message: csv_message(&e),
        }
    };
    let headers = reader.headers().map_err(csv_error)?.clone();
    let mut records = Vec::new();
    let mut row = csv::StringRecord::new();
    while reader.read_record(&mut row).map_err(csv_error)? {
        let line = row.position().map(|p| p.line()).unwrap_or(0);
        let record = row
            .deserialize::<R>(Some(&headers))
            .map_err(|e| Error::Malformed {
                file: file.into(),
                line,
                message: csv_message(&e),
            })?;
        records.push((line, record));
    }
    Ok(records)
}

fn csv_message(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Deserialize { err, .. } => match err.field() {
            Some(field) => format!("column {}: {}", field + 1, err.kind()),
            None => err.kind().to_string(),
        },
        _ => error.to_string(),
    }
}

/// `YYYY-MM` of a `YYYY-MM-DD` date.
fn month_of(date: &str) -> Option<String> {
    NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .ok()
        .map(|d| d.format("%Y-%m").to_string())
}

pub(crate) fn to_batch<R: Serialize>(
    schema: &SchemaRef,
    records: &[R],
) -> arrow::error::Result<arrow::array::RecordBatch> {
    let mut decoder = ReaderBuilder::new(schema.clone())
        .with_batch_size(records.len().max(1))
        .build_decoder()?;
    decoder.serialize(records)?;
    decoder
        .flush()?
        .ok_or_else(|| arrow::error::ArrowError::JsonError("no rows".into()))
}

/// Tags arrive as a JSON object (JSON inputs) or as JSON text in one CSV field.
fn tags_object_or_json_text<'de, D>(
    deserializer: D,
) -> std::result::Result<Option<BTreeMap<String, String>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Tags {
        Object(BTreeMap<String, String>),
        Text(String),
    }
    match Option::<Tags>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Tags::Object(map)) => Ok(Some(map)),
        Some(Tags::Text(text)) if text.trim().is_empty() => Ok(None),
        Some(Tags::Text(text)) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| serde::de::Error::custom(format!("`tags` is not a JSON object: {e}"))),
    }
}
