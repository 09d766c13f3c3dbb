//! End-to-end tests of `costscope whois`.
