//! The store against real SQLite files: the audit log's chain, anchor and tamper
//! detection, concurrent appends, and the query history.

mod audit;
mod history;
mod tamper;
