//! End-to-end tests of `costscope score`.
