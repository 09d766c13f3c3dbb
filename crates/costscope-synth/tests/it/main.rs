//! Integration tests of the synthetic organisation generator, one module per area, and of
//! the demo lake built from it.

mod demo_lake;
mod generate;
mod options;
mod planted;
mod read_back;
mod stories;
