//! Session queries: the sessions themselves and their facilitators. Registrations live in
//! [`super::waitlist`]. Every function takes a connection and runs inside `db::run`.

use anyhow::Context;
use chrono::NaiveDateTime;
use diesel::expression::{
    is_aggregate, AppearsOnTable, Expression, SelectableExpression, ValidGrouping,
};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Nullable, Text};

use super::model::SessionRow;
use super::types::{RegistrationStatus, SessionFields, SessionId, SessionStatus};
use crate::db::{in_list, now, Backend, DbConn, MultiBackend};
use crate::error::ApiError;
use crate::members::types::{MemberId, Role};
use crate::pagination::PageRequest;
use crate::schema::{calendar_tokens, members, registrations, session_facilitators, sessions};

/// A session, or 404.
pub fn get(conn: &mut DbConn, id: SessionId) -> Result<SessionRow, ApiError> {
    sessions::table
        .find(id)
        .select(SessionRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("session"))
}

/// Whether the session exists (for other features that point to one).
pub fn exists(conn: &mut DbConn, id: SessionId) -> Result<bool, ApiError> {
    Ok(diesel::select(diesel::dsl::exists(sessions::table.find(id))).get_result(conn)?)
}

pub fn insert(
    conn: &mut DbConn,
    fields: &SessionFields,
    created_by: MemberId,
) -> Result<SessionId, ApiError> {
    let id = SessionId::new();
    let at = now();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(id),
            sessions::title.eq(&fields.title),
            sessions::description.eq(&fields.description),
            sessions::theme.eq(fields.theme),
            sessions::starts_at.eq(fields.starts_at),
            sessions::ends_at.eq(fields.ends_at),
            sessions::location.eq(&fields.location),
            sessions::online_url.eq(&fields.online_url),
            sessions::capacity.eq(fields.capacity),
            sessions::created_by.eq(created_by),
            sessions::created_at.eq(at),
            sessions::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Stores `fields` and bumps the version.
pub fn update(conn: &mut DbConn, id: SessionId, fields: &SessionFields) -> Result<(), ApiError> {
    diesel::update(sessions::table.find(id))
        .set((
            sessions::title.eq(&fields.title),
            sessions::description.eq(&fields.description),
            sessions::theme.eq(fields.theme),
            sessions::starts_at.eq(fields.starts_at),
            sessions::ends_at.eq(fields.ends_at),
            sessions::location.eq(&fields.location),
            sessions::online_url.eq(&fields.online_url),
            sessions::capacity.eq(fields.capacity),
            sessions::updated_at.eq(now()),
            sessions::version.eq(sessions::version + 1),
        ))
        .execute(conn)?;
    Ok(())
}

/// Cancels a scheduled session (bumping the version); a cancelled one stays as it is.
/// Registrations are kept, so members still see what was cancelled.
pub fn cancel(conn: &mut DbConn, id: SessionId) -> Result<(), ApiError> {
    diesel::update(
        sessions::table
            .find(id)
            .filter(sessions::status.eq(SessionStatus::Scheduled)),
    )
    .set((
        sessions::status.eq(SessionStatus::Cancelled),
        sessions::updated_at.eq(now()),
        sessions::version.eq(sessions::version + 1),
    ))
    .execute(conn)?;
    Ok(())
}

/// The facilitators of one session, by id (a page of sessions reads them with its rows, see
/// [`Listed`]).
pub fn facilitators_of(conn: &mut DbConn, id: SessionId) -> Result<Vec<MemberId>, ApiError> {
    Ok(session_facilitators::table
        .filter(session_facilitators::session_id.eq(id))
        .select(session_facilitators::member_id)
        .order(session_facilitators::member_id)
        .load(conn)?)
}

/// Replaces the facilitators of a session.
pub fn set_facilitators(
    conn: &mut DbConn,
    id: SessionId,
    members: &[MemberId],
) -> Result<(), ApiError> {
    diesel::delete(session_facilitators::table.filter(session_facilitators::session_id.eq(id)))
        .execute(conn)?;
    // One statement per row: multi-row VALUES is not in the dialect both backends share.
    for member in members {
        diesel::insert_into(session_facilitators::table)
            .values((
                session_facilitators::session_id.eq(id),
                session_facilitators::member_id.eq(*member),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The positions in `ids` of those who cannot facilitate: unknown, erased or deactivated
/// members, and members without the facilitator or admin role.
pub fn invalid_facilitators(conn: &mut DbConn, ids: &[MemberId]) -> Result<Vec<usize>, ApiError> {
    let able: Vec<MemberId> = members::table
        .filter(in_list(members::id, ids))
        .filter(members::active.eq(true))
        .filter(members::erased_at.is_null())
        .filter(members::role.eq_any([Role::Facilitator, Role::Admin]))
        .select(members::id)
        .load(conn)?;
    Ok(ids
        .iter()
        .enumerate()
        .filter(|(_, id)| !able.contains(id))
        .map(|(i, _)| i)
        .collect())
}

/// Filters of the session list; `from` inclusive, `to` exclusive, on `starts_at`.
#[derive(Debug, Default)]
pub struct SessionFilter {
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    pub status: Option<SessionStatus>,
}

/// A session with what its view needs beyond the row, read in the same statement.
#[derive(Debug)]
pub struct Listed {
    pub row: SessionRow,
    /// Its facilitators, by id.
    pub facilitators: Vec<MemberId>,
    /// Whether the reader has a registration (registered or waitlisted) for it.
    pub mine: bool,
}

/// Whether `me` holds a registration for the session of the row.
type Mine = diesel::dsl::exists<
    diesel::dsl::Filter<
        diesel::dsl::Filter<
            registrations::table,
            diesel::dsl::Eq<registrations::session_id, sessions::id>,
        >,
        diesel::dsl::Eq<registrations::member_id, MemberId>,
    >,
>;

type ListedQuery = diesel::dsl::IntoBoxed<
    'static,
    diesel::dsl::Select<
        sessions::table,
        (
            diesel::dsl::AsSelect<SessionRow, Backend>,
            FacilitatorIds,
            Mine,
        ),
    >,
    Backend,
>;

/// The columns of a [`Listed`] session as `me` sees it: the row, its facilitator ids and
/// whether `me` holds a registration. One statement per page instead of three (the
/// facilitators and the reader's registrations had one each).
fn listed(me: MemberId) -> ListedQuery {
    let mine = diesel::dsl::exists(
        registrations::table
            .filter(registrations::session_id.eq(sessions::id))
            .filter(registrations::member_id.eq(me)),
    );
    sessions::table
        .select((SessionRow::as_select(), FacilitatorIds, mine))
        .into_boxed()
}

/// A session's facilitator ids joined by commas in id order (`NULL` for none), as a subquery
/// of a query on `sessions`. Written out rather than as `sql()`, which would keep diesel from
/// caching the statement: the text is fixed per backend, which differ only in the name of the
/// ordered string aggregate.
#[derive(Debug, Clone, Copy)]
pub struct FacilitatorIds;

impl Expression for FacilitatorIds {
    type SqlType = Nullable<Text>;
}

impl AppearsOnTable<sessions::table> for FacilitatorIds {}

impl SelectableExpression<sessions::table> for FacilitatorIds {}

impl<GB> ValidGrouping<GB> for FacilitatorIds {
    type IsAggregate = is_aggregate::Never;
}

impl QueryFragment<Backend> for FacilitatorIds {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Backend>) -> QueryResult<()> {
        out.push_sql(match out.backend() {
            MultiBackend::Sqlite(_) => "(SELECT group_concat(",
            MultiBackend::Postgres(_) => "(SELECT string_agg(",
        });
        out.push_sql(
            "session_facilitators.member_id, ',' ORDER BY session_facilitators.member_id) \
             FROM session_facilitators WHERE session_facilitators.session_id = sessions.id)",
        );
        Ok(())
    }
}

impl QueryId for FacilitatorIds {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

type ListedColumns = (SessionRow, Option<String>, bool);

fn into_listed((row, facilitators, mine): ListedColumns) -> Result<Listed, ApiError> {
    let facilitators = facilitators
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .filter(|id| !id.is_empty())
        .map(|id| id.parse::<MemberId>())
        .collect::<Result<_, _>>()
        .context("a stored facilitator id")?;
    Ok(Listed {
        row,
        facilitators,
        mine,
    })
}

/// One session as `me` sees it (see [`Listed`]).
pub fn get_listed(conn: &mut DbConn, me: MemberId, id: SessionId) -> Result<Listed, ApiError> {
    listed(me)
        .filter(sessions::id.eq(id))
        .first::<ListedColumns>(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("session"))
        .and_then(into_listed)
}

/// Sessions by start, then id, as `me` sees them (see [`Listed`]); `fetch()` rows after the
/// cursor.
pub fn list(
    conn: &mut DbConn,
    me: MemberId,
    filter: &SessionFilter,
    page: &PageRequest<NaiveDateTime>,
) -> Result<Vec<Listed>, ApiError> {
    let mut query = listed(me);
    if let Some(from) = filter.from {
        query = query.filter(sessions::starts_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(sessions::starts_at.lt(to));
    }
    if let Some(status) = filter.status {
        query = query.filter(sessions::status.eq(status));
    }
    if let Some((at, id)) = &page.after {
        // `<=`/`>=` up front lets SQLite seek to the cursor in the index; the OR alone would
        // walk every row before it.
        query = query
            .filter(sessions::starts_at.ge(*at))
            .filter(sessions::starts_at.gt(*at).or(sessions::id.gt(id.clone())));
    }
    query
        .order((sessions::starts_at, sessions::id))
        .limit(page.fetch())
        .load::<ListedColumns>(conn)?
        .into_iter()
        .map(into_listed)
        .collect()
}

/// Makes `token_hash` the member's one calendar feed secret, revoking any previous one.
pub fn replace_calendar_token(
    conn: &mut DbConn,
    member: MemberId,
    token_hash: &str,
) -> Result<(), ApiError> {
    conn.transaction(|conn| {
        diesel::delete(calendar_tokens::table.find(member)).execute(conn)?;
        diesel::insert_into(calendar_tokens::table)
            .values((
                calendar_tokens::member_id.eq(member),
                calendar_tokens::token_hash.eq(token_hash),
                calendar_tokens::created_at.eq(now()),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// The active member whose calendar feed secret hashes to `token_hash`.
pub fn calendar_owner(conn: &mut DbConn, token_hash: &str) -> Result<Option<MemberId>, ApiError> {
    Ok(calendar_tokens::table
        .inner_join(members::table)
        .filter(calendar_tokens::token_hash.eq(token_hash))
        .filter(members::active.eq(true))
        .filter(members::erased_at.is_null())
        .select(members::id)
        .first(conn)
        .optional()?)
}

/// The most events one feed holds.
pub const FEED_MAX: i64 = 500;

/// The sessions `member` holds a place in that have not ended at `at` (cancelled ones
/// included), by start.
pub fn calendar_sessions(
    conn: &mut DbConn,
    member: MemberId,
    at: NaiveDateTime,
) -> Result<Vec<SessionRow>, ApiError> {
    Ok(sessions::table
        .inner_join(registrations::table)
        .filter(registrations::member_id.eq(member))
        .filter(registrations::status.eq(RegistrationStatus::Registered))
        .filter(sessions::ends_at.gt(at))
        .select(SessionRow::as_select())
        .order((sessions::starts_at, sessions::id))
        .limit(FEED_MAX)
        .load(conn)?)
}
