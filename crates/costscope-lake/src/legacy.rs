//! Legacy CUR (CUR 1) input: CSV files (plain or gzip) with `category/Name` headers and
//! the snake_case Parquet files of AWS's Athena artefact, turned into batches with the
//! exact CUR 2.0 schema so the rest of ingest treats them like CUR 2.0.
//!
//! - [`read_csv`] streams a CSV as batches of text columns named by its header;
//! - [`target_of`] says where each legacy column lands in CUR 2.0, [`ignored_columns`]
//!   lists those that land nowhere;
//! - [`to_cur2`] converts a batch from either format to [`costscope_core::cur::schema()`];
//! - [`parse_manifest`] reads the `<report>-Manifest.json` of a delivery.

mod columns;
mod convert;
mod csv;
mod manifest;
mod values;

pub use self::columns::{Target, ignored_columns, missing_required_columns, target_of};
pub use self::convert::to_cur2;
pub use self::csv::{LINES_METADATA_KEY, read_csv};
pub use self::manifest::{LegacyManifest, parse_manifest};
