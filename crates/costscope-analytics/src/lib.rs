//! Analyses over a principal-scoped session: the cost explorer, allocation, tag policy
//! compliance, unit economics, budgets and forecasts. Every function takes a
//! [`costscope_query::Session`], so the principal's access applies to every number here,
//! and returns plain serialisable structures that the CLI, the HTTP API and the dashboard
//! share (their JSON form is documented and stable).

pub mod allocation;
pub mod budgets;
pub mod error;
pub mod explorer;
pub mod forecast;
pub mod measure;
pub mod records;
pub mod rules_file;
pub mod tags;
pub mod unit_cost;

pub use error::{Error, Result};
