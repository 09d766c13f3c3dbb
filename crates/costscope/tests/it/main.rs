//! End-to-end tests of the `costscope` binary: real processes, real files, a real S3 server.

mod allocate;
mod cli;
mod correctness;
mod interruption;
mod s3;
#[path = "../../../costscope-lake/tests/it/s3_server.rs"]
mod s3_server;
mod sql_safety;
