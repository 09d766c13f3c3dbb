//! Printing results as a table, CSV (header row, plain values, empty for NULL) or JSON
//! (an array of objects, one per row; NULL as null).

use std::io::Write;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use costscope_query::QueryResult;

use crate::args::Format;

/// Writes a query result to stdout in `format`. A reader that stops early (`| head`)
/// is not an error.
pub fn print_result(result: &QueryResult, format: Format) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = write_result(&mut out, &result.schema, &result.batches, format)
        .and_then(|()| Ok(out.flush()?));
    ignore_broken_pipe(written)
}

/// `println!` that returns the write error instead of panicking when the reader has gone
/// (`costscope … | head`); [`is_broken_pipe`] errors end the program quietly.
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)
    }};
}

/// Writes one line to stdout; a reader that stopped early (`| head`) is not an error.
pub fn line(text: &str) -> anyhow::Result<()> {
    ignore_broken_pipe(outln!("{text}").map_err(Into::into))
}

/// Writes each line to stdout (see [`line`]).
pub fn lines<S: AsRef<str>>(texts: impl IntoIterator<Item = S>) -> anyhow::Result<()> {
    texts.into_iter().try_for_each(|text| line(text.as_ref()))
}

/// Writes a grid of formatted cells as a table.
pub fn print_grid(grid: &costscope_app::present::Grid) -> anyhow::Result<()> {
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::ASCII_MARKDOWN);
    table.set_header(&grid.header);
    for row in &grid.rows {
        table.add_row(row);
    }
    line(&table.to_string())
}

/// Writes a query result built from one batch (see [`print_result`]).
pub fn print_batch(batch: arrow::array::RecordBatch, format: Format) -> anyhow::Result<()> {
    print_result(&costscope_app::present::result(batch), format)
}

/// True when `error` comes from writing to a closed pipe: not a failure of the command.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.to_string().contains("Broken pipe")
    })
}

fn ignore_broken_pipe(result: anyhow::Result<()>) -> anyhow::Result<()> {
    match result {
        Err(e) if is_broken_pipe(&e) => Ok(()),
        other => other,
    }
}

/// Writes batches to `out` in `format`.
pub fn write_result(
    out: &mut dyn Write,
    schema: &SchemaRef,
    batches: &[RecordBatch],
    format: Format,
) -> anyhow::Result<()> {
    match format {
        Format::Table => {
            let table = if batches.iter().all(|b| b.num_rows() == 0) {
                arrow::util::pretty::pretty_format_batches_with_schema(schema.clone(), &[])?
                    .to_string()
            } else {
                let options = FormatOptions::default().with_null("NULL");
                arrow::util::pretty::pretty_format_batches_with_options(batches, &options)?
                    .to_string()
            };
            writeln!(out, "{table}")?;
        }
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(out);
            writer.write_record(schema.fields().iter().map(|f| f.name()))?;
            let options = FormatOptions::default().with_null("");
            for batch in batches {
                let formatters = batch
                    .columns()
                    .iter()
                    .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
                    .collect::<Result<Vec<_>, _>>()?;
                for row in 0..batch.num_rows() {
                    writer.write_record(formatters.iter().map(|f| f.value(row).to_string()))?;
                }
            }
            writer.flush()?;
        }
        Format::Json => {
            let mut writer = arrow::json::ArrayWriter::new(Vec::new());
            let refs: Vec<&RecordBatch> = batches.iter().collect();
            writer.write_batches(&refs)?;
            writer.finish()?;
            let bytes = writer.into_inner();
            if bytes.is_empty() {
                writeln!(out, "[]")?;
            } else {
                out.write_all(&bytes)?;
                writeln!(out)?;
            }
        }
    }
    Ok(())
}

/// Writes a serialisable report: JSON as is; table and CSV as `key,value` rows of its
/// top-level fields (nested values as compact JSON).
pub fn print_report<T: serde::Serialize>(report: &T, format: Format) -> anyhow::Result<()> {
    let value = serde_json::to_value(report)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    ignore_broken_pipe(write_report(&mut out, &value, format))
}

fn write_report(
    out: &mut dyn Write,
    value: &serde_json::Value,
    format: Format,
) -> anyhow::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, value)?;
            writeln!(out)?;
        }
        Format::Csv | Format::Table => {
            let fields: Vec<(String, String)> = match value {
                serde_json::Value::Object(map) => {
                    map.iter().map(|(k, v)| (k.clone(), plain(v))).collect()
                }
                other => vec![("value".into(), plain(other))],
            };
            if format == Format::Csv {
                let mut writer = csv::Writer::from_writer(&mut *out);
                writer.write_record(["key", "value"])?;
                for (k, v) in &fields {
                    writer.write_record([k, v])?;
                }
                writer.flush()?;
            } else {
                let width = fields.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
                for (k, v) in &fields {
                    writeln!(out, "{k:width$}  {v}")?;
                }
            }
        }
    }
    Ok(())
}

fn plain(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Writes a list of flat records (structs of plain fields, `Option` for NULL) as a table,
/// CSV (a header row of the field names, in field order) or a JSON array of objects.
pub fn print_records<T: serde::Serialize>(records: &[T], format: Format) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    ignore_broken_pipe(write_records(&mut out, records, format))
}

/// A float cell as people read it in a table: whole numbers without `.0`, at least two
/// decimals kept, small values to four significant digits. CSV and JSON keep every digit.
fn readable_number(cell: &str) -> String {
    let is_float = cell.contains('.') || cell.contains('e');
    match cell.parse::<f64>() {
        Ok(value) if is_float && value.is_finite() => {
            if value.fract() == 0.0 && value.abs() < 1e15 {
                return format!("{value:.0}");
            }
            let decimals = if value.abs() >= 1.0 {
                2
            } else {
                (2 - value.abs().log10().floor() as i32).clamp(2, 10) as usize + 1
            };
            let text = format!("{value:.decimals$}");
            let trimmed = text.trim_end_matches('0').trim_end_matches('.');
            if trimmed.len() < cell.len() {
                trimmed.to_string()
            } else {
                cell.to_string()
            }
        }
        _ => cell.to_string(),
    }
}

/// Writes records to `out` in `format` (see [`print_records`]).
pub fn write_records<T: serde::Serialize>(
    out: &mut dyn Write,
    records: &[T],
    format: Format,
) -> anyhow::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, records)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(&mut *out);
            for record in records {
                writer.serialize(record)?;
            }
            writer.flush()?;
        }
        Format::Table => {
            // The CSV serialiser knows the field order; the table is built from its rows.
            let mut writer = csv::Writer::from_writer(Vec::new());
            for record in records {
                writer.serialize(record)?;
            }
            let text = writer.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
            let mut reader = csv::Reader::from_reader(text.as_slice());
            let mut table = comfy_table::Table::new();
            table.load_preset(comfy_table::presets::ASCII_MARKDOWN);
            table.set_header(reader.headers()?.iter());
            for row in reader.records() {
                table.add_row(row?.iter().map(readable_number));
            }
            writeln!(out, "{table}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::readable_number;

    #[test]
    fn table_numbers_read_as_people_write_them() {
        assert_eq!(readable_number("90956392818217.0"), "90956392818217");
        assert_eq!(readable_number("84709.74193719868"), "84709.74");
        assert_eq!(readable_number("0.6829"), "0.6829");
        assert_eq!(readable_number("0.000015741234"), "0.00001574");
        assert_eq!(readable_number("77.3"), "77.3");
        assert_eq!(readable_number("222222222222"), "222222222222");
        assert_eq!(readable_number("2026-10-22"), "2026-10-22");
        assert_eq!(
            readable_number("an-df57bfdebc289cde"),
            "an-df57bfdebc289cde"
        );
    }
}
