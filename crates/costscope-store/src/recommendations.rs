//! Recommendations: tables and operations (filled in by the recommendations work).

use crate::Migration;

/// This module's schema changes, in order.
pub(crate) const MIGRATIONS: &[Migration] = &[];
