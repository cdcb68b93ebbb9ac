//! PostgreSQL specifics: migrations and serialized write transactions.

use diesel::connection::AnsiTransactionManager;
use diesel::pg::PgConnection;
use diesel::sql_types::BigInt;
use diesel::{Connection, ConnectionResult, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness};

/// The advisory lock every write transaction takes: one writer at a time across all instances,
/// the same guarantee SQLite's `BEGIN IMMEDIATE` gives on one machine.
const WRITE_LOCK: i64 = 0x6c67_5f77_7269_7465; // "lg_write"

/// Opens a connection; every PostgreSQL connection of the service and its tests is opened here.
///
/// libpq speaks TLS through OpenSSL, and OpenSSL by default frees its global state in an
/// `atexit` handler. A process that ends while other threads still hold TLS connections (the
/// pools' connections, their r2d2 threads) can then crash in that handler (`SIGSEGV` in
/// `OPENSSL_cleanup`, seen about once in six runs of the PostgreSQL test suite). So before
/// libpq first touches OpenSSL, OpenSSL is initialized without the handler: the process's
/// memory goes back to the system at exit anyway.
pub fn establish(url: &str) -> ConnectionResult<PgConnection> {
    openssl_sys::init();
    PgConnection::establish(url)
}

/// Per-connection settings: read-only connections refuse every change.
pub(super) fn configure(conn: &mut PgConnection, read_only: bool) -> diesel::QueryResult<()> {
    if read_only {
        diesel::sql_query("SET default_transaction_read_only = on").execute(conn)?;
    }
    Ok(())
}

pub(super) fn migrate(
    conn: &mut PgConnection,
    migrations: EmbeddedMigrations,
) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
    // Two instances starting at once must not both apply the same migration.
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<BigInt, _>(WRITE_LOCK + 1)
        .execute(conn)?;
    let applied = conn.run_pending_migrations(migrations).map(|v| v.len());
    diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<BigInt, _>(WRITE_LOCK + 1)
        .execute(conn)?;
    applied
}

/// Begins a transaction and waits for the write lock, released at commit or rollback.
pub(super) fn begin_serialized(conn: &mut PgConnection) -> diesel::QueryResult<()> {
    AnsiTransactionManager::begin_transaction_sql(conn, "BEGIN")?;
    diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
        .bind::<BigInt, _>(WRITE_LOCK)
        .execute(conn)?;
    Ok(())
}
