//! Recommendations with estimated savings, optimizer imports and their lifecycle.
