//! The member's rights over their own data (AVG/GDPR): access and portability (`/me/export`),
//! erasure (`DELETE /me`), and their own competence growth (`/me/growth`).

pub mod queries;
pub mod routes;
pub mod types;
