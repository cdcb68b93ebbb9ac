//! The writer: one thread with one connection of its own runs every write transaction of the
//! service, and commits them in groups.
//!
//! Writes are serialized anyway (SQLite has one writer; on PostgreSQL an advisory lock makes
//! them take turns across instances, see [`super::begin_write`]), so one thread loses no
//! parallelism. What it gains:
//!
//! - **Group commit.** Writes that arrive while a transaction is open join it, each inside its
//!   own savepoint: a write that fails rolls back alone, and one `COMMIT` (one WAL append on
//!   SQLite, one flush on PostgreSQL) then covers the whole group. Every caller is answered
//!   only after that `COMMIT`, so an acknowledged write is a durable one.
//! - **One search-index segment per group.** On SQLite the group's last statement indexes every
//!   reflection it added at once (see `sqlite::index_queued_reflections`).
//! - **A warm cache.** SQLite drops a connection's page cache whenever another connection has
//!   written; the writer's connection is the only one that writes, so its cache stays valid.
//! - No blocking-pool thread is parked on a lock while it waits for its turn.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::TransactionManager;
use diesel::r2d2::ManageConnection;
use diesel::Connection;
use tokio::sync::{mpsc, oneshot};

use super::sqlite::{self, Checkpointer};
use super::{begin_write, commit_write, DbConn, Manager};
use crate::config::DatabaseUrl;
use crate::error::ApiError;

/// At most this many writes share one transaction …
const MAX_GROUP: usize = 64;
/// … and a transaction takes in new writes for at most this long, so the first write of a
/// group never waits long for the last.
const MAX_GROUP_TIME: Duration = Duration::from_millis(3);
/// Writes waiting for the writer; beyond this, callers wait (asynchronously) to enqueue.
const QUEUE: usize = 1024;

/// What the writer thread runs: the caller's work inside a savepoint (or, when no transaction
/// could be opened, the reason), returning what to do once the group's `COMMIT` has succeeded
/// (`Ok`) or failed (`Err`).
type Job = Box<dyn FnOnce(Result<&mut DbConn, &diesel::result::Error>) -> Reply + Send>;
type Reply = Box<dyn FnOnce(Result<(), &diesel::result::Error>) + Send>;

/// The handle handlers use (see [`write`]); cheap to clone. The thread stops when the last
/// handle is dropped.
#[derive(Clone)]
pub struct Writer {
    queue: mpsc::Sender<Job>,
    commits: Arc<AtomicU64>,
}

impl Writer {
    /// Opens the writer's own connection and starts its thread, on a database that has the
    /// service's schema: every commit on SQLite first indexes the reflections it added.
    pub fn start(url: &DatabaseUrl) -> anyhow::Result<Self> {
        let manager = Manager {
            url: url.clone(),
            read_only: false,
        };
        let conn = connect(&manager)?;
        let checkpointer = match url {
            DatabaseUrl::Sqlite(path) => match manager.connect()? {
                DbConn::Sqlite(conn) => Some(Checkpointer::start(conn, path)?),
                DbConn::Postgres(_) => None,
            },
            DatabaseUrl::Postgres(_) => None,
        };
        let (queue, jobs) = mpsc::channel(QUEUE);
        let commits = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&commits);
        std::thread::Builder::new()
            .name("db-writer".into())
            .spawn(move || serve(manager, conn, jobs, checkpointer, &counted))?;
        Ok(Writer { queue, commits })
    }

    /// How many groups the writer has committed so far. A read whose transaction begins after
    /// this is read sees at least those commits.
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Acquire)
    }
}

/// Runs `f` in a write transaction, serialized with every other write of every instance, and
/// returns its result once it is committed. Use it for every read-then-write: `f` sees the
/// state no other write can change before it commits. An `Err` from `f` undoes what `f` did
/// and nothing else.
pub async fn write<T, F>(writer: &Writer, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let (answer, answered) = oneshot::channel();
    let span = tracing::Span::current();
    let job: Job = Box::new(move |conn| {
        let outcome = match conn {
            Ok(conn) => {
                let _entered = span.enter();
                // Nested in the group's transaction, diesel makes this a savepoint.
                conn.transaction(f)
            }
            Err(e) => Err(not_begun(e)),
        };
        Box::new(move |committed| {
            let result = match (outcome, committed) {
                (Ok(value), Ok(())) => Ok(value),
                (Err(own), _) => Err(own),
                (Ok(_), Err(e)) => Err(commit_failed(e)),
            };
            // The caller may have gone (client disconnected); the write stands regardless.
            let _ = answer.send(result);
        })
    });
    writer.queue.send(job).await.map_err(|_| stopped())?;
    // A dropped answer means the job panicked (logged by the writer) and was rolled back.
    answered.await.map_err(|_| stopped())?
}

fn stopped() -> ApiError {
    ApiError::Internal(anyhow::anyhow!("the write was not carried out"))
}

fn not_begun(e: &diesel::result::Error) -> ApiError {
    tracing::error!(error = %e, "cannot begin a write transaction");
    ApiError::Unavailable("The database is busy or unavailable; try again shortly.".into())
}

fn commit_failed(e: &diesel::result::Error) -> ApiError {
    tracing::error!(error = %e, "commit failed");
    ApiError::Unavailable("The database could not store this change; try again shortly.".into())
}

/// The writer's connection: the manager's, with the writer's own settings on SQLite.
fn connect(manager: &Manager) -> Result<DbConn, diesel::r2d2::Error> {
    let mut conn = manager.connect()?;
    if let DbConn::Sqlite(inner) = &mut conn {
        sqlite::configure_writer(inner).map_err(diesel::r2d2::Error::QueryError)?;
    }
    Ok(conn)
}

/// The writer thread: takes the first waiting write, opens a transaction, takes in whatever
/// else arrives while it runs (up to the group bounds), commits, answers everyone.
fn serve(
    manager: Manager,
    mut conn: DbConn,
    mut jobs: mpsc::Receiver<Job>,
    checkpointer: Option<Checkpointer>,
    commits: &AtomicU64,
) {
    while let Some(first) = jobs.blocking_recv() {
        if let Err(e) = begin_write(&mut conn) {
            // Nothing ran: the first write fails alone, and the next one tries again.
            first(Err(&e))(Err(&e));
            conn = recover(&manager, conn);
            continue;
        }
        let opened = Instant::now();
        let mut replies = Vec::with_capacity(MAX_GROUP);
        let mut next = Some(first);
        let mut healthy = true;
        while let Some(job) = next.take() {
            match catch_unwind(AssertUnwindSafe(|| job(Ok(&mut conn)))) {
                Ok(reply) => replies.push(reply),
                Err(_) => {
                    // Its savepoint may still be open: undo the whole group rather than guess.
                    tracing::error!("a write panicked; its group is rolled back");
                    healthy = false;
                    break;
                }
            }
            if replies.len() < MAX_GROUP && opened.elapsed() < MAX_GROUP_TIME {
                next = jobs.try_recv().ok();
            }
        }
        let outcome = if healthy {
            commit_write(&mut conn)
        } else {
            Err(diesel::result::Error::RollbackTransaction)
        };
        match &outcome {
            Err(e) => {
                rollback(&mut conn);
                tracing::warn!(error = %e, writes = replies.len(), "write group not committed");
            }
            // Counted before anyone hears of it: a read that a caller starts after its write
            // was answered must find the count that includes it (`Vocabulary::as_of`).
            Ok(()) => {
                commits.fetch_add(1, Ordering::Release);
            }
        }
        for reply in replies {
            reply(outcome.as_ref().map(|_| ()));
        }
        if outcome.is_err() {
            conn = recover(&manager, conn);
        } else if let (Some(checkpointer), DbConn::Sqlite(conn)) = (&checkpointer, &mut conn) {
            checkpointer.committed(conn);
        }
    }
}

fn rollback(conn: &mut DbConn) {
    if let Err(e) = <DbConn as Connection>::TransactionManager::rollback_transaction(conn) {
        tracing::warn!(error = %e, "rollback failed");
    }
}

/// After a failure: keeps the connection if it is idle and sound, else opens a new one
/// (retrying, since the database may be briefly away).
fn recover(manager: &Manager, mut conn: DbConn) -> DbConn {
    let depth =
        <DbConn as Connection>::TransactionManager::transaction_manager_status_mut(&mut conn)
            .transaction_depth()
            .ok()
            .flatten();
    if depth.is_none() && !manager.has_broken(&mut conn) && manager.is_valid(&mut conn).is_ok() {
        return conn;
    }
    loop {
        match connect(manager) {
            Ok(fresh) => return fresh,
            Err(e) => {
                tracing::error!(error = %e, "the writer cannot reconnect; retrying");
                std::thread::sleep(Duration::from_secs(1));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::sql_types::BigInt;
    use diesel::RunQueryDsl;

    use super::*;

    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        x: i64,
    }

    fn insert(conn: &mut DbConn, x: i64) -> Result<(), ApiError> {
        diesel::sql_query("INSERT INTO t (x) VALUES (?)")
            .bind::<BigInt, _>(x)
            .execute(conn)?;
        Ok(())
    }

    /// A fresh SQLite file with the service's schema (the writer's commits rely on it) and one
    /// table more, `t (x UNIQUE)`; the folder lives as long as the guard.
    fn database() -> (tempfile::TempDir, DatabaseUrl) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = DatabaseUrl::Sqlite(dir.path().join("t.db"));
        let pool = super::super::connect(&url, 1).expect("pool");
        super::super::migrate(&pool).expect("migrations");
        pool.get()
            .expect("connection")
            .batch_execute("CREATE TABLE t (x INTEGER NOT NULL UNIQUE)")
            .expect("table");
        (dir, url)
    }

    fn stored(url: &DatabaseUrl) -> Vec<i64> {
        let pool = super::super::connect(url, 1).expect("pool");
        let mut conn = pool.get().expect("connection");
        let rows: Vec<Row> = diesel::sql_query("SELECT x FROM t ORDER BY x")
            .load(&mut *conn)
            .expect("rows");
        rows.into_iter().map(|r| r.x).collect()
    }

    /// Many writes at once share transactions, yet each one that fails (after it wrote, or
    /// on a constraint) is undone alone and answered with its own error.
    #[actix_web::test]
    async fn a_failed_write_undoes_only_itself() {
        let (_dir, url) = database();
        let writer = Writer::start(&url).expect("writer");

        let writes: Vec<_> = (0..200i64)
            .map(|i| {
                let writer = writer.clone();
                actix_web::rt::spawn(async move {
                    let result = write(&writer, move |conn| {
                        insert(conn, i)?;
                        match i % 4 {
                            // Wrote, then refused: its row must go.
                            1 => Err(ApiError::Conflict("refused".into())),
                            // Wrote, then broke a constraint: both its rows must go.
                            2 => insert(conn, i - 2).map(|()| i),
                            _ => Ok(i),
                        }
                    })
                    .await;
                    (i, result)
                })
            })
            .collect();
        let mut results = Vec::new();
        for write in writes {
            results.push(write.await.expect("task"));
        }

        for (i, result) in &results {
            match i % 4 {
                1 | 2 => assert!(
                    matches!(result, Err(ApiError::Conflict(_))),
                    "{i}: {result:?}"
                ),
                _ => assert_eq!(result.as_ref().ok(), Some(i)),
            }
        }
        let expected: Vec<i64> = (0..200).filter(|i| i % 4 == 0 || i % 4 == 3).collect();
        assert_eq!(stored(&url), expected);
    }

    /// A caller that has its answer finds the write counted (reads rely on it, see
    /// `Writer::commits`): the count moves before anyone is answered.
    #[actix_web::test]
    async fn a_write_is_counted_before_it_is_answered() {
        let (_dir, url) = database();
        let writer = Writer::start(&url).expect("writer");
        for i in 0..500i64 {
            let before = writer.commits();
            write(&writer, move |conn| insert(conn, i))
                .await
                .expect("write");
            assert!(
                writer.commits() > before,
                "write {i} was answered before it was counted"
            );
        }
    }

    /// Commits reach the database file without the writer checkpointing (its own threshold is
    /// ~160 MiB of log): the checkpointer copies them while the log is still far below it.
    #[actix_web::test]
    async fn the_checkpointer_copies_commits_into_the_database_file() {
        let (dir, url) = database();
        let file = dir.path().join("t.db");
        let before = std::fs::metadata(&file).expect("database file").len();
        let writer = Writer::start(&url).expect("writer");
        for i in 0..64i64 {
            write(&writer, move |conn| {
                diesel::sql_query("INSERT INTO t (x) VALUES (?)")
                    .bind::<BigInt, _>(i)
                    .execute(conn)?;
                // ~16 KiB per write: a mebibyte in all, 256 pages of log.
                conn.batch_execute(&format!(
                    "CREATE TABLE IF NOT EXISTS pad (p); INSERT INTO pad VALUES (randomblob(16384) || {i});"
                ))?;
                Ok(())
            })
            .await
            .expect("write");
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut size = before;
        while size < before + (1 << 20) && Instant::now() < deadline {
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
            size = std::fs::metadata(&file).expect("database file").len();
        }
        assert!(
            size >= before + (1 << 20),
            "the database file stayed at {size} bytes (from {before})"
        );
    }

    /// Under steady writes the log starts over long before the writer's own threshold (~160 MiB,
    /// where a checkpoint inside a commit would copy and sync all of it): the checkpointer copies
    /// in passes and asks the writer to finish. 120 MiB from 4 writers, each writing every 2 ms;
    /// without the finish, commits land during every checkpoint and the log file grows with
    /// every write.
    #[actix_web::test]
    async fn the_log_starts_over_under_steady_writes() {
        use super::sqlite::WRITER_CHECKPOINT_AT;
        const PAGE: u64 = 4096;
        let (dir, url) = database();
        let writer = Writer::start(&url).expect("writer");
        write(&writer, |conn| {
            Ok(conn.batch_execute("CREATE TABLE pad (p)")?)
        })
        .await
        .expect("table");
        let writers: Vec<_> = (0..4)
            .map(|_| {
                let writer = writer.clone();
                actix_web::rt::spawn(async move {
                    // 960 writes of 32 KiB each: 30 MiB per writer.
                    for _ in 0..960 {
                        write(&writer, |conn| {
                            Ok(conn.batch_execute("INSERT INTO pad VALUES (randomblob(32768))")?)
                        })
                        .await
                        .expect("write");
                        actix_web::rt::time::sleep(Duration::from_millis(2)).await;
                    }
                })
            })
            .collect();
        for task in writers {
            task.await.expect("writer task");
        }
        let log = std::fs::metadata(dir.path().join("t.db-wal"))
            .expect("log file")
            .len();
        let bound = WRITER_CHECKPOINT_AT as u64 * PAGE / 2;
        assert!(log < bound, "the log grew to {log} bytes (bound {bound})");
    }

    /// The service's read connections refuse to write, so a write that bypasses the writer
    /// fails in the tests instead of racing it in production.
    #[test]
    fn readers_cannot_write() {
        let (_dir, url) = database();
        let readers = super::super::readers(&url, 1).expect("readers");
        let mut conn = readers.get().expect("reader");
        assert!(insert(&mut conn, 1).is_err());
        assert!(stored(&url).is_empty());
    }
}
