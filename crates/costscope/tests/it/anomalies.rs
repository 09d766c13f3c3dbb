//! End-to-end tests of `costscope anomalies`.
