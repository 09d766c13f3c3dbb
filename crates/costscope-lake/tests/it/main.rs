//! Integration tests of the lake crate, one module per area.

mod legacy;
mod generate;
mod fixtures;
mod ingest;
mod s3;
mod s3_server;
mod legacy_layouts;
