//! End-to-end tests of the `costscope` binary: real processes, real files, a real S3 server.

mod access;
mod allocate;
mod anomalies;
mod app;
mod audit;
mod budgets;
mod cli;
mod correctness;
mod cost;
mod genai;
mod interruption;
mod network;
mod optimizer;
mod recommend;
mod report;
mod s3;
#[path = "../../../costscope-lake/tests/it/s3_server.rs"]
mod s3_server;
mod score;
mod serve;
mod sql_safety;
mod tags;
mod unit_cost;
mod whois;
