//! Access tokens: short-lived HS256 JWTs, validated strictly (algorithm pinned, issuer,
//! audience and expiry checked, at most 5 seconds of clock leeway).

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::config::{Secret, Settings};
use crate::members::types::{MemberId, Role};

pub const ISSUER: &str = "leergemeenschap";
pub const AUDIENCE: &str = "leergemeenschap-api";
const LEEWAY_SECONDS: u64 = 5;
const MIN_SECRET_BYTES: usize = 32;
const SECRET_FILE: &str = "jwt-secret";

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: MemberId,
    pub role: Role,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

/// The signing key and what validation demands.
pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl_seconds: i64,
}

impl Keys {
    /// From `LG_JWT_SECRET`, or from the secret generated once in the data folder.
    pub fn load(settings: &Settings) -> anyhow::Result<Self> {
        // An empty LG_JWT_SECRET (as compose files pass through) counts as unset.
        let configured = settings
            .jwt_secret
            .as_ref()
            .filter(|s| !s.expose().is_empty());
        let secret = match (configured, &settings.database_url) {
            (Some(secret), _) => secret.clone(),
            // Instances on one PostgreSQL database must share the key, or each would refuse
            // the others' tokens: a key generated here would be this instance's alone.
            (None, crate::config::DatabaseUrl::Postgres(_)) => anyhow::bail!(
                "LG_JWT_SECRET is required with PostgreSQL: every instance on the database \
                 must sign with the same key (at least 32 bytes, e.g. `openssl rand -base64 48`)"
            ),
            (None, crate::config::DatabaseUrl::Sqlite(_)) => {
                stored_secret(&settings.database_url.data_dir())?
            }
        };
        if secret.expose().len() < MIN_SECRET_BYTES {
            anyhow::bail!(
                "LG_JWT_SECRET is {} bytes; it must be at least {MIN_SECRET_BYTES} bytes \
                 (for example the output of `openssl rand -base64 48`)",
                secret.expose().len()
            );
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECONDS;
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud"]);
        Ok(Self {
            encoding: EncodingKey::from_secret(secret.expose().as_bytes()),
            decoding: DecodingKey::from_secret(secret.expose().as_bytes()),
            validation,
            ttl_seconds: i64::try_from(settings.access_token_ttl).unwrap_or(900),
        })
    }

    pub fn ttl_seconds(&self) -> i64 {
        self.ttl_seconds
    }

    /// A signed access token for `member` with `role`.
    pub fn issue(&self, member: MemberId, role: Role) -> anyhow::Result<String> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: member,
            role,
            iat: now,
            exp: now + self.ttl_seconds,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .context("sign an access token")
    }

    /// The claims of a valid token; `None` for anything else (expired, altered, other key or
    /// algorithm, `alg: none`, wrong issuer or audience).
    pub fn verify(&self, token: &str) -> Option<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|data| data.claims)
    }
}

/// Reads the generated secret, making it (mode 0600) on first start.
fn stored_secret(dir: &Path) -> anyhow::Result<Secret> {
    let path = dir.join(SECRET_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => return Ok(Secret::new(text.trim())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("read {}", path.display())),
    }
    std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    let (secret, _) = super::secret::generate();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(&path) {
        Ok(mut file) => {
            file.write_all(secret.as_bytes())
                .with_context(|| format!("write {}", path.display()))?;
            tracing::info!(path = %path.display(), "generated a JWT secret");
            Ok(Secret::new(secret))
        }
        // Another instance made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("read {}", path.display()))?;
            Ok(Secret::new(text.trim()))
        }
        Err(e) => Err(e).with_context(|| format!("create {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    fn keys(secret: &str) -> Keys {
        let mut settings = Settings::defaults();
        settings.jwt_secret = Some(Secret::new(secret));
        Keys::load(&settings).expect("keys")
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn issued_tokens_verify() {
        let keys = keys(SECRET);
        let member = MemberId::new();
        let token = keys.issue(member, Role::Facilitator).expect("token");
        let claims = keys.verify(&token).expect("valid");
        assert_eq!(claims.sub, member);
        assert_eq!(claims.role, Role::Facilitator);
    }

    #[test]
    fn postgres_needs_a_configured_secret() {
        let mut settings = Settings::defaults();
        settings.database_url = "postgres://localhost/lg".parse().expect("url");
        assert!(Keys::load(&settings).is_err());
        settings.jwt_secret = Some(Secret::new(SECRET));
        assert!(Keys::load(&settings).is_ok());
    }

    #[test]
    fn short_secrets_are_refused() {
        let mut settings = Settings::defaults();
        settings.jwt_secret = Some(Secret::new("too short"));
        assert!(Keys::load(&settings).is_err());
    }

    #[test]
    fn other_keys_and_alg_none_are_refused() {
        let token = keys(SECRET)
            .issue(MemberId::new(), Role::Admin)
            .expect("token");
        assert!(keys("another-secret-of-thirty-two-bytes!!")
            .verify(&token)
            .is_none());

        let payload = token.split('.').nth(1).expect("payload");
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert!(keys(SECRET)
            .verify(&format!("{header}.{payload}."))
            .is_none());
    }

    #[test]
    fn generated_secret_is_kept_private() {
        let dir = tempfile::tempdir().expect("dir");
        let first = stored_secret(dir.path()).expect("secret");
        let again = stored_secret(dir.path()).expect("secret");
        assert_eq!(first, again);
        assert!(first.expose().len() >= MIN_SECRET_BYTES);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(SECRET_FILE))
                .expect("file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
