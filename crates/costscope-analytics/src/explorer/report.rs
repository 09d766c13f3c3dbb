//! The explorer's result: typed rows in Rust, flat objects with named columns in JSON,
//! and Arrow record batches for table and CSV output.

use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use chrono::NaiveDate;
use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};

use super::{Dimension, Filter, Granularity, Measure};
use crate::Result;

/// The label of the groups outside the top N, summed per period.
pub const OTHERS_LABEL: &str = "Others";

/// Cost (or usage) grouped by dimensions over time.
#[derive(Debug, Clone, PartialEq)]
pub struct CostReport {
    pub measure: Measure,
    pub granularity: Granularity,
    pub group_by: Vec<Dimension>,
    /// The dimension columns of each row, in order (service and account give two).
    pub dimension_columns: Vec<String>,
    pub filters: Vec<Filter>,
    /// First day of the range.
    pub from: NaiveDate,
    /// The day after the range (exclusive).
    pub to: NaiveDate,
    pub top: Option<usize>,
    /// Ordered by period, then the top groups by amount (largest first), `Others` last.
    pub rows: Vec<CostRow>,
    /// One total per unit (the currency for cost measures, the pricing unit for usage).
    pub totals: Vec<Total>,
    /// Present with `compare: previous-period`.
    pub comparison: Option<Comparison>,
}

/// One period of one group.
#[derive(Debug, Clone, PartialEq)]
pub struct CostRow {
    /// Period start: `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM:SS` for hourly.
    pub period: String,
    /// Values of [`CostReport::dimension_columns`], in order.
    pub dimensions: Vec<String>,
    pub amount: f64,
    /// Currency code for cost measures, pricing unit for usage.
    pub unit: String,
}

/// The sum of one unit's rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Total {
    pub unit: String,
    pub amount: f64,
}

/// The range against the same-length period right before it, per group.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// First day of the previous period.
    pub from: NaiveDate,
    /// The day after the previous period (the report's `from`).
    pub to: NaiveDate,
    /// Top groups by current amount (largest first), `Others` last.
    pub rows: Vec<ComparisonRow>,
    pub totals: Vec<ComparisonTotal>,
}

/// One group's amounts in the range and in the previous period.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonRow {
    pub dimensions: Vec<String>,
    pub unit: String,
    pub current: f64,
    pub previous: f64,
    pub change: f64,
    /// `change / previous × 100`; `None` when `previous` is zero.
    pub change_pct: Option<f64>,
}

/// One unit's totals in the range and in the previous period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComparisonTotal {
    pub unit: String,
    pub current: f64,
    pub previous: f64,
    pub change: f64,
    pub change_pct: Option<f64>,
}

/// Change and change % from `previous` to `current`.
pub(super) fn change(current: f64, previous: f64) -> (f64, Option<f64>) {
    let change = current - previous;
    let pct = (previous != 0.0).then(|| change / previous.abs() * 100.0);
    (change, pct)
}

impl CostReport {
    /// The columns of each row, in order: `period`, the dimension columns, `amount`, `unit`.
    pub fn columns(&self) -> Vec<String> {
        let mut columns = vec!["period".to_string()];
        columns.extend(self.dimension_columns.iter().cloned());
        columns.extend(["amount".to_string(), "unit".to_string()]);
        columns
    }

    /// The columns of each comparison row: the dimension columns, `unit`, `current`,
    /// `previous`, `change`, `change_pct`.
    pub fn comparison_columns(&self) -> Vec<String> {
        let mut columns = self.dimension_columns.clone();
        columns.extend(["unit", "current", "previous", "change", "change_pct"].map(String::from));
        columns
    }

    /// The rows as one record batch (strings, `amount` as Float64), for table and CSV.
    pub fn rows_batch(&self) -> Result<RecordBatch> {
        let mut fields = vec![Field::new("period", DataType::Utf8, false)];
        let mut arrays: Vec<ArrayRef> = vec![strings(self.rows.iter().map(|r| &r.period))];
        for (i, name) in self.dimension_columns.iter().enumerate() {
            fields.push(Field::new(name, DataType::Utf8, false));
            arrays.push(strings(self.rows.iter().map(|r| &r.dimensions[i])));
        }
        fields.push(Field::new("amount", DataType::Float64, false));
        arrays.push(floats(self.rows.iter().map(|r| Some(r.amount))));
        fields.push(Field::new("unit", DataType::Utf8, false));
        arrays.push(strings(self.rows.iter().map(|r| &r.unit)));
        Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?)
    }

    /// The comparison rows as one record batch (`None` without a comparison).
    pub fn comparison_batch(&self) -> Result<Option<RecordBatch>> {
        let Some(comparison) = &self.comparison else {
            return Ok(None);
        };
        let rows = &comparison.rows;
        let mut fields = Vec::new();
        let mut arrays: Vec<ArrayRef> = Vec::new();
        for (i, name) in self.dimension_columns.iter().enumerate() {
            fields.push(Field::new(name, DataType::Utf8, false));
            arrays.push(strings(rows.iter().map(|r| &r.dimensions[i])));
        }
        fields.push(Field::new("unit", DataType::Utf8, false));
        arrays.push(strings(rows.iter().map(|r| &r.unit)));
        let amounts: [(&str, Vec<Option<f64>>); 4] = [
            ("current", rows.iter().map(|r| Some(r.current)).collect()),
            ("previous", rows.iter().map(|r| Some(r.previous)).collect()),
            ("change", rows.iter().map(|r| Some(r.change)).collect()),
            ("change_pct", rows.iter().map(|r| r.change_pct).collect()),
        ];
        for (name, values) in amounts {
            fields.push(Field::new(name, DataType::Float64, name == "change_pct"));
            arrays.push(floats(values.into_iter()));
        }
        Ok(Some(RecordBatch::try_new(
            Arc::new(Schema::new(fields)),
            arrays,
        )?))
    }
}

fn strings<'a>(values: impl Iterator<Item = &'a String>) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(values))
}

fn floats(values: impl Iterator<Item = Option<f64>>) -> ArrayRef {
    Arc::new(values.collect::<Float64Array>())
}

/// The JSON form documented in `docs/cost.md`: rows are flat objects keyed by column.
impl Serialize for CostReport {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let names: Vec<String> = self.group_by.iter().map(ToString::to_string).collect();
        let filters: Vec<String> = self.filters.iter().map(ToString::to_string).collect();
        let mut out = serializer.serialize_struct("CostReport", 12)?;
        out.serialize_field("measure", &self.measure.to_string())?;
        out.serialize_field("granularity", &self.granularity.to_string())?;
        out.serialize_field("group_by", &names)?;
        out.serialize_field("columns", &self.columns())?;
        out.serialize_field("filters", &filters)?;
        out.serialize_field("from", &self.from.to_string())?;
        out.serialize_field("to", &self.to.to_string())?;
        out.serialize_field("top", &self.top)?;
        out.serialize_field(
            "rows",
            &Rows {
                names: &self.dimension_columns,
                rows: &self.rows,
            },
        )?;
        out.serialize_field("totals", &self.totals)?;
        out.serialize_field(
            "comparison",
            &self.comparison.as_ref().map(|comparison| ComparisonJson {
                from: comparison.from.to_string(),
                to: comparison.to.to_string(),
                columns: self.comparison_columns(),
                rows: Rows {
                    names: &self.dimension_columns,
                    rows: &comparison.rows,
                },
                totals: &comparison.totals,
            }),
        )?;
        out.end()
    }
}

#[derive(Serialize)]
struct ComparisonJson<'a> {
    from: String,
    to: String,
    columns: Vec<String>,
    rows: Rows<'a, ComparisonRow>,
    totals: &'a [ComparisonTotal],
}

/// Rows written as objects whose keys are the column names.
struct Rows<'a, R> {
    names: &'a [String],
    rows: &'a [R],
}

/// A row that writes itself as the entries of a JSON object.
trait NamedRow {
    fn write<M: SerializeMap>(&self, names: &[String], out: &mut M) -> Result<(), M::Error>;
}

impl NamedRow for CostRow {
    fn write<M: SerializeMap>(&self, names: &[String], out: &mut M) -> Result<(), M::Error> {
        out.serialize_entry("period", &self.period)?;
        for (name, value) in names.iter().zip(&self.dimensions) {
            out.serialize_entry(name, value)?;
        }
        out.serialize_entry("amount", &self.amount)?;
        out.serialize_entry("unit", &self.unit)
    }
}

impl NamedRow for ComparisonRow {
    fn write<M: SerializeMap>(&self, names: &[String], out: &mut M) -> Result<(), M::Error> {
        for (name, value) in names.iter().zip(&self.dimensions) {
            out.serialize_entry(name, value)?;
        }
        out.serialize_entry("unit", &self.unit)?;
        out.serialize_entry("current", &self.current)?;
        out.serialize_entry("previous", &self.previous)?;
        out.serialize_entry("change", &self.change)?;
        out.serialize_entry("change_pct", &self.change_pct)
    }
}

impl<R: NamedRow> Serialize for Rows<'_, R> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.rows.len()))?;
        for row in self.rows {
            seq.serialize_element(&Row {
                names: self.names,
                row,
            })?;
        }
        seq.end()
    }
}

struct Row<'a, R> {
    names: &'a [String],
    row: &'a R,
}

impl<R: NamedRow> Serialize for Row<'_, R> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        self.row.write(self.names, &mut map)?;
        map.end()
    }
}
