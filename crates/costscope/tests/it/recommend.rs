//! End-to-end tests of `costscope recommend`.
