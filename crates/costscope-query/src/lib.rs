//! The costscope query engine: a DataFusion session factory that registers the lake's
//! tables and views, the Athena/Trino function set, and (later) principal-scoped access.

pub mod engine;
pub mod error;
pub mod functions;
mod rewrite;

/// AWS service IP ranges, for `whois` and the network analyses.
pub use costscope_lake::ip_ranges;
pub use engine::{Engine, Principal, QueryOptions, QueryResult, Role, Scratch, Session};
pub use error::{Error, Result};
