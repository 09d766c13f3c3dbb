//! Tests of `costscope_analytics::recommend`.
