//! The crate's single integration-test binary; each module is one area.

mod access;
mod lake_slt;
mod quoting;
mod slt;
