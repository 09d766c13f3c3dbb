//! End-to-end tests of `costscope genai`.
