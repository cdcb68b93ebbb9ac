//! Member queries. Every function takes a connection and runs inside `db::run`.

use std::collections::HashMap;

use diesel::prelude::*;

use super::model::{MemberRow, NewMember};
use super::types::{MemberId, ProfileChange, Role};
use crate::db::{in_list, now, DbConn};
use crate::error::ApiError;
use crate::networks::types::NetworkId;
use crate::pagination::PageRequest;
use crate::schema::{members, network_members};

/// A member who has not been erased.
pub fn find(conn: &mut DbConn, id: MemberId) -> Result<Option<MemberRow>, ApiError> {
    Ok(members::table
        .find(id)
        .filter(members::erased_at.is_null())
        .select(MemberRow::as_select())
        .first(conn)
        .optional()?)
}

/// Like [`find`], but absence is a 404.
pub fn get(conn: &mut DbConn, id: MemberId) -> Result<MemberRow, ApiError> {
    find(conn, id)?.ok_or_else(|| ApiError::not_found("member"))
}

pub fn find_by_email(conn: &mut DbConn, email: &str) -> Result<Option<MemberRow>, ApiError> {
    Ok(members::table
        .filter(members::email.eq(email))
        .select(MemberRow::as_select())
        .first(conn)
        .optional()?)
}

/// Whether an active account uses `email`.
pub fn email_taken(conn: &mut DbConn, email: &str) -> Result<bool, ApiError> {
    Ok(find_by_email(conn, email)?.is_some())
}

pub fn insert(conn: &mut DbConn, member: &NewMember<'_>) -> Result<(), ApiError> {
    diesel::insert_into(members::table)
        .values(member)
        .execute(conn)
        .map_err(|e| match ApiError::from(e) {
            ApiError::Conflict(_) => {
                ApiError::Conflict("An account with this email exists already.".into())
            }
            other => other,
        })?;
    Ok(())
}

/// The networks of each of `ids`, in a stable order.
pub fn network_ids(
    conn: &mut DbConn,
    ids: &[MemberId],
) -> Result<HashMap<MemberId, Vec<NetworkId>>, ApiError> {
    let rows: Vec<(MemberId, NetworkId)> = network_members::table
        .filter(in_list(network_members::member_id, ids))
        .select((network_members::member_id, network_members::network_id))
        .order((network_members::member_id, network_members::network_id))
        .load(conn)?;
    let mut map: HashMap<MemberId, Vec<NetworkId>> = HashMap::new();
    for (member, network) in rows {
        map.entry(member).or_default().push(network);
    }
    Ok(map)
}

/// The networks of one member.
pub fn network_ids_of(conn: &mut DbConn, id: MemberId) -> Result<Vec<NetworkId>, ApiError> {
    Ok(network_ids(conn, &[id])?.remove(&id).unwrap_or_default())
}

/// Filters of the members directory.
#[derive(Debug, Default)]
pub struct MemberFilter {
    pub q: Option<String>,
    pub role: Option<Role>,
    pub network_id: Option<NetworkId>,
}

/// Active members by display name, then id; `fetch()` rows after the cursor.
pub fn list(
    conn: &mut DbConn,
    filter: &MemberFilter,
    page: &PageRequest<String>,
) -> Result<Vec<MemberRow>, ApiError> {
    let mut query = members::table
        .filter(members::active.eq(true))
        .filter(members::erased_at.is_null())
        .select(MemberRow::as_select())
        .into_boxed();
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        // lower() on both sides: LIKE is case-insensitive on SQLite (for ASCII) but not on
        // PostgreSQL, and ILIKE exists only there.
        let pattern = like_pattern(&q.to_lowercase());
        query = query.filter(
            lower(members::display_name)
                .like(pattern.clone())
                .escape('\\')
                .or(lower_nullable(members::organization)
                    .like(pattern)
                    .escape('\\')),
        );
    }
    if let Some(role) = filter.role {
        query = query.filter(members::role.eq(role));
    }
    if let Some(network) = filter.network_id {
        query = query.filter(
            members::id.eq_any(
                network_members::table
                    .filter(network_members::network_id.eq(network))
                    .select(network_members::member_id),
            ),
        );
    }
    if let Some((name, id)) = &page.after {
        // `<=`/`>=` up front lets SQLite seek to the cursor in the index; the OR alone would
        // walk every row before it.
        query = query.filter(members::display_name.ge(name.clone())).filter(
            members::display_name
                .gt(name.clone())
                .or(members::id.gt(id.clone())),
        );
    }
    Ok(query
        .order((members::display_name, members::id))
        .limit(page.fetch())
        .load(conn)?)
}

diesel::define_sql_function! {
    /// SQL `lower()`.
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

diesel::define_sql_function! {
    /// SQL `lower()` of a nullable column.
    #[sql_name = "lower"]
    fn lower_nullable(
        text: diesel::sql_types::Nullable<diesel::sql_types::Text>,
    ) -> diesel::sql_types::Nullable<diesel::sql_types::Text>;
}

/// `%q%` with LIKE's wildcards escaped, so `50%` or `a_b` match literally.
pub fn like_pattern(q: &str) -> String {
    let escaped = q
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Applies a profile change and bumps the version.
pub fn update_profile(
    conn: &mut DbConn,
    id: MemberId,
    change: ProfileChange,
) -> Result<(), ApiError> {
    let row = get(conn, id)?;
    diesel::update(members::table.find(id))
        .set((
            members::display_name.eq(change.display_name.unwrap_or(row.display_name)),
            members::organization.eq(change.organization.unwrap_or(row.organization)),
            members::job_title.eq(change.job_title.unwrap_or(row.job_title)),
            members::bio.eq(change.bio.unwrap_or(row.bio)),
            members::member_kind.eq(change.member_kind.unwrap_or(row.member_kind)),
            members::updated_at.eq(now()),
            members::version.eq(members::version + 1),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_password(conn: &mut DbConn, id: MemberId, hash: &str) -> Result<(), ApiError> {
    diesel::update(members::table.find(id))
        .set((
            members::password_hash.eq(hash),
            members::updated_at.eq(now()),
            members::version.eq(members::version + 1),
        ))
        .execute(conn)?;
    Ok(())
}

/// 409 when `id` is the last active admin (who may then not be demoted, deactivated or
/// erased).
pub fn ensure_not_last_admin(conn: &mut DbConn, id: MemberId) -> Result<(), ApiError> {
    let row = get(conn, id)?;
    if row.role != Role::Admin || !row.active {
        return Ok(());
    }
    let other_admins: i64 = members::table
        .filter(members::role.eq(Role::Admin))
        .filter(members::active.eq(true))
        .filter(members::id.ne(id))
        .count()
        .get_result(conn)?;
    if other_admins == 0 {
        return Err(ApiError::Conflict(
            "This is the last active admin; promote another admin first.".into(),
        ));
    }
    Ok(())
}

/// Sets role and active flag (admin action), refusing to leave no active admin. Call inside a
/// write transaction so two admins demoting each other cannot both succeed.
pub fn set_role_and_active(
    conn: &mut DbConn,
    id: MemberId,
    role: Role,
    active: bool,
) -> Result<(), ApiError> {
    if !(role == Role::Admin && active) {
        ensure_not_last_admin(conn, id)?;
    }
    diesel::update(members::table.find(id))
        .set((
            members::role.eq(role),
            members::active.eq(active),
            members::updated_at.eq(now()),
            members::version.eq(members::version + 1),
        ))
        .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(like_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
    }
}
