//! SQLite specifics: connection pragmas, the data folder and online backup.

use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::time::Duration;

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

/// The writer's own settings: it leaves checkpoints to the [`Checkpointer`] and runs one
/// itself only when the write-ahead log has grown this far (10,000 pages, ~40 MiB), which
/// happens only when the checkpointer falls behind or is gone.
pub(super) fn configure_writer(conn: &mut SqliteConnection) -> diesel::QueryResult<()> {
    conn.batch_execute("PRAGMA wal_autocheckpoint = 10000;")
}

/// How long the checkpointer lets commits gather before it copies them into the database.
const CHECKPOINT_PAUSE: Duration = Duration::from_millis(100);

/// Copies committed transactions from the write-ahead log into the database file, on a thread
/// and a connection of its own, so that the writer never does.
///
/// By default SQLite's writer checkpoints on the commit that takes the log past 1,000 pages:
/// that commit (and every write waiting behind it) then also copies the log into the database
/// and syncs both files (a sixth of the writer's time in W1's profile). Here the writer nudges
/// the checkpointer after each commit; it waits a moment so that one checkpoint covers many
/// commits, then runs a `PASSIVE` one, which never waits for the writer or for readers and
/// copies whatever they no longer need. Once a checkpoint has copied the whole log, the
/// writer's next transaction starts it from its beginning again; under a steady stream of
/// writes that moment may not come, and the log grows to the writer's own threshold (above),
/// where a checkpoint at a commit copies it all. The thread ends when the writer does.
pub(super) struct Checkpointer {
    nudge: SyncSender<()>,
}

impl Checkpointer {
    pub(super) fn start(mut conn: SqliteConnection) -> std::io::Result<Self> {
        let (nudge, nudged) = sync_channel(1);
        std::thread::Builder::new()
            .name("db-checkpointer".into())
            .spawn(move || checkpoint_when_nudged(&mut conn, &nudged))?;
        Ok(Checkpointer { nudge })
    }

    /// Tells the checkpointer that there is something to copy (never waits).
    pub(super) fn nudge(&self) {
        let _ = self.nudge.try_send(());
    }
}

fn checkpoint_when_nudged(conn: &mut SqliteConnection, nudged: &Receiver<()>) {
    while nudged.recv().is_ok() {
        std::thread::sleep(CHECKPOINT_PAUSE);
        while nudged.try_recv().is_ok() {}
        if let Err(e) = conn.batch_execute("PRAGMA wal_checkpoint(PASSIVE);") {
            tracing::warn!(error = %e, "checkpoint failed; the next commit tries again");
        }
    }
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

#[cfg(test)]
mod tests {
    use diesel::sql_types::Text;
    use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};

    #[derive(QueryableByName)]
    struct CompileOption {
        #[diesel(sql_type = Text)]
        compile_options: String,
    }

    /// The bundled SQLite is built with the options `.cargo/config.toml` gives it (a build
    /// that misses them, e.g. run from a folder where cargo does not read that file, is slower
    /// without failing anywhere else).
    #[test]
    fn sqlite_is_built_with_our_options() {
        let mut conn = SqliteConnection::establish(":memory:").expect("in-memory database");
        let options: Vec<String> =
            diesel::sql_query("SELECT compile_options FROM pragma_compile_options")
                .load::<CompileOption>(&mut conn)
                .expect("compile options")
                .into_iter()
                .map(|o| o.compile_options)
                .collect();
        for wanted in ["ENABLE_QPSG", "DEFAULT_MEMSTATUS=0", "THREADSAFE=2"] {
            assert!(
                options.iter().any(|o| o == wanted),
                "{wanted} missing: {options:?}"
            );
        }
        assert!(
            !options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"),
            "ENABLE_MEMORY_MANAGEMENT is on: {options:?}"
        );
    }
}
