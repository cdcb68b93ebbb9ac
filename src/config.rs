//! Configuration: every setting is an `LG_*` environment variable and also a flag given after
//! the command (`serve --bind …`); a flag wins over its variable.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use clap::Args;

/// A value that must never reach a log: `Debug` and `Display` print a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

/// Where the data lives, parsed from `LG_DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// An SQLite file (`sqlite://path`, `sqlite:path` or a plain path).
    Sqlite(PathBuf),
    /// A PostgreSQL server (`postgres://…` or `postgresql://…`).
    Postgres(String),
}

impl DatabaseUrl {
    /// The folder that holds the service's own files (the generated JWT secret). For SQLite
    /// it is the database's folder; for PostgreSQL, `./data`.
    pub fn data_dir(&self) -> PathBuf {
        match self {
            Self::Sqlite(path) => match path.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
                _ => PathBuf::from("."),
            },
            Self::Postgres(_) => PathBuf::from("data"),
        }
    }
}

impl DatabaseUrl {
    /// The URL as configured, secrets included: for handing to a child process, never a log.
    pub fn to_url(&self) -> String {
        match self {
            Self::Sqlite(path) => path.display().to_string(),
            Self::Postgres(url) => url.clone(),
        }
    }

    /// For messages and logs: a PostgreSQL password is replaced by `***`.
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite(path) => path.display().to_string(),
            Self::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(scheme), Some(at)) if at > scheme => {
                    let userinfo = &url[scheme + 3..at];
                    match userinfo.split_once(':') {
                        Some((user, _)) => {
                            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
                        }
                        None => url.clone(),
                    }
                }
                _ => url.clone(),
            },
        }
    }
}

impl FromStr for DatabaseUrl {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(Self::Postgres(s.to_owned()));
        }
        let path = s
            .strip_prefix("sqlite://")
            .or_else(|| s.strip_prefix("sqlite:"))
            .unwrap_or(s);
        if path.is_empty() {
            return Err("the database URL names no file".into());
        }
        if path.contains("://") {
            return Err(format!("unsupported database URL scheme in {s:?}"));
        }
        Ok(Self::Sqlite(Path::new(path).to_path_buf()))
    }
}

/// The settings every command shares.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address to listen on.
    #[arg(long, env = "LG_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,

    /// SQLite file (`sqlite://data/x.db` or a plain path) or `postgres://…` URL.
    #[arg(
        long,
        env = "LG_DATABASE_URL",
        default_value = "sqlite://data/leergemeenschap.db"
    )]
    pub database_url: DatabaseUrl,

    /// HS256 key for access tokens, at least 32 bytes. Unset: generated once and kept (mode
    /// 0600) in the data folder.
    #[arg(long, env = "LG_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<Secret>,

    /// Access token lifetime in seconds.
    #[arg(long, env = "LG_ACCESS_TOKEN_TTL", default_value_t = 900)]
    pub access_token_ttl: u64,

    /// Invitation lifetime in seconds.
    #[arg(long, env = "LG_INVITATION_TTL", default_value_t = 14 * 24 * 3600)]
    pub invitation_ttl: u64,

    /// Failed logins for one email within the window before further attempts get 429.
    #[arg(long, env = "LG_LOCKOUT_THRESHOLD", default_value_t = 5)]
    pub lockout_threshold: u32,

    /// The brute-force window in seconds.
    #[arg(long, env = "LG_LOCKOUT_WINDOW", default_value_t = 900)]
    pub lockout_window: u64,

    /// Origins allowed to call the API from a browser, comma-separated.
    #[arg(long, env = "LG_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// Log filter (`info`, `leergemeenschap=debug,actix_web=info`, …).
    #[arg(long, env = "LG_LOG", default_value = "info")]
    pub log: String,
}

impl Settings {
    /// The defaults, as if no variable or flag was given (for tests and tools).
    pub fn defaults() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            database_url: DatabaseUrl::Sqlite("data/leergemeenschap.db".into()),
            jwt_secret: None,
            access_token_ttl: 900,
            invitation_ttl: 14 * 24 * 3600,
            lockout_threshold: 5,
            lockout_window: 900,
            cors_origins: Vec::new(),
            log: "info".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls() {
        assert_eq!(
            "sqlite://data/x.db".parse::<DatabaseUrl>(),
            Ok(DatabaseUrl::Sqlite("data/x.db".into()))
        );
        assert_eq!(
            "/tmp/x.db".parse::<DatabaseUrl>(),
            Ok(DatabaseUrl::Sqlite("/tmp/x.db".into()))
        );
        assert!(matches!(
            "postgres://localhost/test".parse::<DatabaseUrl>(),
            Ok(DatabaseUrl::Postgres(_))
        ));
        assert!("mysql://x".parse::<DatabaseUrl>().is_err());
        assert!("sqlite://".parse::<DatabaseUrl>().is_err());
    }

    #[test]
    fn postgres_passwords_are_redacted() {
        let url: DatabaseUrl = "postgres://lg:geheim@db:5432/lg".parse().expect("url");
        assert_eq!(url.redacted(), "postgres://lg:***@db:5432/lg");
        let url: DatabaseUrl = "postgres://lg@db/lg".parse().expect("url");
        assert_eq!(url.redacted(), "postgres://lg@db/lg");
    }

    #[test]
    fn data_dir_is_the_database_folder() {
        assert_eq!(
            DatabaseUrl::Sqlite("data/x.db".into()).data_dir(),
            PathBuf::from("data")
        );
        assert_eq!(
            DatabaseUrl::Sqlite("x.db".into()).data_dir(),
            PathBuf::from(".")
        );
    }

    #[test]
    fn secrets_do_not_print() {
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "Secret(***)");
    }
}
