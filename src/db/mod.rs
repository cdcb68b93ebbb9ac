//! The database: the read pool and the bridge from async handlers to blocking diesel calls
//! ([`run`]), the writer ([`write`]), migrations and backups. Everything backend-specific
//! (pragmas, transaction modes, full-text search, backup) stays in this module.

mod in_list;
mod near;
pub mod newtypes;
mod postgres;
mod sqlite;
pub mod timestamp;
mod writer;

pub use in_list::{in_list, unindexed, InList, Unindexed};
pub use near::Near;
pub use postgres::establish as establish_postgres;
pub use writer::{write, Writer};

use std::time::Duration;

use actix_web::web;
use anyhow::Context;
use chrono::Timelike;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::{ManageConnection, Pool, PooledConnection, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::config::DatabaseUrl;
use crate::error::ApiError;

/// The connection every query function takes: one code base, two backends. Queries stay in
/// diesel's DSL, which both understand; what differs (transactions, search, date functions,
/// backup) matches on the variant in a named function of this module or of the feature.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// The backend of [`DbConn`], for `check_for_backend` and custom type mappings.
pub type Backend = MultiBackend;

/// Which SQL a connection speaks, for the few queries written per backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl DbConn {
    pub fn dialect(&self) -> Dialect {
        match self {
            DbConn::Sqlite(_) => Dialect::Sqlite,
            DbConn::Postgres(_) => Dialect::Postgres,
        }
    }
}

pub type DbPool = Pool<Manager>;
type Pooled = PooledConnection<Manager>;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// How long a request waits for a free connection before the service answers 503.
const POOL_TIMEOUT: Duration = Duration::from_secs(10);

/// Makes connections of the configured kind. diesel's own manager would try each backend in
/// turn, and an unreachable PostgreSQL URL would then quietly become an SQLite file.
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
    /// Connections that refuse to change anything (the service's readers, see [`readers`]).
    read_only: bool,
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let path = path.to_str().unwrap_or_default();
                let mut conn = SqliteConnection::establish(path)
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                sqlite::configure(&mut conn, self.read_only)
                    .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(conn))
            }
            DatabaseUrl::Postgres(url) => {
                let mut conn =
                    postgres::establish(url).map_err(diesel::r2d2::Error::ConnectionError)?;
                postgres::configure(&mut conn, self.read_only)
                    .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(DbConn::Postgres(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

/// Opens (creating it when absent) the database at `url` with a pool of `size` connections,
/// for the command line and the tests.
pub fn connect(url: &DatabaseUrl, size: u32) -> anyhow::Result<DbPool> {
    pool(url, size, false)
}

/// The service's pool: `size` connections for reads, which the database itself keeps from
/// writing (SQLite `query_only`, PostgreSQL read-only transactions). Every write goes through
/// the [`Writer`]; one that does not fails loudly instead of racing it.
pub fn readers(url: &DatabaseUrl, size: u32) -> anyhow::Result<DbPool> {
    pool(url, size, true)
}

fn pool(url: &DatabaseUrl, size: u32, read_only: bool) -> anyhow::Result<DbPool> {
    if let DatabaseUrl::Sqlite(path) = url {
        sqlite::prepare(path)?;
    }
    Pool::builder()
        .max_size(size)
        .connection_timeout(POOL_TIMEOUT)
        // A test query on every checkout costs a round trip per request; a broken connection
        // is still noticed (has_broken) and replaced.
        .test_on_check_out(false)
        .build(Manager {
            url: url.clone(),
            read_only,
        })
        .with_context(|| format!("open the database {}", url.redacted()))
}

/// Applies every pending migration of the backend in use; returns how many ran.
pub fn migrate(pool: &DbPool) -> anyhow::Result<usize> {
    let mut conn = pool.get().context("connect to the database")?;
    let applied = match &mut *conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        DbConn::Postgres(c) => postgres::migrate(c, POSTGRES_MIGRATIONS),
    }
    .map_err(|e| anyhow::anyhow!("{e}"))
    .context("apply migrations")?;
    if applied > 0 {
        tracing::info!(applied, "applied migrations");
    }
    Ok(applied)
}

/// Writes a consistent copy of the database to `to` (SQLite only; PostgreSQL has `pg_dump`).
pub fn backup(pool: &DbPool, to: &std::path::Path) -> anyhow::Result<()> {
    let mut conn = pool.get().context("connect to the database")?;
    match &mut *conn {
        DbConn::Sqlite(c) => sqlite::backup(c, to),
        DbConn::Postgres(_) => anyhow::bail!(
            "backup copies SQLite databases; for PostgreSQL use pg_dump, which takes a \
             consistent snapshot of a live database (see the README)"
        ),
    }
}

/// Runs `f` with a pooled connection on the blocking thread pool, so that it never holds up
/// an async worker (short, page-bounded reads may use [`Near`] instead). The caller's tracing
/// span (with its request id) follows the work.
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
        snapshot(&mut conn, f)
    })
    .await
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("blocking task failed: {e}")))?
}

/// Runs the read `f` as one read transaction on SQLite: every statement in it sees the same
/// snapshot (a page and the counts beside it agree), and the file locks that each statement
/// would otherwise take and drop on its own (an `fcntl` lock, a shared-memory read mark and a
/// `stat` of the journal: an eighth of R2's CPU, with contention on SQLite's global lock) are
/// taken once. On PostgreSQL the statements run as they come: there `BEGIN` and `COMMIT` would
/// be two more round trips.
pub(crate) fn snapshot<T, F>(conn: &mut DbConn, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConn) -> Result<T, ApiError>,
{
    match conn {
        DbConn::Sqlite(_) => conn.transaction(f),
        DbConn::Postgres(_) => f(conn),
    }
}

fn checkout(pool: &DbPool) -> Result<Pooled, ApiError> {
    pool.get().map_err(|e| {
        tracing::warn!(error = %e, "no database connection available");
        ApiError::Unavailable("The database is busy or unavailable; try again shortly.".into())
    })
}

/// Opens a write transaction that is serialized with every other writer before it reads
/// anything: two transactions that both read and then both write would otherwise act on a
/// stale read (or, on SQLite, deadlock on the lock upgrade).
///
/// SQLite: `BEGIN IMMEDIATE` takes the database's write lock up front. PostgreSQL: a
/// transaction-scoped advisory lock does the same across every instance sharing the
/// database, so the invariants hold however many instances run.
fn begin_write(conn: &mut DbConn) -> diesel::QueryResult<()> {
    match conn {
        DbConn::Sqlite(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")
        }
        DbConn::Postgres(inner) => postgres::begin_serialized(inner),
    }
}

/// Commits a write transaction begun by [`begin_write`]; on SQLite its last statement first
/// indexes the reflections it added for search, all at once.
fn commit_write(conn: &mut DbConn) -> diesel::QueryResult<()> {
    if let DbConn::Sqlite(inner) = conn {
        sqlite::index_queued_reflections(inner)?;
    }
    <DbConn as Connection>::TransactionManager::commit_transaction(conn)
}

/// Runs `f` in a write transaction on `conn`, for the command line (`seed-demo`,
/// `create-admin`); the service itself writes through its [`Writer`].
pub fn write_now<T, F>(conn: &mut DbConn, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConn) -> Result<T, ApiError>,
{
    begin_write(conn)?;
    match f(conn) {
        Ok(value) => {
            commit_write(conn)?;
            Ok(value)
        }
        Err(err) => {
            if let Err(rollback) =
                <DbConn as Connection>::TransactionManager::rollback_transaction(conn)
            {
                tracing::warn!(error = %rollback, "rollback failed");
            }
            Err(err)
        }
    }
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
