//! Tests of `costscope_analytics::anomalies`.
