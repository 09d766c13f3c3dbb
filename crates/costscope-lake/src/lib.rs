//! The costscope lake: reading billing exports and logs from local disk or S3, and the
//! on-disk layout with its atomic manifest.

pub mod discover;
pub mod error;
pub mod ingest;
pub mod ip_ranges;
pub mod lake;
pub mod legacy;
pub mod normalize;
pub mod rollup;
pub mod source;
pub mod writer;

pub use error::{Error, Result};
pub use ingest::{IngestOptions, IngestReport};
pub use lake::Lake;
