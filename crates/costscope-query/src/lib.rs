//! The costscope query engine: a DataFusion session factory that registers the lake's
//! tables and views and the Athena/Trino function set, for a principal whose grants decide
//! which tables, rows and columns exist (see [`access`] and [`restricted`]).

pub mod access;
pub mod engine;
pub mod error;
pub mod functions;
pub mod restricted;
mod workgroup;

pub use access::{Access, Grants, Principal, TableGrant, Workgroup};
/// AWS service IP ranges, for `whois` and the network analyses.
pub use costscope_lake::ip_ranges;
pub use engine::{Engine, QueryOptions, QueryResult, Scratch, Session};
pub use error::{Error, Result};
