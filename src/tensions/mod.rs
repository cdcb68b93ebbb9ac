//! The three recurring tensions of organisatienetwerken: the shared vocabulary of session
//! themes, reflections and insights.

pub mod routes;
pub mod types;
