//! Rows on their way to the lake: one set of column builders per open
//! `date=…/aws_account_id=…` partition, handed to the writer in batches. At most
//! [`MAX_OPEN`] partitions are open at a time (the least recently used is flushed and its
//! file closed), so memory does not grow with the input.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, Int32Builder, Int64Builder, RecordBatch, StringArray, StringBuilder,
};
use arrow::datatypes::{DataType, SchemaRef};
use costscope_core::tables::{FLOW_LOG_FIELDS, FLOW_LOGS, flow_logs_schema};

use crate::writer::BackgroundWriter;
use crate::{Error, Result};

/// Rows gathered per partition before they go to the writer.
pub(super) const BATCH_ROWS: usize = 32 * 1024;
/// Partitions with builders (and an open file in the writer) at a time.
const MAX_OPEN: usize = 6;

/// The manifest key (and folder below `flow_logs/`) of a partition.
pub fn partition_key(date: &str, account: &str) -> String {
    format!("date={date}/aws_account_id={account}")
}

/// `YYYY-MM-DD` of a UTC day number (days since 1970-01-01).
pub(super) fn day_label(day: i64) -> Option<String> {
    let time = chrono::DateTime::from_timestamp(day.checked_mul(86_400)?, 0)?;
    Some(time.format("%Y-%m-%d").to_string())
}

/// A column builder for one flow-log field.
pub(super) enum Column {
    Str(StringBuilder),
    I32(Int32Builder),
    I64(Int64Builder),
}

impl Column {
    fn new(data_type: &DataType) -> Self {
        match data_type {
            DataType::Int32 => Column::I32(Int32Builder::with_capacity(BATCH_ROWS)),
            DataType::Int64 => Column::I64(Int64Builder::with_capacity(BATCH_ROWS)),
            _ => Column::Str(StringBuilder::with_capacity(BATCH_ROWS, BATCH_ROWS * 12)),
        }
    }

    pub(super) fn append_nulls(&mut self, n: usize) {
        match self {
            Column::Str(b) => b.append_nulls(n),
            Column::I32(b) => b.append_nulls(n),
            Column::I64(b) => b.append_nulls(n),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Column::Str(b) => Arc::new(b.finish()),
            Column::I32(b) => Arc::new(b.finish()),
            Column::I64(b) => Arc::new(b.finish()),
        }
    }
}

/// One open partition.
pub(super) struct Open {
    pub(super) day: i64,
    pub(super) account: String,
    key: String,
    date: String,
    pub(super) columns: Vec<Column>,
    pub(super) rows: usize,
    last_used: u64,
}

/// The open partitions of one ingest and the writer they feed.
pub(super) struct Partitions<'w> {
    writer: &'w BackgroundWriter,
    schema: SchemaRef,
    open: Vec<Open>,
    clock: u64,
    /// Dates written, for replacing partitions of the old date-only layout.
    pub(super) dates: std::collections::BTreeSet<String>,
}

impl<'w> Partitions<'w> {
    pub(super) fn new(writer: &'w BackgroundWriter) -> Self {
        Partitions {
            writer,
            schema: flow_logs_schema(),
            open: Vec::new(),
            clock: 0,
            dates: Default::default(),
        }
    }

    /// The index of the open partition for (`day`, `account`), opening it if needed.
    pub(super) fn index(&mut self, day: i64, account: &str) -> Result<usize> {
        self.clock += 1;
        if let Some(i) = self
            .open
            .iter()
            .position(|o| o.day == day && o.account == account)
        {
            self.open[i].last_used = self.clock;
            return Ok(i);
        }
        if self.open.len() >= MAX_OPEN {
            let oldest = self
                .open
                .iter()
                .enumerate()
                .min_by_key(|(_, o)| o.last_used)
                .map(|(i, _)| i)
                .unwrap_or(0);
            let mut evicted = self.open.swap_remove(oldest);
            self.flush(&mut evicted)?;
            self.writer.close_partition(&evicted.key);
        }
        let date = day_label(day).ok_or_else(|| Error::InvalidSource {
            source_path: FLOW_LOGS.into(),
            reason: format!("day {day} is out of range"),
        })?;
        self.dates.insert(date.clone());
        self.open.push(Open {
            day,
            account: account.to_owned(),
            key: partition_key(&date, account),
            date,
            columns: FLOW_LOG_FIELDS
                .iter()
                .map(|(_, t)| Column::new(t))
                .collect(),
            rows: 0,
            last_used: self.clock,
        });
        Ok(self.open.len() - 1)
    }

    /// The open partition at `index` (from [`Partitions::index`]).
    pub(super) fn get(&mut self, index: usize) -> &mut Open {
        &mut self.open[index]
    }

    /// How many more rows the batch of the partition at `index` takes.
    pub(super) fn room(&self, index: usize) -> usize {
        BATCH_ROWS - self.open[index].rows
    }

    /// Counts `rows` appended to the partition at `index` (at most its [`Partitions::room`])
    /// and sends its batch to the writer when full.
    pub(super) fn rows_added(&mut self, index: usize, rows: usize) -> Result<()> {
        let open = &mut self.open[index];
        open.rows += rows;
        if open.rows >= BATCH_ROWS {
            let batch = finish(&self.schema, open)?;
            self.writer.write(&open.key, batch)?;
        }
        Ok(())
    }

    /// Hands a batch of the flow-log fields (typed inputs) to the writer.
    pub(super) fn write_batch(
        &mut self,
        day: i64,
        account: &str,
        fields: Vec<ArrayRef>,
    ) -> Result<()> {
        let index = self.index(day, account)?;
        let open = &self.open[index];
        let rows = fields.first().map(|c| c.len()).unwrap_or(0);
        let batch = with_partition_columns(&self.schema, fields, &open.date, &open.account, rows)?;
        self.writer.write(&open.key, batch)
    }

    /// Sends every partial batch to the writer.
    pub(super) fn finish(mut self) -> Result<()> {
        let mut open = std::mem::take(&mut self.open);
        for partition in &mut open {
            self.flush(partition)?;
        }
        Ok(())
    }

    fn flush(&self, open: &mut Open) -> Result<()> {
        if open.rows == 0 {
            return Ok(());
        }
        let batch = finish(&self.schema, open)?;
        self.writer.write(&open.key, batch)
    }
}

fn finish(schema: &SchemaRef, open: &mut Open) -> Result<RecordBatch> {
    let rows = open.rows;
    open.rows = 0;
    let columns: Vec<ArrayRef> = open.columns.iter_mut().map(Column::finish).collect();
    with_partition_columns(schema, columns, &open.date, &open.account, rows)
}

fn with_partition_columns(
    schema: &SchemaRef,
    mut columns: Vec<ArrayRef>,
    date: &str,
    account: &str,
    rows: usize,
) -> Result<RecordBatch> {
    columns.push(Arc::new(StringArray::from(vec![date; rows])));
    columns.push(Arc::new(StringArray::from(vec![account; rows])));
    RecordBatch::try_new(schema.clone(), columns).map_err(|source| Error::Arrow {
        file: FLOW_LOGS.into(),
        source,
    })
}
