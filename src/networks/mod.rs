//! Organisatienetwerken: the networks members organize, and who takes part in them.

pub mod model;
pub mod queries;
pub mod routes;
pub mod types;
