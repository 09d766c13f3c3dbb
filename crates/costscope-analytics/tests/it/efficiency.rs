//! Tests of `costscope_analytics::efficiency`.
