//! Password hashing with Argon2id: the one module that touches password hashes.
//!
//! Hashing is deliberately slow and memory-hungry (19 MiB each), so it runs on the blocking
//! pool, never on an async worker, and at most `MAX_CONCURRENT_HASHES` at once: a burst of
//! logins then queues instead of stalling other requests or exhausting memory.

use std::sync::OnceLock;

use actix_web::web;
use anyhow::Context;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::config::Secret;
use crate::error::ApiError;

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 128;

/// OWASP's current recommendation for Argon2id: m = 19 MiB, t = 2, p = 1.
const MEMORY_KIB: u32 = 19 * 1024;
const ITERATIONS: u32 = 2;
const LANES: u32 = 1;

/// Hashes that may run at once; each holds 19 MiB while it runs.
const MAX_CONCURRENT_HASHES: usize = 2;

fn hasher() -> Argon2<'static> {
    // The parameters are constants within Argon2's documented bounds.
    let params = Params::new(MEMORY_KIB, ITERATIONS, LANES, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| Semaphore::new(MAX_CONCURRENT_HASHES))
}

/// Why a password is refused, or `None` when its length is acceptable.
pub fn length_problem(password: &str) -> Option<String> {
    let len = password.chars().count();
    (!(MIN_LENGTH..=MAX_LENGTH).contains(&len))
        .then(|| format!("must be {MIN_LENGTH} to {MAX_LENGTH} characters"))
}

/// Hashes synchronously; for the command line, which has no async runtime to protect.
pub fn hash_blocking(password: &Secret) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| anyhow::anyhow!("hash a password: {e}"))
}

/// Hashes `password` with a fresh random salt, on the blocking pool.
pub async fn hash(password: Secret) -> Result<String, ApiError> {
    let _permit = permits().acquire().await.context("hash permits")?;
    web::block(move || hash_blocking(&password))
        .await
        .context("hash task")?
        .map_err(ApiError::Internal)
}

/// Verifies `password` against `stored`. With no stored hash (unknown email, erased member) a
/// dummy hash is verified instead, so every failure takes as long as a wrong password.
pub async fn verify(password: Secret, stored: Option<String>) -> Result<bool, ApiError> {
    let _permit = permits().acquire().await.context("hash permits")?;
    web::block(move || {
        let stored = stored.as_deref();
        let target = stored.unwrap_or_else(|| dummy_hash());
        let matches = verify_blocking(&password, target);
        matches && stored.is_some()
    })
    .await
    .context("verify task")
    .map_err(ApiError::Internal)
}

/// 403 unless `password` is `member`'s current password: the confirmation that a password
/// change and an erasure ask for.
pub async fn confirm(
    pool: &crate::db::DbPool,
    member: crate::members::types::MemberId,
    password: Secret,
) -> Result<(), ApiError> {
    let stored = crate::db::run(pool, move |conn| {
        Ok(crate::members::queries::get(conn, member)?.password_hash)
    })
    .await?;
    if verify(password, stored).await? {
        Ok(())
    } else {
        Err(ApiError::Forbidden("The password is not right.".into()))
    }
}

fn verify_blocking(password: &Secret, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => hasher()
            .verify_password(password.expose().as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A real hash, with our parameters, of a password nobody knows.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let unguessable = Secret::new(uuid::Uuid::new_v4().to_string());
        hash_blocking(&unguessable).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify() {
        let password = Secret::new("correct horse battery staple");
        let hash = hash_blocking(&password).expect("hash");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_blocking(&password, &hash));
        assert!(!verify_blocking(
            &Secret::new("wrong horse battery staple"),
            &hash
        ));
    }

    #[test]
    fn salts_differ() {
        let password = Secret::new("correct horse battery staple");
        let a = hash_blocking(&password).expect("hash");
        let b = hash_blocking(&password).expect("hash");
        assert_ne!(a, b);
    }

    #[test]
    fn length_rules() {
        assert!(length_problem("short").is_some());
        assert!(length_problem(&"x".repeat(12)).is_none());
        assert!(length_problem(&"é".repeat(128)).is_none());
        assert!(length_problem(&"x".repeat(129)).is_some());
    }
}
