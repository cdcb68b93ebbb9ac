//! SQLite specifics: connection pragmas and online backup.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel::sql_types::Text;
use diesel::RunQueryDsl;

use super::{DbConn, DbPool};

/// Every connection gets the same settings, here and nowhere else.
#[derive(Debug, Clone, Copy)]
struct Pragmas;

impl CustomizeConnection<DbConn, diesel::r2d2::Error> for Pragmas {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), diesel::r2d2::Error> {
        // WAL lets readers proceed while one writer commits; NORMAL syncs at checkpoints, which
        // in WAL mode still never corrupts the database (a power cut may lose the last commits,
        // a process crash loses nothing). busy_timeout makes writers queue instead of failing.
        conn.batch_execute(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;
             PRAGMA busy_timeout = 10000;
             PRAGMA temp_store = MEMORY;",
        )
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

pub(super) fn pool(path: &Path, size: u32, timeout: Duration) -> anyhow::Result<DbPool> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("create the data folder {}", parent.display()))?;
    }
    let url = path
        .to_str()
        .with_context(|| format!("database path {} is not UTF-8", path.display()))?;
    Pool::builder()
        .max_size(size)
        .connection_timeout(timeout)
        .connection_customizer(Box::new(Pragmas))
        .build(ConnectionManager::<DbConn>::new(url))
        .with_context(|| format!("open the database {}", path.display()))
}

/// Writes a consistent copy of the live database to `to` (which must not exist yet), using
/// `VACUUM INTO`: it reads one snapshot, so writers carry on meanwhile and the copy is compact.
pub fn backup(pool: &DbPool, to: &Path) -> anyhow::Result<()> {
    if to.exists() {
        anyhow::bail!("{} exists already; choose a new file", to.display());
    }
    let target = to
        .to_str()
        .with_context(|| format!("backup path {} is not UTF-8", to.display()))?;
    let mut conn = pool.get().context("connect to the database")?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(target)
        .execute(&mut conn)
        .with_context(|| format!("write the backup to {}", to.display()))?;
    Ok(())
}
