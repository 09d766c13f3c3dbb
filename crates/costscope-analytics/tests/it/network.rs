//! Tests of `costscope_analytics::network`.
