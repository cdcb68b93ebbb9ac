//! The reflection log (reflectielogboek): reflections, peer comments, full-text search, and
//! who may read what ([`visibility`], the one place that decides it).

pub mod model;
pub mod queries;
pub mod routes;
pub mod search;
mod tokens;
pub mod types;
pub mod visibility;
