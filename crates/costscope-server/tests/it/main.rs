//! The servers' integration tests: the real server on 127.0.0.1 port 0 over a small
//! generated lake, called with a real HTTP client, the real `psql`, Python's psycopg and
//! headless Chromium.

mod bypass;
mod dashboard;
mod fixture;
mod http;
mod oidc;
mod openapi;
mod pg;
mod platform;
mod rows;
mod shutdown;
mod tls;
