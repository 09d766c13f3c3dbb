//! End-to-end tests of `costscope report`.
