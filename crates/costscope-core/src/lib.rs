//! Domain vocabulary of costscope: CUR 2.0 column names and Arrow types, the table
//! registry, line-item types, cost measures, granularities, team expressions, YAML documents with positions, the SQL
//! builder every value goes through, and the shared error type. No I/O lives here.

pub mod cur;
pub mod error;
pub mod granularity;
pub mod measures;
pub mod prices;
pub mod sql;
pub mod tables;
pub mod team;
pub mod yaml;

pub use error::{Error, ErrorKind, Result};
pub use granularity::Granularity;
pub use measures::CostMeasure;
pub use team::TeamExpr;
