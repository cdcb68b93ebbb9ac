//! Short reads on the thread that serves the request.
//!
//! [`super::run`] hands every query to the blocking pool and back: two thread switches per
//! call, which on SQLite cost more than the query itself when it is a lookup by key or one
//! page read from an index (R1's and R2's profiles: a fifth of the CPU in the scheduler and in
//! futex wake-ups). [`Near::read`] runs such a read where the request already is, with a
//! read-only SQLite connection that each worker thread keeps for itself (so no pool lock, and
//! the statement cache stays warm). Only for reads whose cost a page bounds — the member check
//! and the list pages — never for searches, exports or anything that may take long: while it
//! runs, the worker's other connections wait. On PostgreSQL every query is a round trip to
//! another process, so there `read` is [`super::run`].

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};

use diesel::r2d2::ManageConnection;

use super::{run, snapshot, DbConn, DbPool, Manager};
use crate::config::DatabaseUrl;
use crate::error::ApiError;

/// Where short reads run: see the module documentation.
#[derive(Clone)]
pub struct Near {
    /// Which thread-kept connections are this database's (tests run many services in one
    /// process).
    key: u64,
    manager: Manager,
    pool: DbPool,
}

thread_local! {
    /// This thread's read connection, by [`Near::key`].
    static KEPT: RefCell<Option<(u64, DbConn)>> = const { RefCell::new(None) };
}

impl Near {
    pub fn new(url: &DatabaseUrl, pool: DbPool) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Near {
            key: NEXT.fetch_add(1, Ordering::Relaxed),
            manager: Manager {
                url: url.clone(),
                read_only: true,
            },
            pool,
        }
    }

    /// [`Near::read`] when `short`, else the blocking pool: for handlers whose reads are short
    /// unless the request asks for a search.
    pub async fn read_if<F, T>(&self, short: bool, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        if short {
            self.read(f).await
        } else {
            run(&self.pool, f).await
        }
    }

    /// Runs the short read `f`: on SQLite here, with this thread's connection; on PostgreSQL on
    /// the blocking pool. A panic in `f` is a 500, as on the blocking pool, and its connection
    /// is dropped.
    pub async fn read<F, T>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        if matches!(self.manager.url, DatabaseUrl::Postgres(_)) {
            return run(&self.pool, f).await;
        }
        let mut conn = match KEPT.with(|kept| kept.borrow_mut().take()) {
            Some((key, conn)) if key == self.key => conn,
            _ => self.manager.connect().map_err(|e| {
                tracing::warn!(error = %e, "no database connection available");
                ApiError::Unavailable(
                    "The database is busy or unavailable; try again shortly.".into(),
                )
            })?,
        };
        let result = catch_unwind(AssertUnwindSafe(|| snapshot(&mut conn, f)))
            .map_err(|_| ApiError::Internal(anyhow::anyhow!("a read panicked")))?;
        if !self.manager.has_broken(&mut conn) {
            KEPT.with(|kept| *kept.borrow_mut() = Some((self.key, conn)));
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::{QueryableByName, RunQueryDsl};

    use super::*;

    #[derive(QueryableByName)]
    struct Number {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }

    /// The one number `sql` selects, as `n`.
    fn number(conn: &mut DbConn, sql: &str) -> Result<i64, ApiError> {
        let rows: Vec<Number> = diesel::sql_query(sql).load(conn)?;
        Ok(rows.first().map_or(0, |r| r.n))
    }

    fn cache_size(conn: &mut DbConn) -> Result<i64, ApiError> {
        number(conn, "SELECT cache_size AS n FROM pragma_cache_size()")
    }

    fn count(conn: &mut DbConn) -> Result<i64, ApiError> {
        number(conn, "SELECT count(*) AS n FROM t")
    }

    /// A fresh SQLite file with a table `t` holding one row, a writable pool on it and a
    /// `Near` over its read pool; the folder lives as long as the guard.
    fn database() -> (tempfile::TempDir, DbPool, Near) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = DatabaseUrl::Sqlite(dir.path().join("t.db"));
        let writable = super::super::connect(&url, 1).expect("pool");
        writable
            .get()
            .expect("connection")
            .batch_execute("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)")
            .expect("table");
        let near = Near::new(&url, super::super::readers(&url, 1).expect("pool"));
        (dir, writable, near)
    }

    #[actix_web::test]
    async fn reads_on_this_thread_keep_one_connection_and_survive_a_panic() {
        let (_dir, _writable, near) = database();

        // The thread's connection is opened once and kept: a setting made by one read is seen
        // by the next.
        near.read(|conn| Ok(conn.batch_execute("PRAGMA cache_size = 1234")?))
            .await
            .expect("first read");
        assert_eq!(near.read(cache_size).await.expect("second read"), 1234);

        // Reads only.
        let write = near
            .read(|conn| Ok(conn.batch_execute("INSERT INTO t VALUES (2)")?))
            .await;
        assert!(write.is_err());

        // A panic is an error, not a dead worker; the next read gets a fresh connection.
        let panicked = near
            .read(|_| -> Result<(), ApiError> { panic!("boom") })
            .await;
        assert!(matches!(panicked, Err(ApiError::Internal(_))));
        assert_ne!(near.read(cache_size).await.expect("fresh read"), 1234);
    }

    /// Every statement of one read sees the same snapshot, here and on the blocking pool: a
    /// commit made between two of them shows only in the next read.
    #[actix_web::test]
    async fn a_read_sees_one_snapshot() {
        let (_dir, writable, near) = database();

        for on_the_pool in [false, true] {
            let writer = writable.clone();
            let counts = near
                .read_if(!on_the_pool, move |conn| {
                    let first = count(conn)?;
                    writer
                        .get()
                        .expect("connection")
                        .batch_execute("INSERT INTO t VALUES (2)")
                        .expect("commit between two statements");
                    Ok((first, count(conn)?))
                })
                .await
                .expect("read");
            assert_eq!(counts.0, counts.1, "pool: {on_the_pool}");
            assert_eq!(near.read(count).await.expect("next read"), counts.0 + 1);
        }
    }
}
