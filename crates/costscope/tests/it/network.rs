//! End-to-end tests of `costscope network`.
