//! The reflection log: reflections, peer comments, search, and who may read what.

pub mod types;
