//! `/networks` and `/networks/{id}/members`.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, put, web, HttpResponse};
use serde_json::json;
use utoipa_actix_web::service_config::ServiceConfig;

use super::model::NetworkRow;
use super::queries::{self, NetworkFilter};
use super::types::{
    CreateNetwork, ListNetworkMembersQuery, ListNetworksQuery, NetworkChange, NetworkFields,
    NetworkMemberPage, NetworkMemberPath, NetworkMemberResponse, NetworkPage, NetworkPath,
    NetworkResponse, NetworkRole, PutNetworkMember, UpdateNetwork,
};
use crate::audit::{self, AuditAction};
use crate::auth::AuthMember;
use crate::db::{self, utc, DbConn};
use crate::error::ApiError;
use crate::extract::{IfMatch, Json};
use crate::members;
use crate::members::routes::may_see_email;
use crate::members::types::{MemberId, Role};
use crate::pagination::{self, PageRequest};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_networks)
        .service(create_network)
        .service(get_network)
        .service(update_network)
        .service(delete_network)
        .service(list_network_members)
        .service(put_network_member)
        .service(remove_network_member);
}

/// Facilitators, admins and the network's own coordinators may edit a network and decide who
/// takes part in it.
fn can_manage_network(me: &AuthMember, my_role: Option<NetworkRole>) -> bool {
    me.is_staff() || my_role == Some(NetworkRole::Coordinator)
}

/// Besides those who manage the network, a member may always leave it.
fn can_remove_network_member(
    me: &AuthMember,
    my_role: Option<NetworkRole>,
    member: MemberId,
) -> bool {
    me.id == member || can_manage_network(me, my_role)
}

/// 403 unless `me` may manage the (existing, visible) network.
fn require_manager(
    conn: &mut DbConn,
    me: &AuthMember,
    network: &NetworkRow,
) -> Result<(), ApiError> {
    let my_role = queries::role_of(conn, network.id, me.id)?;
    if can_manage_network(me, my_role) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "Only facilitators, admins and the network's coordinators may do this.".into(),
        ))
    }
}

fn load_one(conn: &mut DbConn, row: NetworkRow) -> Result<NetworkResponse, ApiError> {
    let count = queries::member_count(conn, row.id)?;
    row.into_response(count)
}

fn network_ok(status: StatusCode, network: NetworkResponse) -> HttpResponse {
    crate::extract::versioned(status, "networks", network.id, network.version, network)
}

/// Networks by name. `q` matches name and description, case-insensitive; `value=direct` (or
/// `indirect`) includes networks of value `both`.
#[utoipa::path(
    tag = "networks",
    params(ListNetworksQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = NetworkPage),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
    )
)]
#[get("/networks")]
pub async fn list_networks(
    state: web::Data<AppState>,
    _me: AuthMember,
    query: web::Query<ListNetworksQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    let filter = NetworkFilter {
        q: query.q,
        value: query.value,
    };
    let fetch = page.clone();
    let (rows, counts) = db::run(&state.pool, move |conn| {
        let rows = queries::list(conn, &filter, &fetch)?;
        let ids: Vec<_> = rows.iter().map(|r| r.id).collect();
        Ok((rows, queries::member_counts(conn, &ids)?))
    })
    .await?;
    let (rows, next_cursor) =
        pagination::finish(rows, &page, |r| (r.name_key.clone(), r.id.to_string()));
    let items = rows
        .into_iter()
        .map(|row| {
            let count = counts.get(&row.id).copied().unwrap_or(0);
            row.into_response(count)
        })
        .collect::<Result<_, _>>()?;
    Ok(HttpResponse::Ok().json(NetworkPage { items, next_cursor }))
}

/// Create a network (facilitators and admins). Names are unique regardless of case: 409.
#[utoipa::path(
    tag = "networks",
    request_body = CreateNetwork,
    security(("bearer" = [])),
    responses(
        (status = 201, body = NetworkResponse, headers(("Location" = String), ("ETag" = String))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, response = crate::openapi::Conflict),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::ValidationFailed),
    )
)]
#[post("/networks")]
pub async fn create_network(
    state: web::Data<AppState>,
    me: AuthMember,
    body: Json<CreateNetwork>,
) -> Result<HttpResponse, ApiError> {
    me.require(Role::Facilitator)?;
    let fields = NetworkFields::try_from(body.into_inner())?;
    let network = db::write(&state.writer, move |conn| {
        let row = queries::insert(conn, &fields)?;
        row.into_response(0)
    })
    .await?;
    Ok(network_ok(StatusCode::CREATED, network))
}

/// One network.
#[utoipa::path(
    tag = "networks",
    params(NetworkPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = NetworkResponse, headers(("ETag" = String))),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/networks/{id}")]
pub async fn get_network(
    state: web::Data<AppState>,
    _me: AuthMember,
    path: web::Path<NetworkPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let network = db::run(&state.pool, move |conn| {
        let row = queries::get(conn, id)?;
        load_one(conn, row)
    })
    .await?;
    Ok(network_ok(StatusCode::OK, network))
}

/// Edit a network (facilitators, admins and its coordinators). Absent fields stay as they are.
/// `If-Match` is honoured.
#[utoipa::path(
    tag = "networks",
    params(NetworkPath, crate::extract::IfMatchHeader),
    request_body = UpdateNetwork,
    security(("bearer" = [])),
    responses(
        (status = 200, body = NetworkResponse, headers(("ETag" = String))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::ValidationFailed),
    )
)]
#[patch("/networks/{id}")]
pub async fn update_network(
    state: web::Data<AppState>,
    me: AuthMember,
    path: web::Path<NetworkPath>,
    if_match: IfMatch,
    body: Json<UpdateNetwork>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    // Checked after the permission, so someone who may not edit learns only that.
    let parsed = NetworkChange::try_from(body.into_inner());
    let network = db::write(&state.writer, move |conn| {
        let row = queries::get(conn, id)?;
        require_manager(conn, &me, &row)?;
        // Invalid data is a 422 whatever the version; a valid change to an old version, 412.
        let change = parsed?;
        if_match.check(row.version)?;
        let fields = change.apply(row.fields()?);
        queries::update(conn, id, &fields)?;
        let row = queries::get(conn, id)?;
        load_one(conn, row)
    })
    .await?;
    Ok(network_ok(StatusCode::OK, network))
}

/// Delete a network (admins). Reflections that pointed to it keep existing with
/// `network_id: null`; its memberships go.
#[utoipa::path(
    tag = "networks",
    params(NetworkPath),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted."),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[delete("/networks/{id}")]
pub async fn delete_network(
    state: web::Data<AppState>,
    me: AuthMember,
    path: web::Path<NetworkPath>,
) -> Result<HttpResponse, ApiError> {
    me.require(Role::Admin)?;
    let id = path.into_inner().id;
    db::write(&state.writer, move |conn| {
        queries::delete(conn, id)?;
        audit::record(
            conn,
            me.id,
            AuditAction::NetworkDeleted,
            "network",
            &id.to_string(),
            json!({}),
        )
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Who takes part in a network, by display name. Deactivated members are listed for
/// facilitators and admins only.
#[utoipa::path(
    tag = "networks",
    params(NetworkPath, ListNetworkMembersQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = NetworkMemberPage),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/networks/{id}/members")]
pub async fn list_network_members(
    state: web::Data<AppState>,
    me: AuthMember,
    path: web::Path<NetworkPath>,
    query: web::Query<ListNetworkMembersQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    let fetch = page.clone();
    let (rows, mut network_ids) = db::run(&state.pool, move |conn| {
        queries::get(conn, id)?;
        let rows = queries::list_members(conn, id, me.is_staff(), &fetch)?;
        let ids: Vec<_> = rows.iter().map(|(m, _, _)| m.id).collect();
        Ok((rows, members::queries::network_ids(conn, &ids)?))
    })
    .await?;
    let (rows, next_cursor) = pagination::finish(rows, &page, |(m, _, _)| {
        (m.display_name.clone(), m.id.to_string())
    });
    let items = rows
        .into_iter()
        .map(|(member, role, since)| {
            let show_email = may_see_email(&me, &member);
            let ids = network_ids.remove(&member.id).unwrap_or_default();
            NetworkMemberResponse {
                member: member.into_response(ids, show_email),
                role,
                since: utc(since),
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(NetworkMemberPage { items, next_cursor }))
}

/// Add a member to a network or change their role (facilitators, admins and the network's
/// coordinators): 201 when added, 200 when changed. Deactivated members cannot be added: 409.
#[utoipa::path(
    tag = "networks",
    params(NetworkMemberPath),
    request_body = PutNetworkMember,
    security(("bearer" = [])),
    responses(
        (status = 200, body = NetworkMemberResponse, description = "The role was changed."),
        (status = 201, body = NetworkMemberResponse, description = "The member was added."),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::ValidationFailed),
    )
)]
#[put("/networks/{id}/members/{member_id}")]
pub async fn put_network_member(
    state: web::Data<AppState>,
    me: AuthMember,
    path: web::Path<NetworkMemberPath>,
    body: Json<PutNetworkMember>,
) -> Result<HttpResponse, ApiError> {
    let NetworkMemberPath { id, member_id } = path.into_inner();
    let role = body.into_inner().role;
    let (created, item) = db::write(&state.writer, move |conn| {
        let network = queries::get(conn, id)?;
        require_manager(conn, &me, &network)?;
        let member = members::queries::get(conn, member_id)?;
        if !member.active {
            return Err(ApiError::Conflict(
                "This member is deactivated and cannot join a network.".into(),
            ));
        }
        let (created, since) = queries::put_member(conn, id, member_id, role)?;
        let network_ids = members::queries::network_ids_of(conn, member_id)?;
        let show_email = may_see_email(&me, &member);
        Ok((
            created,
            NetworkMemberResponse {
                member: member.into_response(network_ids, show_email),
                role,
                since: utc(since),
            },
        ))
    })
    .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(item))
}

/// Remove a member from a network (facilitators, admins, the network's coordinators, or the
/// member themself).
#[utoipa::path(
    tag = "networks",
    params(NetworkMemberPath),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed."),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[delete("/networks/{id}/members/{member_id}")]
pub async fn remove_network_member(
    state: web::Data<AppState>,
    me: AuthMember,
    path: web::Path<NetworkMemberPath>,
) -> Result<HttpResponse, ApiError> {
    let NetworkMemberPath { id, member_id } = path.into_inner();
    db::write(&state.writer, move |conn| {
        queries::get(conn, id)?;
        let my_role = queries::role_of(conn, id, me.id)?;
        if !can_remove_network_member(&me, my_role, member_id) {
            return Err(ApiError::Forbidden(
                "Only facilitators, admins, the network's coordinators and the member \
                     themself may do this."
                    .into(),
            ));
        }
        queries::remove_member(conn, id, member_id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
