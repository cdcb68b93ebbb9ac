//! Opaque secrets handed to clients (refresh tokens, invitation codes, calendar feed tokens):
//! 256 random bits, URL-safe, and stored only as their SHA-256 so a leaked database opens
//! nothing.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new random secret and the hash to store for it.
pub fn generate() -> (String, String) {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let plain = URL_SAFE_NO_PAD.encode(bytes);
    let hashed = digest(&plain);
    (plain, hashed)
}

/// The stored form of a presented secret.
pub fn digest(plain: &str) -> String {
    let hash = Sha256::digest(plain.as_bytes());
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_hashed() {
        let (a, hash_a) = generate();
        let (b, _) = generate();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash_a, digest(&a));
        assert_eq!(hash_a.len(), 64);
    }
}
