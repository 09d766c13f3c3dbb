//! Analyses over a principal-scoped session: the cost explorer, allocation, tag policy
//! compliance, unit economics, budgets and forecasts, anomalies, network attribution,
//! efficiency scores, recommendations, GenAI cost and weekly reports. Every function takes a
//! [`costscope_query::Session`], so the principal's access applies to every number here,
//! and returns plain serialisable structures that the CLI, the HTTP API and the dashboard
//! share (their JSON form is documented and stable).

pub mod allocation;
pub mod anomalies;
pub mod budgets;
pub mod efficiency;
pub mod error;
pub mod explorer;
pub mod forecast;
pub mod genai;
pub mod measure;
pub mod network;
pub mod recommend;
pub mod records;
pub mod report;
pub mod rules_file;
pub mod source;
pub mod tags;
pub mod unit_cost;
pub mod whois;

pub use error::{Error, Result};
