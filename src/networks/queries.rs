//! Network queries. Every function takes a connection and runs inside `db::run`.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::model::NetworkRow;
use super::types::{name_key, NetworkFields, NetworkId, NetworkRole, NetworkValue};
use crate::db::{in_list, now, DbConn};
use crate::error::ApiError;
use crate::members::model::MemberRow;
use crate::members::queries::like_pattern;
use crate::members::types::MemberId;
use crate::pagination::PageRequest;
use crate::schema::{members, network_members, networks};

/// A network, or 404.
pub fn get(conn: &mut DbConn, id: NetworkId) -> Result<NetworkRow, ApiError> {
    networks::table
        .find(id)
        .select(NetworkRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("network"))
}

/// Whether the network exists (for other features that point to one).
pub fn exists(conn: &mut DbConn, id: NetworkId) -> Result<bool, ApiError> {
    Ok(diesel::select(diesel::dsl::exists(networks::table.find(id))).get_result(conn)?)
}

/// A taken name (in any case) is a 409 with a message that says so.
fn name_conflict(err: diesel::result::Error) -> ApiError {
    match ApiError::from(err) {
        ApiError::Conflict(_) => ApiError::Conflict(
            "A network with this name exists already (names ignore case).".into(),
        ),
        other => other,
    }
}

fn json(value: &impl serde::Serialize) -> Result<String, ApiError> {
    Ok(serde_json::to_string(value).map_err(anyhow::Error::from)?)
}

pub fn insert(conn: &mut DbConn, fields: &NetworkFields) -> Result<NetworkRow, ApiError> {
    let id = NetworkId::new();
    let at = now();
    diesel::insert_into(networks::table)
        .values((
            networks::id.eq(id),
            networks::name.eq(&fields.name),
            networks::name_key.eq(name_key(&fields.name)),
            networks::description.eq(&fields.description),
            networks::task.eq(&fields.task),
            networks::value.eq(fields.value),
            networks::focus_kind.eq(fields.focus.kind),
            networks::focus_label.eq(&fields.focus.label),
            networks::future.eq(fields.future),
            networks::legitimacy.eq(json(&fields.legitimacy)?),
            networks::organizations.eq(json(&fields.organizations)?),
            networks::created_at.eq(at),
            networks::updated_at.eq(at),
        ))
        .execute(conn)
        .map_err(name_conflict)?;
    get(conn, id)
}

/// Stores `fields` and bumps the version.
pub fn update(conn: &mut DbConn, id: NetworkId, fields: &NetworkFields) -> Result<(), ApiError> {
    diesel::update(networks::table.find(id))
        .set((
            networks::name.eq(&fields.name),
            networks::name_key.eq(name_key(&fields.name)),
            networks::description.eq(&fields.description),
            networks::task.eq(&fields.task),
            networks::value.eq(fields.value),
            networks::focus_kind.eq(fields.focus.kind),
            networks::focus_label.eq(&fields.focus.label),
            networks::future.eq(fields.future),
            networks::legitimacy.eq(json(&fields.legitimacy)?),
            networks::organizations.eq(json(&fields.organizations)?),
            networks::updated_at.eq(now()),
            networks::version.eq(networks::version + 1),
        ))
        .execute(conn)
        .map_err(name_conflict)?;
    Ok(())
}

/// Deletes the network; its memberships go with it, reflections keep existing without it
/// (the foreign keys say so).
pub fn delete(conn: &mut DbConn, id: NetworkId) -> Result<(), ApiError> {
    match diesel::delete(networks::table.find(id)).execute(conn)? {
        0 => Err(ApiError::not_found("network")),
        _ => Ok(()),
    }
}

/// Filters of the network list.
#[derive(Debug, Default)]
pub struct NetworkFilter {
    pub q: Option<String>,
    pub value: Option<NetworkValue>,
}

/// Networks by name (case-insensitive), then id; `fetch()` rows after the cursor.
pub fn list(
    conn: &mut DbConn,
    filter: &NetworkFilter,
    page: &PageRequest<String>,
) -> Result<Vec<NetworkRow>, ApiError> {
    let mut query = networks::table.select(NetworkRow::as_select()).into_boxed();
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        // The name through its Unicode lower-case key, so `één` finds `Één`; the description
        // through SQL lower() on both sides (LIKE alone folds case on SQLite but not on
        // PostgreSQL).
        let pattern = like_pattern(&q.to_lowercase());
        query = query.filter(
            networks::name_key
                .like(like_pattern(&name_key(q)))
                .escape('\\')
                .or(crate::members::queries::lower(networks::description)
                    .like(pattern)
                    .escape('\\')),
        );
    }
    match filter.value {
        Some(value @ (NetworkValue::Direct | NetworkValue::Indirect)) => {
            query = query.filter(networks::value.eq_any([value, NetworkValue::Both]));
        }
        Some(NetworkValue::Both) => query = query.filter(networks::value.eq(NetworkValue::Both)),
        None => {}
    }
    if let Some((key, id)) = &page.after {
        // `<=`/`>=` up front lets SQLite seek to the cursor in the index; the OR alone would
        // walk every row before it.
        query = query.filter(networks::name_key.ge(key.clone())).filter(
            networks::name_key
                .gt(key.clone())
                .or(networks::id.gt(id.clone())),
        );
    }
    Ok(query
        .order((networks::name_key, networks::id))
        .limit(page.fetch())
        .load(conn)?)
}

/// How many members each of `ids` has.
pub fn member_counts(
    conn: &mut DbConn,
    ids: &[NetworkId],
) -> Result<HashMap<NetworkId, i64>, ApiError> {
    let rows: Vec<(NetworkId, i64)> = network_members::table
        .filter(in_list(network_members::network_id, ids))
        .group_by(network_members::network_id)
        .select((network_members::network_id, count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

pub fn member_count(conn: &mut DbConn, id: NetworkId) -> Result<i64, ApiError> {
    Ok(member_counts(conn, &[id])?.remove(&id).unwrap_or(0))
}

/// `member`'s role in the network and since when, if they take part.
pub fn membership(
    conn: &mut DbConn,
    network: NetworkId,
    member: MemberId,
) -> Result<Option<(NetworkRole, NaiveDateTime)>, ApiError> {
    Ok(network_members::table
        .find((network, member))
        .select((network_members::role, network_members::since))
        .first(conn)
        .optional()?)
}

/// `member`'s role in the network, if they take part.
pub fn role_of(
    conn: &mut DbConn,
    network: NetworkId,
    member: MemberId,
) -> Result<Option<NetworkRole>, ApiError> {
    Ok(membership(conn, network, member)?.map(|(role, _)| role))
}

/// Adds `member` with `role` or changes their role. Returns whether they were added, and
/// since when they take part.
pub fn put_member(
    conn: &mut DbConn,
    network: NetworkId,
    member: MemberId,
    role: NetworkRole,
) -> Result<(bool, NaiveDateTime), ApiError> {
    if let Some((_, since)) = membership(conn, network, member)? {
        diesel::update(network_members::table.find((network, member)))
            .set(network_members::role.eq(role))
            .execute(conn)?;
        return Ok((false, since));
    }
    let since = now();
    diesel::insert_into(network_members::table)
        .values((
            network_members::network_id.eq(network),
            network_members::member_id.eq(member),
            network_members::role.eq(role),
            network_members::since.eq(since),
        ))
        .execute(conn)?;
    Ok((true, since))
}

/// Removes `member` from the network; 404 when they were not in it.
pub fn remove_member(
    conn: &mut DbConn,
    network: NetworkId,
    member: MemberId,
) -> Result<(), ApiError> {
    match diesel::delete(network_members::table.find((network, member))).execute(conn)? {
        0 => Err(ApiError::NotFound(
            "This member does not take part in the network.".into(),
        )),
        _ => Ok(()),
    }
}

/// One member's place in a network.
pub type MembershipRow = (MemberRow, NetworkRole, NaiveDateTime);

/// The network's members by display name, then id. Erased members never appear; deactivated
/// ones only when `include_inactive`.
pub fn list_members(
    conn: &mut DbConn,
    network: NetworkId,
    include_inactive: bool,
    page: &PageRequest<String>,
) -> Result<Vec<MembershipRow>, ApiError> {
    let mut query = network_members::table
        .inner_join(members::table)
        .filter(network_members::network_id.eq(network))
        .filter(members::erased_at.is_null())
        .select((
            MemberRow::as_select(),
            network_members::role,
            network_members::since,
        ))
        .into_boxed();
    if !include_inactive {
        query = query.filter(members::active.eq(true));
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
