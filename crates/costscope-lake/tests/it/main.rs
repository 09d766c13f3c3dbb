//! Integration tests of the lake crate, one module per area.

mod fixtures;
mod flowlogs;
mod flowlogs_layouts;
mod ingest;
mod legacy;
mod legacy_layouts;
mod metrics;
mod optimizer;
mod rollups;
mod s3;
mod s3_server;
