//! Turns CUR rows into Arrow record batches of the CUR 2.0 schema and hands them to the
//! [`delivery`](crate::delivery) thread, which writes them as AWS Data Exports does.
//!
//! Rows arrive as a few indices and numbers ([`Row`]); everything constant about a line
//! lives in small dimension arrays (one entry per template or owner) that are gathered with
//! Arrow's `take` kernel when a batch of 64Ki rows is flushed. Parquet encoding runs on a
//! second thread, so generation and compression overlap and memory stays bounded.

use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

use arrow::array::{
    ArrayRef, Float64Array, Float64Builder, MapBuilder, MapFieldNames, StringArray, StringBuilder,
    TimestampMillisecondArray, UInt32Array, new_null_array,
};
use arrow::buffer::{Buffer, NullBuffer, OffsetBuffer};
use arrow::compute::kernels::numeric::mul;
use arrow::compute::take;
use arrow::datatypes::DataType;
use arrow::record_batch::RecordBatch;
use costscope_core::cur::{self, Kind};

use crate::delivery::{EXPORT_NAME, Message, PeriodContext, PeriodOutput, write_files};
use crate::model::Org;
use crate::{Error, Result};

/// Rows per Arrow batch handed to the Parquet writer.
pub(crate) const BATCH_ROWS: usize = 64 * 1024;
/// Length of `identity_line_item_id`.
const LINE_ITEM_ID_LEN: usize = 52;

/// Per-row doubles that only some line-item types carry (NULL elsewhere).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Measure {
    SpEffectiveCost,
    SpRate,
    SpTotalCommitment,
    SpUsedCommitment,
    SpRecurringCommitment,
    SpAmortizedUpfront,
    RiEffectiveCost,
    RiAmortizedUpfrontForUsage,
    RiRecurringFeeForUsage,
    RiUnusedQuantity,
    RiUnusedRecurringFee,
    RiUnusedAmortizedUpfront,
    RiAmortizedUpfrontForPeriod,
    RiUpfrontValue,
}

impl Measure {
    const ALL: [Measure; 14] = [
        Measure::SpEffectiveCost,
        Measure::SpRate,
        Measure::SpTotalCommitment,
        Measure::SpUsedCommitment,
        Measure::SpRecurringCommitment,
        Measure::SpAmortizedUpfront,
        Measure::RiEffectiveCost,
        Measure::RiAmortizedUpfrontForUsage,
        Measure::RiRecurringFeeForUsage,
        Measure::RiUnusedQuantity,
        Measure::RiUnusedRecurringFee,
        Measure::RiUnusedAmortizedUpfront,
        Measure::RiAmortizedUpfrontForPeriod,
        Measure::RiUpfrontValue,
    ];

    /// The CUR column the measure fills.
    pub fn column(self) -> &'static str {
        match self {
            Measure::SpEffectiveCost => "savings_plan_savings_plan_effective_cost",
            Measure::SpRate => "savings_plan_savings_plan_rate",
            Measure::SpTotalCommitment => "savings_plan_total_commitment_to_date",
            Measure::SpUsedCommitment => "savings_plan_used_commitment",
            Measure::SpRecurringCommitment => {
                "savings_plan_recurring_commitment_for_billing_period"
            }
            Measure::SpAmortizedUpfront => {
                "savings_plan_amortized_upfront_commitment_for_billing_period"
            }
            Measure::RiEffectiveCost => "reservation_effective_cost",
            Measure::RiAmortizedUpfrontForUsage => "reservation_amortized_upfront_cost_for_usage",
            Measure::RiRecurringFeeForUsage => "reservation_recurring_fee_for_usage",
            Measure::RiUnusedQuantity => "reservation_unused_quantity",
            Measure::RiUnusedRecurringFee => "reservation_unused_recurring_fee",
            Measure::RiUnusedAmortizedUpfront => {
                "reservation_unused_amortized_upfront_fee_for_billing_period"
            }
            Measure::RiAmortizedUpfrontForPeriod => {
                "reservation_amortized_upfront_fee_for_billing_period"
            }
            Measure::RiUpfrontValue => "reservation_upfront_value",
        }
    }

    fn index(self) -> usize {
        Measure::ALL
            .iter()
            .position(|m| *m == self)
            .unwrap_or_default()
    }
}

/// One CUR row as the billing engine produces it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row {
    pub template: u32,
    pub owner: u32,
    /// Index into the period's interval table (see [`PeriodContext::intervals`]).
    pub interval: u32,
    pub start_ms: i64,
    pub end_ms: i64,
    pub usage_amount: f64,
    pub unblended_cost: f64,
    pub public_cost: f64,
}

/// Where each CUR column's values come from.
enum Source {
    Template(ArrayRef),
    Owner(ArrayRef),
    Row(RowField),
    Null(DataType),
}

#[derive(Clone, Copy)]
enum RowField {
    LineItemId,
    TimeInterval,
    UsageStart,
    UsageEnd,
    UsageAmount,
    UnblendedCost,
    PublicCost,
    NormalizedUsage,
    PeriodStart,
    PeriodEnd,
    InvoiceId,
    Measure(Measure),
}

fn row_field(column: &str) -> Option<RowField> {
    Some(match column {
        "identity_line_item_id" => RowField::LineItemId,
        "identity_time_interval" => RowField::TimeInterval,
        "line_item_usage_start_date" => RowField::UsageStart,
        "line_item_usage_end_date" => RowField::UsageEnd,
        "line_item_usage_amount" => RowField::UsageAmount,
        "line_item_unblended_cost" | "line_item_blended_cost" => RowField::UnblendedCost,
        "pricing_public_on_demand_cost" => RowField::PublicCost,
        "line_item_normalized_usage_amount" => RowField::NormalizedUsage,
        "bill_billing_period_start_date" => RowField::PeriodStart,
        "bill_billing_period_end_date" => RowField::PeriodEnd,
        "bill_invoice_id" => RowField::InvoiceId,
        other => {
            return Measure::ALL
                .iter()
                .find(|m| m.column() == other)
                .map(|m| RowField::Measure(*m));
        }
    })
}

fn string_map_builder() -> MapBuilder<StringBuilder, StringBuilder> {
    let names = MapFieldNames {
        entry: "key_value".into(),
        key: "key".into(),
        value: "value".into(),
    };
    MapBuilder::new(Some(names), StringBuilder::new(), StringBuilder::new())
}

fn string_map<I, K, V>(rows: impl Iterator<Item = I>) -> Result<ArrayRef>
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut builder = string_map_builder();
    for entries in rows {
        for (key, value) in entries {
            builder.keys().append_value(key);
            builder.values().append_value(value);
        }
        builder
            .append(true)
            .map_err(|e| arrow_error("dimension tables", e))?;
    }
    Ok(Arc::new(builder.finish()))
}

fn arrow_error(context: &str, source: arrow::error::ArrowError) -> Error {
    Error::Arrow {
        file: context.to_string(),
        source,
    }
}

/// Decides, once, where every CUR column comes from, and builds the dimension arrays.
fn plan_columns(org: &Org) -> Result<Vec<Source>> {
    let mut plan = Vec::with_capacity(cur::COLUMNS.len());
    for &(name, kind) in cur::COLUMNS {
        let source = if let Some(field) = row_field(name) {
            Source::Row(field)
        } else {
            match name {
                "line_item_usage_account_id" => {
                    Source::Owner(Arc::new(StringArray::from_iter_values(
                        org.owners.iter().map(|o| org.accounts[o.account].id),
                    )))
                }
                "line_item_usage_account_name" => {
                    Source::Owner(Arc::new(StringArray::from_iter_values(
                        org.owners.iter().map(|o| org.accounts[o.account].name),
                    )))
                }
                "line_item_resource_id" => Source::Owner(Arc::new(StringArray::from_iter(
                    org.owners.iter().map(|o| o.resource_id.as_deref()),
                ))),
                "line_item_availability_zone" => Source::Owner(Arc::new(StringArray::from_iter(
                    org.owners.iter().map(|o| o.availability_zone),
                ))),
                "resource_tags" => Source::Owner(string_map(
                    org.owners
                        .iter()
                        .map(|o| o.tags.iter().map(|(k, v)| (*k, v.as_str()))),
                )?),
                "cost_category" => Source::Owner(string_map(
                    org.owners
                        .iter()
                        .map(|o| [("business_unit", org.accounts[o.account].business_unit)]),
                )?),
                "product" => Source::Template(string_map(
                    org.templates
                        .iter()
                        .map(|t| t.product.iter().map(|(k, v)| (*k, v.as_str()))),
                )?),
                _ => template_column(org, name, kind),
            }
        };
        plan.push(source);
    }
    Ok(plan)
}

fn template_column(org: &Org, name: &str, kind: Kind) -> Source {
    match kind {
        Kind::Str if org.templates.iter().any(|t| t.get(name).is_some()) => {
            Source::Template(Arc::new(StringArray::from_iter(
                org.templates.iter().map(|t| t.get(name)),
            )))
        }
        Kind::F64
            if org
                .templates
                .iter()
                .any(|t| t.doubles.iter().any(|(c, _)| *c == name)) =>
        {
            let mut builder = Float64Builder::with_capacity(org.templates.len());
            for t in &org.templates {
                builder.append_option(t.doubles.iter().find(|(c, _)| *c == name).map(|(_, v)| *v));
            }
            Source::Template(Arc::new(builder.finish()))
        }
        _ => Source::Null(kind.data_type()),
    }
}

/// Rows collected since the last flush.
#[derive(Default)]
struct RowBuffer {
    templates: Vec<u32>,
    owners: Vec<u32>,
    intervals: Vec<u32>,
    starts: Vec<i64>,
    ends: Vec<i64>,
    usage: Vec<f64>,
    unblended: Vec<f64>,
    public_cost: Vec<f64>,
    line_item_ids: Vec<u8>,
    /// Per measure: (row, value) of the rows that carry it.
    measures: Vec<Vec<(u32, f64)>>,
}

impl RowBuffer {
    fn with_capacity(rows: usize) -> Self {
        RowBuffer {
            templates: Vec::with_capacity(rows),
            owners: Vec::with_capacity(rows),
            intervals: Vec::with_capacity(rows),
            starts: Vec::with_capacity(rows),
            ends: Vec::with_capacity(rows),
            usage: Vec::with_capacity(rows),
            unblended: Vec::with_capacity(rows),
            public_cost: Vec::with_capacity(rows),
            line_item_ids: Vec::with_capacity(rows * LINE_ITEM_ID_LEN),
            measures: vec![Vec::new(); Measure::ALL.len()],
        }
    }

    fn len(&self) -> usize {
        self.templates.len()
    }
}

/// Streams rows into Parquet chunks and manifests.
pub(crate) struct CurWriter {
    plan: Vec<Source>,
    /// `line_item_normalization_factor` of every template.
    normalization_factors: ArrayRef,
    buffer: RowBuffer,
    period: PeriodContext,
    intervals: ArrayRef,
    line_item_ids: rand_chacha::ChaCha8Rng,
    seed: u64,
    sender: Option<SyncSender<Message>>,
    thread: Option<JoinHandle<Result<Vec<PeriodOutput>>>>,
    on_flush: Box<dyn FnMut(u64)>,
}

impl CurWriter {
    /// Prepares the dimension arrays and starts the writer thread for `export_root`.
    pub fn start(
        org: &Org,
        export_root: &Path,
        seed: u64,
        on_flush: Box<dyn FnMut(u64)>,
    ) -> Result<Self> {
        let plan = plan_columns(org)?;
        let normalization_factors =
            match template_column(org, "line_item_normalization_factor", Kind::F64) {
                Source::Template(array) => array,
                _ => new_null_array(&DataType::Float64, org.templates.len()),
            };
        let (sender, receiver) = sync_channel(1);
        let root = export_root.to_path_buf();
        let thread = std::thread::Builder::new()
            .name("cur-parquet-writer".into())
            .spawn(move || write_files(receiver, root))
            .map_err(|e| Error::io(export_root, e))?;
        Ok(CurWriter {
            plan,
            normalization_factors,
            buffer: RowBuffer::with_capacity(BATCH_ROWS),
            period: PeriodContext::default(),
            intervals: new_null_array(&DataType::Utf8, 0),
            line_item_ids: rand::SeedableRng::seed_from_u64(seed),
            seed,
            sender: Some(sender),
            thread: Some(thread),
            on_flush,
        })
    }

    /// Starts a billing period; rows pushed until [`CurWriter::end_period`] belong to it.
    pub fn begin_period(&mut self, period: PeriodContext) -> Result<()> {
        self.intervals = Arc::new(StringArray::from_iter_values(period.intervals.iter()));
        self.line_item_ids = rand::SeedableRng::seed_from_u64(
            self.seed ^ crate::traffic::mix64(period.start_ms as u64),
        );
        self.send(Message::BeginPeriod(period.label.clone()))?;
        self.period = period;
        Ok(())
    }

    /// Appends one row; `measures` are its type-specific doubles.
    pub fn push(&mut self, row: &Row, measures: &[(Measure, f64)]) -> Result<()> {
        let b = &mut self.buffer;
        let index = b.templates.len() as u32;
        b.templates.push(row.template);
        b.owners.push(row.owner);
        b.intervals.push(row.interval);
        b.starts.push(row.start_ms);
        b.ends.push(row.end_ms);
        b.usage.push(row.usage_amount);
        b.unblended.push(row.unblended_cost);
        b.public_cost.push(row.public_cost);
        push_line_item_id(&mut b.line_item_ids, &mut self.line_item_ids);
        for (measure, value) in measures {
            b.measures[measure.index()].push((index, *value));
        }
        if b.len() >= BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    /// Flushes the period's last rows and has its manifest written.
    pub fn end_period(&mut self) -> Result<()> {
        self.flush()?;
        let period = std::mem::take(&mut self.period);
        self.send(Message::EndPeriod(Box::new(period)))
    }

    /// Waits for the writer thread and returns what it wrote.
    pub fn finish(mut self) -> Result<Vec<PeriodOutput>> {
        self.sender = None;
        self.join()
    }

    fn join(&mut self) -> Result<Vec<PeriodOutput>> {
        match self.thread.take() {
            // A panic in the writer is a bug: let it surface as one.
            Some(thread) => thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            None => Ok(Vec::new()),
        }
    }

    fn send(&mut self, message: Message) -> Result<()> {
        let sent = self
            .sender
            .as_ref()
            .map(|s| s.send(message).is_ok())
            .unwrap_or(false);
        if sent {
            return Ok(());
        }
        // The writer stopped early: its error explains why.
        self.sender = None;
        self.join()?;
        Err(Error::io(
            EXPORT_NAME,
            std::io::Error::other("the Parquet writer thread stopped"),
        ))
    }

    fn flush(&mut self) -> Result<()> {
        let rows = self.buffer.len();
        if rows == 0 {
            return Ok(());
        }
        let batch = self.build_batch()?;
        self.send(Message::Batch(batch))?;
        (self.on_flush)(rows as u64);
        Ok(())
    }

    fn build_batch(&mut self) -> Result<RecordBatch> {
        let period = &self.period;
        let context = format!("generated CUR rows of {}", period.label);
        let err = |e| arrow_error(&context, e);
        let b = std::mem::replace(&mut self.buffer, RowBuffer::with_capacity(BATCH_ROWS));
        let n = b.len();
        let templates = UInt32Array::from(b.templates);
        let owners = UInt32Array::from(b.owners);
        let intervals = UInt32Array::from(b.intervals);
        let usage: ArrayRef = Arc::new(Float64Array::from(b.usage));
        let unblended: ArrayRef = Arc::new(Float64Array::from(b.unblended));
        let public_cost: ArrayRef = Arc::new(Float64Array::from(b.public_cost));
        let starts: ArrayRef = Arc::new(TimestampMillisecondArray::from(b.starts));
        let ends: ArrayRef = Arc::new(TimestampMillisecondArray::from(b.ends));
        let ids = StringArray::try_new(
            OffsetBuffer::from_lengths(std::iter::repeat_n(LINE_ITEM_ID_LEN, n)),
            Buffer::from_vec(b.line_item_ids),
            None,
        )
        .map_err(err)?;
        let line_item_ids: ArrayRef = Arc::new(ids);
        let interval_texts = &self.intervals;

        let mut columns = Vec::with_capacity(self.plan.len());
        for source in &self.plan {
            let column: ArrayRef = match source {
                Source::Template(values) => take(values.as_ref(), &templates, None).map_err(err)?,
                Source::Owner(values) => take(values.as_ref(), &owners, None).map_err(err)?,
                Source::Null(data_type) => new_null_array(data_type, n),
                Source::Row(field) => match field {
                    RowField::LineItemId => line_item_ids.clone(),
                    RowField::TimeInterval => {
                        take(interval_texts.as_ref(), &intervals, None).map_err(err)?
                    }
                    RowField::UsageStart => starts.clone(),
                    RowField::UsageEnd => ends.clone(),
                    RowField::UsageAmount => usage.clone(),
                    RowField::UnblendedCost => unblended.clone(),
                    RowField::PublicCost => public_cost.clone(),
                    RowField::NormalizedUsage => {
                        let factors = take(self.normalization_factors.as_ref(), &templates, None)
                            .map_err(err)?;
                        mul(&usage, &factors).map_err(err)?
                    }
                    RowField::PeriodStart => {
                        Arc::new(TimestampMillisecondArray::from(vec![period.start_ms; n]))
                    }
                    RowField::PeriodEnd => {
                        Arc::new(TimestampMillisecondArray::from(vec![period.end_ms; n]))
                    }
                    RowField::InvoiceId => match &period.invoice_id {
                        Some(id) => {
                            Arc::new(StringArray::from_iter_values(std::iter::repeat_n(id, n)))
                        }
                        None => new_null_array(&DataType::Utf8, n),
                    },
                    RowField::Measure(measure) => sparse_column(&b.measures[measure.index()], n),
                },
            };
            columns.push(column);
        }
        RecordBatch::try_new(cur::schema(), columns).map_err(err)
    }
}

impl Drop for CurWriter {
    fn drop(&mut self) {
        // Closing the channel lets the thread finish; errors were reported by `finish`.
        self.sender = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn sparse_column(values: &[(u32, f64)], rows: usize) -> ArrayRef {
    if values.is_empty() {
        return new_null_array(&DataType::Float64, rows);
    }
    let mut dense = vec![0.0; rows];
    let mut valid = vec![false; rows];
    for &(row, value) in values {
        dense[row as usize] = value;
        valid[row as usize] = true;
    }
    Arc::new(Float64Array::new(
        dense.into(),
        Some(NullBuffer::from(valid)),
    ))
}

/// Appends a 52-character lower-case base32 line-item id.
fn push_line_item_id(out: &mut Vec<u8>, rng: &mut rand_chacha::ChaCha8Rng) {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut id = [0u8; LINE_ITEM_ID_LEN];
    for chunk in id.chunks_mut(13) {
        let mut bits = rand::RngCore::next_u64(rng);
        for c in chunk {
            *c = ALPHABET[(bits & 31) as usize];
            bits >>= 5;
        }
    }
    out.extend_from_slice(&id);
}
