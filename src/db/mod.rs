//! The database: the connection pool, the bridge from async handlers to blocking diesel calls,
//! migrations and backups. Everything backend-specific (pragmas, transaction modes, full-text
//! search, backup) stays in this module.

pub mod newtypes;
mod sqlite;

use std::time::Duration;

use chrono::Timelike;

use actix_web::web;
use anyhow::Context;
use diesel::r2d2::{ConnectionManager, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::config::DatabaseUrl;
use crate::error::ApiError;

pub use sqlite::backup;

/// The connection type every query function takes.
pub type DbConn = SqliteConnection;
pub type DbPool = Pool<ConnectionManager<DbConn>>;
type Pooled = PooledConnection<ConnectionManager<DbConn>>;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// How long a request waits for a free connection before the service answers 503.
const POOL_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens (creating it when absent) the database at `url` with a pool of `size` connections.
pub fn connect(url: &DatabaseUrl, size: u32) -> anyhow::Result<DbPool> {
    match url {
        DatabaseUrl::Sqlite(path) => sqlite::pool(path, size, POOL_TIMEOUT),
        DatabaseUrl::Postgres(_) => {
            anyhow::bail!("PostgreSQL is not supported by this build yet; use an SQLite path")
        }
    }
}

/// Applies every pending migration; returns how many ran.
pub fn migrate(pool: &DbPool) -> anyhow::Result<usize> {
    let mut conn = pool.get().context("connect to the database")?;
    let applied = conn
        .run_pending_migrations(MIGRATIONS)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("apply migrations")?;
    for version in &applied {
        tracing::info!(%version, "applied migration");
    }
    Ok(applied.len())
}

/// Runs `f` with a pooled connection on the blocking thread pool, so no diesel call ever runs
/// on an async worker. The caller's tracing span (with its request id) follows the work.
pub async fn run<F, T>(pool: &DbPool, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    let span = tracing::Span::current();
    web::block(move || {
        let _entered = span.enter();
        let mut conn = checkout(&pool)?;
        f(&mut conn)
    })
    .await
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("blocking task failed: {e}")))?
}

fn checkout(pool: &DbPool) -> Result<Pooled, ApiError> {
    pool.get().map_err(|e| {
        tracing::warn!(error = %e, "no database connection available");
        ApiError::Unavailable("The database is busy or unavailable; try again shortly.".into())
    })
}

/// Runs `f` in a write transaction that takes the write lock up front (SQLite `BEGIN
/// IMMEDIATE`). Use it for every read-then-write: two deferred transactions that both read and
/// then both try to write would deadlock on the lock upgrade, or act on a stale read.
pub fn write<T, F>(conn: &mut DbConn, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConn) -> Result<T, ApiError>,
{
    conn.immediate_transaction(f)
}

/// Whether the database answers a trivial query within a second (for `/ready`).
pub fn ping(pool: &DbPool) -> bool {
    use diesel::RunQueryDsl;
    match pool.get_timeout(Duration::from_secs(1)) {
        Ok(mut conn) => diesel::sql_query("SELECT 1").execute(&mut conn).is_ok(),
        Err(_) => false,
    }
}

/// The current time as stored: UTC, truncated to microseconds so that every backend keeps
/// exactly what it was given (keyset cursors compare stored values).
pub fn now() -> chrono::NaiveDateTime {
    stored(chrono::Utc::now())
}

/// A timestamp from a request as stored: UTC, truncated to microseconds like [`now`].
pub fn stored(at: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    let at = at.naive_utc();
    at.with_nanosecond(at.nanosecond() / 1000 * 1000)
        .unwrap_or(at)
}

/// A stored timestamp as the API shows it.
pub fn utc(at: chrono::NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    at.and_utc()
}
