//! Invitations: the only way into the community. Codes are shown once, stored as a hash,
//! work once, expire and can be revoked.

pub mod queries;
pub mod routes;
pub mod types;
