//! Insights for facilitators: which tensions the community wrestles with, and how a session
//! went, as aggregates that single out no one.

pub mod queries;
pub mod routes;
pub mod types;

/// Buckets with fewer distinct authors than this are suppressed (k-anonymity).
pub const MIN_AUTHORS: i64 = 3;
