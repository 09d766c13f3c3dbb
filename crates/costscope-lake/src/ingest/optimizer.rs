//! `ingest optimizer`: AWS Compute Optimizer EC2 exports and Cost Optimization Hub exports
//! (CSV, CSV.gz or Parquet; a file, a folder or an `s3://` prefix), told apart by their
//! header. Compute Optimizer rows go to `optimizer_ec2`, Cost Optimization Hub rows to
//! `optimizer_recommendations`, both partitioned by `export_date`: the latest UTC day among
//! the refresh timestamps of the file's rows (each row keeps its own timestamp).
//!
//! Every file is read and every value checked before anything is written; the first bad
//! value (unknown header, missing required column, a number that is not one, a truncated
//! gzip stream, two rows for the same resource in one export) refuses the whole ingest with
//! the file, line and column, and the lake is left as it was. The partitions of both tables
//! are published in one manifest swap.
//!
//! An export date is replaced whole: importing the same export again changes nothing, a
//! corrected export of the same day replaces it, and an export of another day is kept
//! beside the older ones as history (analyses read the latest export of each account).
//! CSVW metadata (`.json`) beside a Compute Optimizer CSV is skipped.

mod cells;
mod ec2;
mod hub;

use std::collections::BTreeMap;
use std::time::Instant;

use costscope_core::tables::{
    OPTIMIZER_EC2, OPTIMIZER_RECOMMENDATIONS, optimizer_ec2_schema,
    optimizer_recommendations_schema,
};
use serde::Serialize;

use super::tabular::to_batch;
use super::{IngestReport, PartitionReport, ingest_id};
use crate::lake::{Lake, TablePartitions};
use crate::source::Source;
use crate::writer::{TableLayout, TableWriter};
use crate::{Error, Result};

/// What one file turned out to be, with its checked rows.
enum Parsed {
    Ec2(Vec<(u64, ec2::Ec2Row)>),
    Hub(Vec<(u64, hub::HubRow)>),
}

/// Rows of one table by export date, each keyed to refuse duplicates.
struct Collected<R> {
    by_date: BTreeMap<String, Vec<R>>,
    seen: BTreeMap<(String, String), (String, u64)>,
}

impl<R> Default for Collected<R> {
    fn default() -> Self {
        Collected {
            by_date: BTreeMap::new(),
            seen: BTreeMap::new(),
        }
    }
}

impl<R> Collected<R> {
    /// Adds `row`, refusing a second row with the same key in the same export.
    fn add(
        &mut self,
        date: &str,
        key: &str,
        file: &str,
        line: u64,
        column: &str,
        row: R,
    ) -> Result<()> {
        let id = (date.to_string(), key.to_string());
        if let Some((first_file, first_line)) = self.seen.get(&id) {
            return Err(Error::InvalidValue {
                file: file.into(),
                line: Some(line),
                row: line,
                column: column.into(),
                message: format!(
                    "`{key}` appears twice in the export of {date} (first at {first_file}, line {first_line})"
                ),
            });
        }
        self.seen.insert(id, (file.to_string(), line));
        self.by_date.entry(date.to_string()).or_default().push(row);
        Ok(())
    }
}

/// Ingests Compute Optimizer EC2 and Cost Optimization Hub exports from `location` (a
/// local file or folder, or `s3://bucket/prefix`).
pub async fn ingest_optimizer(lake: &Lake, location: &str) -> Result<IngestReport> {
    ingest_optimizer_from(lake, Source::open(location)?).await
}

/// [`ingest_optimizer`] from an opened source.
pub async fn ingest_optimizer_from(lake: &Lake, source: Source) -> Result<IngestReport> {
    let started = Instant::now();
    let location = source.display().to_string();
    let objects = source.list().await?;
    let mut ec2_rows = Collected::default();
    let mut hub_rows = Collected::default();
    let mut files_read = 0;
    let mut ignored = std::collections::BTreeSet::new();
    let mut notes = Vec::new();
    for object in &objects {
        let name = source.describe(&object.location);
        if name.to_ascii_lowercase().ends_with(".json") {
            notes.push(format!("{name}: metadata, skipped"));
            continue;
        }
        let bytes = source.get_bytes(&object.location).await?;
        let export = cells::decode(bytes, &name)?;
        files_read += 1;
        match parse(&export)? {
            Parsed::Ec2(mut rows) => {
                ignored.extend(unused(&export, ec2::known));
                let date = export_date(rows.iter().map(|(_, r)| &r.export_date));
                for (line, mut row) in rows.drain(..) {
                    row.export_date = date.clone();
                    let (date, key) = (row.export_date.clone(), row.instance_arn.clone());
                    ec2_rows.add(&date, &key, &name, line, "instanceArn", row)?;
                }
            }
            Parsed::Hub(mut rows) => {
                ignored.extend(unused(&export, hub::known));
                let date = export_date(rows.iter().map(|(_, r)| &r.export_date));
                for (line, mut row) in rows.drain(..) {
                    row.export_date = date.clone();
                    let (date, key) = (row.export_date.clone(), row.recommendation_id.clone());
                    hub_rows.add(&date, &key, &name, line, "recommendation_id", row)?;
                }
            }
        }
    }
    if files_read == 0 {
        return Err(Error::EmptySource {
            source_path: location,
        });
    }
    let lock = lake.lock()?;
    lake.collect_garbage(&lock)?;
    let id = ingest_id();
    let mut tables = TablePartitions::new();
    let ec2_layout = TableLayout {
        table: OPTIMIZER_EC2,
        partition_key: "export_date",
        schema: optimizer_ec2_schema(),
        append_partition_column: false,
        sort_by: &["account_id", "instance_arn"],
        plain_columns: &[],
        no_statistics: &[],
        delta_columns: &[],
    };
    let hub_layout = TableLayout {
        table: OPTIMIZER_RECOMMENDATIONS,
        partition_key: "export_date",
        schema: optimizer_recommendations_schema(),
        append_partition_column: false,
        sort_by: &["account_id", "resource_arn", "recommendation_id"],
        plain_columns: &[],
        no_statistics: &[],
        delta_columns: &[],
    };
    let written = write_table(lake, &source, ec2_layout, &id, &ec2_rows.by_date).and_then(|ec2| {
        let hub = write_table(lake, &source, hub_layout, &id, &hub_rows.by_date);
        if hub.is_err() {
            discard(lake, &ec2);
        }
        Ok((ec2, hub?))
    });
    let (ec2, hub) = written?;
    for (table, partitions) in [(OPTIMIZER_EC2, ec2), (OPTIMIZER_RECOMMENDATIONS, hub)] {
        if !partitions.is_empty() {
            tables.insert(table.to_string(), partitions);
        }
    }
    let rows: Vec<(String, String, u64)> = tables
        .iter()
        .flat_map(|(t, ps)| ps.iter().map(move |(k, p)| (t.clone(), k.clone(), p.rows)))
        .collect();
    let changes = lake.publish_tables(&lock, tables)?;
    let partitions: Vec<PartitionReport> = rows
        .into_iter()
        .filter_map(|(table, key, rows)| {
            let change = *changes.get(&table)?.get(&key)?;
            Some(PartitionReport {
                partition: format!("{table}/export_date={key}"),
                rows,
                change,
            })
        })
        .collect();
    Ok(IngestReport {
        table: changes.keys().cloned().collect::<Vec<_>>().join(","),
        source: source.display().into(),
        rows: partitions.iter().map(|p| p.rows).sum(),
        partitions,
        files_read,
        ignored_columns: ignored.into_iter().collect(),
        malformed: Vec::new(),
        malformed_count: 0,
        notes,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The date of one export file: the latest refresh day of its rows (rows refreshed on
/// earlier days belong to the same export).
fn export_date<'a>(days: impl Iterator<Item = &'a String>) -> String {
    days.max().cloned().unwrap_or_default()
}

/// Tells the two exports apart by their header and checks every row.
fn parse(export: &cells::ExportFile) -> Result<Parsed> {
    if ec2::SIGNATURE.iter().all(|c| export.has(c)) {
        return Ok(Parsed::Ec2(ec2::rows(export)?));
    }
    if hub::SIGNATURE.iter().all(|c| export.has(c)) {
        return Ok(Parsed::Hub(hub::rows(export)?));
    }
    let first = export.header.first().cloned().unwrap_or_default();
    Err(export.header_error(
        &first,
        format!(
            "unrecognised header: neither a Compute Optimizer EC2 export (columns {}) nor a Cost Optimization Hub export (columns {})",
            ec2::SIGNATURE.join(", "),
            hub::SIGNATURE.join(", ")
        ),
    ))
}

/// Header columns the table has no place for.
fn unused(export: &cells::ExportFile, known: fn(&str) -> bool) -> Vec<String> {
    export
        .header
        .iter()
        .filter(|c| !known(c))
        .cloned()
        .collect()
}

/// Writes one table's rows, one partition per export date.
fn write_table<R: Serialize>(
    lake: &Lake,
    source: &Source,
    layout: TableLayout,
    ingest_id: &str,
    by_date: &BTreeMap<String, Vec<R>>,
) -> Result<BTreeMap<String, crate::lake::PartitionEntry>> {
    let schema = layout.schema.clone();
    let mut writer = TableWriter::new(lake.root(), layout, ingest_id, source.display());
    let outcome = by_date.iter().try_for_each(|(date, rows)| {
        let batch = to_batch(&schema, rows).map_err(|e| Error::Arrow {
            file: source.display().to_string(),
            source: e,
        })?;
        writer.write(date, batch)
    });
    writer.conclude(outcome)
}

/// Deletes the files of partitions that will not be published.
fn discard(lake: &Lake, partitions: &BTreeMap<String, crate::lake::PartitionEntry>) {
    for file in partitions.values().flat_map(|p| p.files.iter()) {
        let _ = std::fs::remove_file(lake.root().join(&file.path));
    }
}
