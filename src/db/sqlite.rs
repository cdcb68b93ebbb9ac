//! SQLite specifics: connection pragmas, the data folder and online backup.

use std::path::Path;

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::sql_types::Text;
use diesel::sqlite::SqliteConnection;
use diesel::RunQueryDsl;

/// Every SQLite connection gets the same settings, here and nowhere else.
///
/// WAL lets readers proceed while one writer commits; NORMAL syncs at checkpoints, which in WAL
/// mode never corrupts the database (a power cut may lose the last commits, a process crash
/// loses nothing). busy_timeout makes a second process's writer (the command line beside a
/// running service) wait for the lock instead of failing.
pub(super) fn configure(conn: &mut SqliteConnection, read_only: bool) -> diesel::QueryResult<()> {
    conn.batch_execute(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 10000;
         PRAGMA temp_store = MEMORY;",
    )?;

    if read_only {
        conn.batch_execute("PRAGMA query_only = ON;")?;
    }
    Ok(())
}

/// Creates the folder the database file lives in.
pub(super) fn prepare(path: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(
        path.to_str().is_some(),
        "database path {} is not UTF-8",
        path.display()
    );
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("create the data folder {}", parent.display()))?;
    }
    Ok(())
}

/// Writes a consistent copy of the live database to `to` (which must not exist yet), using
/// `VACUUM INTO`: it reads one snapshot, so writers carry on meanwhile and the copy is compact.
pub(super) fn backup(conn: &mut SqliteConnection, to: &Path) -> anyhow::Result<()> {
    if to.exists() {
        anyhow::bail!("{} exists already; choose a new file", to.display());
    }
    let target = to
        .to_str()
        .with_context(|| format!("backup path {} is not UTF-8", to.display()))?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(target)
        .execute(conn)
        .with_context(|| format!("write the backup to {}", to.display()))?;
    Ok(())
}
