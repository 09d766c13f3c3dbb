//! The application layer end to end, over a small generated organisation: the analyses
//! against plain SQL in the same principal's session, and the state the app keeps.

mod access;
mod analyses;
mod fixture;
mod state;
