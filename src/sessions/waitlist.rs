//! Registrations, the waitlist and attendance.
//!
//! The invariants — capacity never exceeded, nobody registered twice, waitlist positions
//! contiguous and first come, first served — hold because:
//! - there is one row per (session, member) (primary key), whatever happens to it;
//! - every change runs inside one `db::write` (SQLite `BEGIN IMMEDIATE`) transaction, so the
//!   count of places and the next queue number are read and written under the write lock;
//! - a registration always joins the queue (`seq` = max + 1) and [`fill_places`] then moves the
//!   front of the queue into the free places: one code path for registering, leaving and
//!   raising the capacity, so nobody can overtake someone already waiting;
//! - waitlist positions are never stored: a position is 1 + the number of waitlisted rows of
//!   the session with a smaller `seq`, derived when read.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::dsl::max;
use diesel::prelude::*;

use super::model::{RegistrationRow, SessionRow};
use super::types::{RegistrationResponse, RegistrationStatus, SessionId};
use crate::db::{in_list, DbConn};
use crate::error::{ApiError, FieldError};
use crate::members::types::MemberId;
use crate::pagination::PageRequest;
use crate::schema::{members, registrations, sessions};

/// `member`'s registration for the session (of any status), if there ever was one.
pub fn find(
    conn: &mut DbConn,
    session: SessionId,
    member: MemberId,
) -> Result<Option<RegistrationRow>, ApiError> {
    Ok(registrations::table
        .find((session, member))
        .select(RegistrationRow::as_select())
        .first(conn)
        .optional()?)
}

/// The places taken in `session`, as its row keeps them (triggers on `registrations` move the
/// count in the same transaction as each change).
fn registered_count(conn: &mut DbConn, session: SessionId) -> Result<i64, ApiError> {
    let taken: i32 = sessions::table
        .find(session)
        .select(sessions::registered_count)
        .first(conn)?;
    Ok(taken.into())
}

diesel::alias!(registrations as waitlisted: Waitlisted);

/// `member`'s registrations for any of `sessions`, each with its waitlist position (`None`
/// when not waitlisted), counted in the same statement: a page of sessions whose waitlists
/// the member is on asked once per session before (R1 after W2 ran at a quarter of R1).
pub fn registrations_of(
    conn: &mut DbConn,
    member: MemberId,
    sessions: &[SessionId],
) -> Result<Vec<(RegistrationRow, Option<i64>)>, ApiError> {
    // 1 + the waitlisted rows with a smaller `seq` = the waitlisted rows up to this one's.
    // The first condition is the outer row's: SQLite checks it before it reads the index, so
    // a row that is not waitlisted costs nothing here.
    let up_to_mine = waitlisted
        .filter(registrations::status.eq(RegistrationStatus::Waitlisted))
        .filter(
            waitlisted
                .field(registrations::session_id)
                .eq(registrations::session_id),
        )
        .filter(
            waitlisted
                .field(registrations::status)
                .eq(RegistrationStatus::Waitlisted),
        )
        .filter(waitlisted.field(registrations::seq).le(registrations::seq))
        .count()
        .single_value();
    let rows: Vec<(RegistrationRow, Option<i64>)> = registrations::table
        .filter(registrations::member_id.eq(member))
        .filter(in_list(registrations::session_id, sessions))
        .select((RegistrationRow::as_select(), up_to_mine))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(row, position)| {
            let position = position.filter(|_| row.status == RegistrationStatus::Waitlisted);
            (row, position)
        })
        .collect())
}

/// The waitlist position of each of `rows` (all of one session): 1 + the number of waitlisted
/// rows of the session with a smaller `seq`; `None` for rows that are not waitlisted.
pub fn positions(
    conn: &mut DbConn,
    session: SessionId,
    rows: &[&RegistrationRow],
) -> Result<Vec<Option<i64>>, ApiError> {
    let waiting = |r: &&&RegistrationRow| r.status == RegistrationStatus::Waitlisted;
    let Some(last) = rows.iter().filter(waiting).map(|r| r.seq).max() else {
        return Ok(vec![None; rows.len()]);
    };
    let queue: Vec<i64> = registrations::table
        .filter(registrations::session_id.eq(session))
        .filter(registrations::status.eq(RegistrationStatus::Waitlisted))
        .filter(registrations::seq.le(last))
        .select(registrations::seq)
        .order(registrations::seq)
        .load(conn)?;
    Ok(rows
        .iter()
        .map(|row| {
            (row.status == RegistrationStatus::Waitlisted)
                .then(|| queue.partition_point(|&seq| seq < row.seq) as i64 + 1)
        })
        .collect())
}

/// `rows` (all of one session) with their members' names, as the API shows them.
pub fn responses(
    conn: &mut DbConn,
    session: SessionId,
    rows: Vec<(RegistrationRow, String)>,
) -> Result<Vec<RegistrationResponse>, ApiError> {
    let plain: Vec<&RegistrationRow> = rows.iter().map(|(r, _)| r).collect();
    let positions = positions(conn, session, &plain)?;
    Ok(rows
        .into_iter()
        .zip(positions)
        .map(|((row, name), position)| row.into_response(name, position))
        .collect())
}

/// Moves the front of the queue into the free places, in queue order. Runs in the same
/// transaction as whatever freed a place (a departure, a larger capacity) or joined the queue.
pub fn fill_places(conn: &mut DbConn, session: &SessionRow) -> Result<(), ApiError> {
    if session.is_cancelled() {
        return Ok(());
    }
    let mut front = registrations::table
        .filter(registrations::session_id.eq(session.id))
        .filter(registrations::status.eq(RegistrationStatus::Waitlisted))
        .select(registrations::member_id)
        .order(registrations::seq)
        .into_boxed();
    if let Some(capacity) = session.capacity {
        let free = i64::from(capacity) - registered_count(conn, session.id)?;
        if free <= 0 {
            return Ok(());
        }
        front = front.limit(free);
    }
    let promoted: Vec<MemberId> = front.load(conn)?;
    if promoted.is_empty() {
        return Ok(());
    }
    diesel::update(
        registrations::table
            .filter(registrations::session_id.eq(session.id))
            .filter(registrations::member_id.eq_any(&promoted)),
    )
    .set((
        registrations::status.eq(RegistrationStatus::Registered),
        registrations::updated_at.eq(crate::db::now()),
    ))
    .execute(conn)?;
    Ok(())
}

/// 409 when `capacity` would leave fewer places than members registered.
pub fn check_capacity(
    conn: &mut DbConn,
    session: SessionId,
    capacity: Option<i32>,
) -> Result<(), ApiError> {
    let Some(capacity) = capacity else {
        return Ok(());
    };
    let registered = registered_count(conn, session)?;
    if i64::from(capacity) < registered {
        return Err(ApiError::Conflict(format!(
            "{registered} members are registered; the capacity cannot be lower than that."
        )));
    }
    Ok(())
}

/// Registers `member`, or puts them on the waitlist when the session is full. Returns the
/// registration and whether it is new (`false`: they were registered or waitlisted already,
/// and nothing changed). Call inside `db::write` with `session` read in that transaction.
pub fn register(
    conn: &mut DbConn,
    session: &SessionRow,
    member: MemberId,
    at: NaiveDateTime,
) -> Result<(RegistrationRow, bool), ApiError> {
    if session.is_cancelled() {
        return Err(ApiError::Conflict("This session is cancelled.".into()));
    }
    if session.has_started(at) {
        return Err(ApiError::Conflict(
            "This session has started; registration is closed.".into(),
        ));
    }
    let existing = find(conn, session.id, member)?;
    if let Some(row) = existing
        .as_ref()
        .filter(|r| r.status != RegistrationStatus::Cancelled)
    {
        return Ok((row.clone(), false));
    }
    let next: Option<i64> = registrations::table
        .filter(registrations::session_id.eq(session.id))
        .select(max(registrations::seq))
        .first(conn)?;
    let seq = next.unwrap_or(0) + 1;
    if existing.is_some() {
        // Someone who cancelled and comes back joins the back of the queue, in their own row.
        diesel::update(registrations::table.find((session.id, member)))
            .set((
                registrations::status.eq(RegistrationStatus::Waitlisted),
                registrations::seq.eq(seq),
                registrations::attended.eq(None::<bool>),
                registrations::registered_at.eq(at),
                registrations::updated_at.eq(at),
            ))
            .execute(conn)?;
    } else {
        diesel::insert_into(registrations::table)
            .values((
                registrations::session_id.eq(session.id),
                registrations::member_id.eq(member),
                registrations::status.eq(RegistrationStatus::Waitlisted),
                registrations::seq.eq(seq),
                registrations::registered_at.eq(at),
                registrations::updated_at.eq(at),
            ))
            .execute(conn)?;
    }
    fill_places(conn, session)?;
    let row = find(conn, session.id, member)?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("registration vanished")))?;
    Ok((row, true))
}

/// Cancels `member`'s registration or waitlist place; a freed place goes to the first in the
/// queue in the same transaction. 404 when they hold neither; 409 once the session started
/// (the registration is then a record of who was expected).
pub fn leave(
    conn: &mut DbConn,
    session: &SessionRow,
    member: MemberId,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    let row = find(conn, session.id, member)?
        .filter(|r| r.status != RegistrationStatus::Cancelled)
        .ok_or_else(|| {
            ApiError::NotFound("You are not registered or waitlisted for this session.".into())
        })?;
    if session.has_started(at) {
        return Err(ApiError::Conflict(
            "This session has started; the registration stays on record.".into(),
        ));
    }
    diesel::update(registrations::table.find((session.id, member)))
        .set((
            registrations::status.eq(RegistrationStatus::Cancelled),
            registrations::attended.eq(None::<bool>),
            registrations::updated_at.eq(at),
        ))
        .execute(conn)?;
    if row.status == RegistrationStatus::Registered {
        fill_places(conn, session)?;
    }
    Ok(())
}

/// A session's registrations with their members' names, in registration (queue) order:
/// `fetch()` rows after the cursor of `page`, or all of them without one. Erased members are
/// never listed.
pub fn list(
    conn: &mut DbConn,
    session: SessionId,
    status: Option<RegistrationStatus>,
    page: Option<&PageRequest<i64>>,
) -> Result<Vec<(RegistrationRow, String)>, ApiError> {
    let mut query = registrations::table
        .inner_join(members::table)
        .filter(registrations::session_id.eq(session))
        .filter(members::erased_at.is_null())
        .select((RegistrationRow::as_select(), members::display_name))
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(registrations::status.eq(status));
    }
    if let Some(page) = page {
        if let Some((seq, _)) = &page.after {
            query = query.filter(registrations::seq.gt(*seq));
        }
        query = query.limit(page.fetch());
    }
    Ok(query.order(registrations::seq).load(conn)?)
}

/// Records who came: the registered members in `present` attended, the other registered
/// members did not. 409 before the session starts or when it is cancelled; 422 naming every
/// listed member who is not registered.
pub fn set_attendance(
    conn: &mut DbConn,
    session: &SessionRow,
    present: &[MemberId],
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    if session.is_cancelled() {
        return Err(ApiError::Conflict(
            "This session was cancelled; there is no attendance to take.".into(),
        ));
    }
    if !session.has_started(at) {
        return Err(ApiError::Conflict(
            "Attendance can be taken once the session has started.".into(),
        ));
    }
    let listed = members::table
        .filter(members::erased_at.is_null())
        .select(members::id);
    let registered: HashSet<MemberId> = registrations::table
        .filter(registrations::session_id.eq(session.id))
        .filter(registrations::status.eq(RegistrationStatus::Registered))
        .filter(registrations::member_id.eq_any(listed))
        .select(registrations::member_id)
        .load::<MemberId>(conn)?
        .into_iter()
        .collect();
    let errors: Vec<FieldError> = present
        .iter()
        .enumerate()
        .filter(|(_, id)| !registered.contains(id))
        .map(|(i, _)| {
            FieldError::new(
                format!("present[{i}]"),
                "is not registered for this session",
            )
        })
        .collect();
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let registered: Vec<MemberId> = registered.into_iter().collect();
    diesel::update(
        registrations::table
            .filter(registrations::session_id.eq(session.id))
            .filter(registrations::member_id.eq_any(&registered)),
    )
    .set((
        registrations::attended.eq(false),
        registrations::updated_at.eq(at),
    ))
    .execute(conn)?;
    diesel::update(
        registrations::table
            .filter(registrations::session_id.eq(session.id))
            .filter(registrations::member_id.eq_any(present)),
    )
    .set(registrations::attended.eq(true))
    .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    //! The queue arithmetic, on an in-memory database built from the real migrations.

    use diesel::Connection;
    use diesel_migrations::MigrationHarness;

    use super::*;
    use crate::members::types::{MemberKind, Role};
    use crate::sessions::types::{SessionFields, SessionStatus};

    fn db() -> DbConn {
        let mut conn = diesel::SqliteConnection::establish(":memory:").expect("in-memory database");
        conn.run_pending_migrations(crate::db::SQLITE_MIGRATIONS)
            .expect("migrations");
        DbConn::Sqlite(conn)
    }

    fn member(conn: &mut DbConn, name: &str) -> MemberId {
        let id = MemberId::new();
        let at = crate::db::now();
        crate::members::queries::insert(
            conn,
            &crate::members::model::NewMember {
                id,
                email: &format!("{id}@example.org"),
                display_name: name,
                member_kind: MemberKind::Professional,
                role: Role::Member,
                organization: None,
                job_title: None,
                bio: None,
                password_hash: "x",
                active: true,
                joined_at: at,
                updated_at: at,
                version: 1,
            },
        )
        .expect("member");
        id
    }

    fn session(conn: &mut DbConn, capacity: Option<i32>) -> SessionRow {
        let at = crate::db::now();
        let fields = SessionFields {
            title: "Autonomie afstaan".into(),
            description: String::new(),
            theme: None,
            starts_at: at + chrono::Duration::days(1),
            ends_at: at + chrono::Duration::days(1) + chrono::Duration::hours(2),
            location: None,
            online_url: None,
            capacity,
        };
        let creator = member(conn, "Bram Visser");
        let id = super::super::queries::insert(conn, &fields, creator).expect("session");
        super::super::queries::get(conn, id).expect("session")
    }

    fn statuses(conn: &mut DbConn, session: SessionId) -> Vec<(RegistrationStatus, Option<i64>)> {
        let rows = list(conn, session, None, None).expect("list");
        responses(conn, session, rows)
            .expect("responses")
            .into_iter()
            .map(|r| (r.status, r.waitlist_position))
            .collect()
    }

    #[test]
    fn queue_fills_places_first_come_first_served() {
        use RegistrationStatus::{Cancelled, Registered, Waitlisted};
        let mut conn = db();
        let s = session(&mut conn, Some(2));
        let now = crate::db::now();
        let ids: Vec<_> = (0..5)
            .map(|i| member(&mut conn, &format!("lid {i}")))
            .collect();
        for id in &ids {
            let (_, new) = register(&mut conn, &s, *id, now).expect("register");
            assert!(new);
        }
        let (again, new) = register(&mut conn, &s, ids[0], now).expect("again");
        assert!(!new);
        assert_eq!(again.status, Registered);
        assert_eq!(
            statuses(&mut conn, s.id),
            [
                (Registered, None),
                (Registered, None),
                (Waitlisted, Some(1)),
                (Waitlisted, Some(2)),
                (Waitlisted, Some(3))
            ]
        );

        // A waitlisted member leaving moves the ones behind up.
        leave(&mut conn, &s, ids[3], now).expect("leave");
        // A registered member leaving promotes the first in the queue.
        leave(&mut conn, &s, ids[0], now).expect("leave");
        assert_eq!(
            statuses(&mut conn, s.id),
            [
                (Cancelled, None),
                (Registered, None),
                (Registered, None),
                (Cancelled, None),
                (Waitlisted, Some(1))
            ]
        );

        // Coming back means joining the back of the queue.
        register(&mut conn, &s, ids[0], now).expect("back");
        let back = find(&mut conn, s.id, ids[0]).expect("find").expect("row");
        assert_eq!(back.status, Waitlisted);
        assert_eq!(
            positions(&mut conn, s.id, &[&back]).expect("positions"),
            [Some(2)]
        );
    }

    #[test]
    fn unlimited_sessions_never_waitlist_and_cancelled_ones_refuse() {
        let mut conn = db();
        let s = session(&mut conn, None);
        let now = crate::db::now();
        for i in 0..30 {
            let id = member(&mut conn, &format!("lid {i}"));
            let (row, _) = register(&mut conn, &s, id, now).expect("register");
            assert_eq!(row.status, RegistrationStatus::Registered);
        }
        let cancelled = SessionRow {
            status: SessionStatus::Cancelled,
            ..s.clone()
        };
        let late = member(&mut conn, "laat");
        assert!(matches!(
            register(&mut conn, &cancelled, late, now),
            Err(ApiError::Conflict(_))
        ));
        let started = now + chrono::Duration::days(2);
        assert!(matches!(
            register(&mut conn, &s, late, started),
            Err(ApiError::Conflict(_))
        ));
    }
}
