//! SQLite specifics: connection pragmas, the data folder and online backup.

use std::fs::File;
use std::mem::ManuallyDrop;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Text};
use diesel::sqlite::SqliteConnection;
use diesel::{QueryableByName, RunQueryDsl};

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

/// The writer's own settings: it leaves checkpoints to the [`Checkpointer`] (finishing its
/// passes when asked) and runs one at a commit only when the write-ahead log has grown to
/// [`WRITER_CHECKPOINT_AT`], which happens only when the checkpointer falls behind or is gone;
/// and it keeps [`WRITER_CACHE_KIB`] of pages.
pub(super) fn configure_writer(conn: &mut SqliteConnection) -> diesel::QueryResult<()> {
    conn.batch_execute(&format!(
        "PRAGMA wal_autocheckpoint = {WRITER_CHECKPOINT_AT};
         PRAGMA cache_size = -{WRITER_CACHE_KIB};"
    ))
}

/// The writer's page cache (SQLite's default is 2 MiB). Every write reads the index pages
/// where its entries go, in the author's index a different one each time: with 2 MiB the
/// writer spent 5.6 % of its time under W1 reading pages from the file (a system call and a
/// copy each), with 8 MiB 2.3 %, with 16 MiB 1.7 % (`perf`). The cache fills while members
/// write and stays, so it adds to every later peak: 16 MiB took R3's to 86 of the 96 MiB that
/// reads and writes may use. Only the writer's cache stays valid across writes (see
/// `writer`), so only it gets more.
const WRITER_CACHE_KIB: i64 = 8 * 1024;

/// Pages (~160 MiB): four times [`FINISH_AT`], well above what the log reaches while the
/// checkpointer's passes converge under W1.
pub(super) const WRITER_CHECKPOINT_AT: i64 = 40_000;

/// Indexes for search the reflections that the transaction added, in one statement, empties
/// the queue they wait in, and merges index segments in proportion: the last statements of
/// every write transaction ([`super::commit_write`]). FTS5 writes one index segment per
/// statement here, where a trigger per row wrote one per reflection (see the migrations
/// `search_indexes_each_transaction` and `search_merges_each_transaction`).
pub(super) fn index_queued_reflections(conn: &mut SqliteConnection) -> diesel::QueryResult<()> {
    let queued: Queued = diesel::sql_query(
        "SELECT coalesce(sum(length(r.title) + length(r.body) + length(r.tags)), 0) AS chars
         FROM reflections_fts_queue q JOIN reflections r ON r.seq = q.seq",
    )
    .get_result(conn)?;
    if queued.chars == 0 {
        return Ok(());
    }
    diesel::sql_query(
        "INSERT INTO reflections_fts (rowid, title, body, tags)
         SELECT r.seq, r.title, r.body, r.tags
         FROM reflections_fts_queue q JOIN reflections r ON r.seq = q.seq",
    )
    .execute(conn)?;
    diesel::sql_query("DELETE FROM reflections_fts_queue").execute(conn)?;
    // Up to this many pages of merging, where a level of the index has four segments or more
    // (FTS5's `usermerge`).
    diesel::sql_query("INSERT INTO reflections_fts (reflections_fts, rank) VALUES ('merge', ?)")
        .bind::<BigInt, _>(merge_pages(queued.chars))
        .execute(conn)?;
    Ok(())
}

#[derive(QueryableByName)]
struct Queued {
    /// Characters of text that the queued reflections give the index.
    #[diesel(sql_type = BigInt)]
    chars: i64,
}

/// Pages of index merging after indexing `chars` characters of text. Without positions the
/// index takes about 0.06 bytes per character (47 bytes for a reflection of 813 characters in
/// the benchmark's data), and merging rewrites each leaf page once per level of the index (7
/// levels at 160,000 reflections, about 9 at 1,000,000): a page of merging per 8,000-10,000
/// characters keeps up. This is one per 4,096 plus one, about twice that. A page of merging
/// costs more the more entries it holds, and a budget far above the need lets merges run in
/// lumps: with 16 + 1 per 1,024 characters (sized for the index with positions) a group of
/// ~30 reflections spent 7 ms merging at its 99th percentile and 0.06 ms at its median, and in
/// W1 the lumps of one large merge slowed the writes of half a second to a third of their
/// pace, and held half of the run's slowest 1 % of requests. FTS5's crisis merge (16 segments
/// on one level) still bounds the index if writes ever outrun the merging.
fn merge_pages(chars: i64) -> i64 {
    1 + chars / 4096
}

/// How long the checkpointer lets commits gather before it copies them into the database.
const CHECKPOINT_PAUSE: Duration = Duration::from_millis(100);

/// Under steady writes, the checkpointer copies the log in passes, each one copying what was
/// committed during the one before, until a pass copies at most this many pages (~1 MiB); the
/// writer then finishes (see [`Checkpointer`]) …
const LEFT_FOR_WRITER: i64 = 256;
/// … or after this many passes, when writes come faster than passes converge.
const MAX_PASSES: usize = 8;
/// A log shorter than this (pages; ~40 MiB) is left to grow: one pass per nudge. Each time the
/// writer finishes, the writes behind it wait (a copy and two syncs, 10-40 ms here), so the log
/// should start over only about once a second under steady writes: with 1,000 pages it did five
/// times a second, and W1's p99 was that wait (26-30 ms; 21-23 ms with 5,000-20,000 pages, at
/// the same requests/s).
const FINISH_AT: i64 = 10_000;
const _: () = assert!(2 * FINISH_AT < WRITER_CHECKPOINT_AT);
/// Before it asks the writer to finish, the checkpointer syncs what it copied and copies what
/// was committed meanwhile this many times, each round shorter (see [`copy_log`]).
const FINAL_ROUNDS: usize = 2;

/// Copies committed transactions from the write-ahead log into the database file, on a thread
/// and a connection of its own, so that the writer barely does.
///
/// By default SQLite's writer checkpoints on the commit that takes the log past 1,000 pages:
/// that commit (and every write waiting behind it) then also copies the log into the database
/// and syncs both files (a sixth of the writer's time in W1's profile). Here the writer nudges
/// the checkpointer after each commit; it waits a moment so that one checkpoint covers many
/// commits, then runs a `PASSIVE` one, which never waits for the writer or for readers and
/// copies whatever they no longer need.
///
/// The log starts over from its beginning only at a write transaction that begins while all of
/// it has been copied. Under a steady stream of writes that moment never comes by itself:
/// commits land while the checkpointer copies, so the log would grow to the writer's own
/// threshold (then 10,000 pages), where a checkpoint at a commit copied and synced tens of MiB
/// (W1: the writer stalled 35-45 ms four times a second). So once the log is long, the
/// checkpointer copies it in passes, each copying only what was committed during the one
/// before, and syncing only that; when a pass was short, it asks the writer to finish. Right
/// after its next commit the writer runs a `PASSIVE` checkpoint itself, which copies and syncs
/// the few commits since, and its next transaction starts the log over. The thread ends when
/// the writer does.
pub(super) struct Checkpointer {
    nudge: SyncSender<()>,
    finish: Arc<AtomicBool>,
}

impl Checkpointer {
    /// Starts the thread on `conn`, a connection of its own to the database file at `path`.
    pub(super) fn start(mut conn: SqliteConnection, path: &Path) -> std::io::Result<Self> {
        let file = DatabaseFile::open(path)?;
        let (nudge, nudged) = sync_channel(1);
        let finish = Arc::new(AtomicBool::new(false));
        let ask = Arc::clone(&finish);
        std::thread::Builder::new()
            .name("db-checkpointer".into())
            .spawn(move || checkpoint_when_nudged(&mut conn, &file, &nudged, &ask))?;
        Ok(Checkpointer { nudge, finish })
    }

    /// Called by the writer after each commit: tells the checkpointer that there is something
    /// to copy (never waits), and finishes the checkpointer's work when it asked for that.
    pub(super) fn committed(&self, writer: &mut SqliteConnection) {
        let _ = self.nudge.try_send(());
        if self.finish.swap(false, Ordering::AcqRel) {
            if let Err(e) = checkpoint(writer) {
                tracing::warn!(error = %e, "checkpoint failed; the checkpointer tries again");
            }
        }
    }
}

/// The database file, opened once more, for the checkpointer to sync (see [`copy_log`]).
///
/// Never closed: closing any descriptor of a file drops every POSIX lock that the process
/// holds on that file, SQLite's own included, which would let another process (the command
/// line beside the service) take locks that the service's connections believe they hold. So
/// the descriptor stays open as long as the process runs, one per database it writes.
struct DatabaseFile(ManuallyDrop<File>);

impl DatabaseFile {
    fn open(path: &Path) -> std::io::Result<Self> {
        let file = File::options().read(true).write(true).open(path)?;
        Ok(DatabaseFile(ManuallyDrop::new(file)))
    }

    fn sync(&self) -> std::io::Result<()> {
        self.0.sync_data()
    }
}

#[derive(QueryableByName)]
struct Checkpoint {
    /// Pages in the log.
    #[diesel(sql_type = BigInt)]
    log: i64,
    /// Of those, pages copied into the database.
    #[diesel(sql_type = BigInt)]
    checkpointed: i64,
}

fn checkpoint(conn: &mut SqliteConnection) -> diesel::QueryResult<Checkpoint> {
    diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)").get_result(conn)
}

fn checkpoint_when_nudged(
    conn: &mut SqliteConnection,
    file: &DatabaseFile,
    nudged: &Receiver<()>,
    finish: &AtomicBool,
) {
    while nudged.recv().is_ok() {
        std::thread::sleep(CHECKPOINT_PAUSE);
        while nudged.try_recv().is_ok() {}
        if let Err(e) = copy_log(conn, file, finish) {
            tracing::warn!(error = %e, "checkpoint failed; the next commit tries again");
        }
    }
}

/// One pass, or passes until the writer can finish: see [`Checkpointer`].
///
/// The writer's finishing checkpoint syncs the database file, with every write waiting, and
/// that sync writes out every page copied since the file was last synced. A pass syncs the
/// file only when it copied the whole log, which under steady writes it seldom does, so
/// before asking, the checkpointer syncs the file itself: what its passes copied (15-40 ms for
/// a log of 14,000 pages here). Commits land meanwhile, so it copies and syncs once more what
/// they added, and then once more: `perf trace` showed the writer's sync at 8-11 ms when the
/// checkpointer copied what came during its sync but left it unsynced.
fn copy_log(
    conn: &mut SqliteConnection,
    file: &DatabaseFile,
    finish: &AtomicBool,
) -> anyhow::Result<()> {
    let mut copied_before = None;
    for _ in 0..MAX_PASSES {
        let pass = checkpoint(conn)?;
        // Readers still need the rest, or the log is short: nothing for the writer to finish.
        if pass.checkpointed < pass.log || pass.log < FINISH_AT {
            return Ok(());
        }
        // This pass copied what was committed during the previous one.
        if copied_before.is_some_and(|before| pass.log - before <= LEFT_FOR_WRITER) {
            break;
        }
        copied_before = Some(pass.log);
    }
    for _ in 0..FINAL_ROUNDS {
        file.sync().context("sync the database file")?;
        checkpoint(conn)?;
    }
    file.sync().context("sync the database file")?;
    finish.store(true, Ordering::Release);
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

#[cfg(test)]
mod tests {
    use diesel::sql_types::{BigInt, Text};
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

    /// One integer: a reflection's `seq` as `MATCH` finds it, or a count.
    #[derive(QueryableByName)]
    struct Seq {
        #[diesel(sql_type = BigInt)]
        seq: i64,
    }

    fn found(conn: &mut super::super::DbConn, word: &str) -> Vec<i64> {
        diesel::sql_query(
            "SELECT rowid AS seq FROM reflections_fts WHERE reflections_fts MATCH ? ORDER BY rowid",
        )
        .bind::<Text, _>(word)
        .load::<Seq>(conn)
        .expect("search")
        .into_iter()
        .map(|r| r.seq)
        .collect()
    }

    fn sql(conn: &mut super::super::DbConn, statement: &str) -> Result<(), crate::error::ApiError> {
        diesel::sql_query(statement).execute(conn)?;
        Ok(())
    }

    /// FTS5's own check that the index holds exactly what the reflections table holds.
    fn index_matches_content(conn: &mut super::super::DbConn) {
        sql(
            conn,
            "INSERT INTO reflections_fts (reflections_fts, rank) VALUES ('integrity-check', 1)",
        )
        .expect("the text index matches the reflections");
    }

    /// New reflections are indexed when their transaction commits; one edited or deleted in the
    /// transaction that added it is indexed as it ends up (or not at all), and edits and
    /// deletions of indexed ones reach the index at once.
    #[test]
    fn the_text_index_follows_every_write_transaction() {
        use diesel_migrations::MigrationHarness;
        let mut inner = SqliteConnection::establish(":memory:").expect("in-memory database");
        inner
            .run_pending_migrations(super::super::SQLITE_MIGRATIONS)
            .expect("migrations");
        let mut conn = super::super::DbConn::Sqlite(inner);
        let reflection = |seq: i64, title: &str, body: &str| {
            format!(
                "INSERT INTO reflections (seq, id, author_id, title, body, visibility, \
                 created_at, updated_at) VALUES ({seq}, 'r{seq}', 'm', '{title}', '{body}', \
                 'private', '2026-11-27 10:00:00', '2026-11-27 10:00:00')"
            )
        };
        sql(&mut conn, "PRAGMA foreign_keys = OFF").expect("no members needed");

        super::super::write_now(&mut conn, |conn| {
            sql(
                conn,
                &reflection(1, "Wijkteam", "Huisbezoek bij de huurder"),
            )?;
            sql(conn, &reflection(2, "Casusoverleg", "Eerste versie"))?;
            sql(conn, &reflection(3, "Schuldhulp", "Wordt weer verwijderd"))?;
            sql(
                conn,
                "UPDATE reflections SET body = 'Tweede versie' WHERE seq = 2",
            )?;
            sql(conn, "DELETE FROM reflections WHERE seq = 3")
        })
        .expect("first transaction");
        assert_eq!(found(&mut conn, "huurder"), [1]);
        assert_eq!(found(&mut conn, "tweede"), [2]);
        assert!(found(&mut conn, "eerste").is_empty());
        assert!(found(&mut conn, "schuldhulp").is_empty());
        index_matches_content(&mut conn);

        super::super::write_now(&mut conn, |conn| {
            sql(
                conn,
                "UPDATE reflections SET title = 'Woningcorporatie' WHERE seq = 1",
            )?;
            sql(conn, "DELETE FROM reflections WHERE seq = 2")?;
            sql(conn, &reflection(4, "Zorgaanbieder", "Nieuw"))
        })
        .expect("second transaction");
        assert_eq!(found(&mut conn, "woningcorporatie"), [1]);
        assert!(found(&mut conn, "wijkteam").is_empty());
        assert!(found(&mut conn, "tweede").is_empty());
        assert_eq!(found(&mut conn, "zorgaanbieder"), [4]);
        index_matches_content(&mut conn);
        assert_eq!(
            diesel::sql_query("SELECT count(*) AS seq FROM reflections_fts_queue")
                .get_result::<Seq>(&mut conn)
                .expect("queue")
                .seq,
            0,
            "the queue is empty between transactions"
        );
    }
}
