//! The crate's single integration-test binary; each module is one area.

mod slt;
mod lake_slt;
