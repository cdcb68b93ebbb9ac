//! Organisatienetwerken: the networks members organize, and who takes part in them.

pub mod types;
