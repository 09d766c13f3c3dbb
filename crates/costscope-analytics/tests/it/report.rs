//! Tests of `costscope_analytics::report`.
