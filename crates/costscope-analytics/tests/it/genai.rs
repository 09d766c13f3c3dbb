//! Tests of `costscope_analytics::genai`.
