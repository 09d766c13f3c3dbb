//! Domain vocabulary of costscope: CUR 2.0 column names and Arrow types, line-item types,
//! cost measures and the shared error type. No I/O lives here.

pub mod cur;
pub mod error;
pub mod measures;
pub mod prices;
pub mod tables;

pub use error::{Error, ErrorKind, Result};
