//! `/members` (the directory, admin changes) and `/me` (own profile and password).

use actix_web::{get, patch, put, web, HttpResponse};
use serde_json::json;
use utoipa_actix_web::service_config::ServiceConfig;

use super::model::MemberRow;
use super::queries::{self, MemberFilter};
use super::types::{
    ChangePassword, ListMembersQuery, MemberPage, MemberPath, MemberResponse, Role, UpdateMe,
    UpdateMember,
};
use crate::audit::{self, AuditAction};
use crate::auth::{self, password, AuthMember, Caller};
use crate::config::Secret;
use crate::db::{self, DbConn};
use crate::error::ApiError;
use crate::extract::{IfMatch, IfMatchHeader, Json};
use crate::pagination::{self, PageRequest};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_me)
        .service(update_me)
        .service(change_password)
        .service(list_members)
        .service(get_member)
        .service(update_member);
}

/// Email is shown to the member themself, to facilitators and to admins.
pub fn may_see_email(me: &AuthMember, member: &MemberRow) -> bool {
    me.id == member.id || me.is_staff()
}

/// One member as `me` may see them.
fn load_one(conn: &mut DbConn, me: AuthMember, row: MemberRow) -> Result<MemberResponse, ApiError> {
    let networks = queries::network_ids_of(conn, row.id)?;
    let show_email = may_see_email(&me, &row);
    Ok(row.into_response(networks, show_email))
}

fn member_ok(status: actix_web::http::StatusCode, member: MemberResponse) -> HttpResponse {
    crate::extract::versioned(status, "members", member.id, member.version, member)
}

/// Your own profile, with your email.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, body = MemberResponse, headers(("ETag" = String))),
        (status = 401, response = crate::openapi::Unauthorized),
    )
)]
#[get("/me")]
pub async fn get_me(state: web::Data<AppState>, me: AuthMember) -> Result<HttpResponse, ApiError> {
    let member = db::run(&state.pool, move |conn| {
        let row = queries::get(conn, me.id)?;
        load_one(conn, me, row)
    })
    .await?;
    Ok(member_ok(actix_web::http::StatusCode::OK, member))
}

/// Edit your own profile. Absent fields stay; `null` clears a nullable one. `If-Match` is
/// honoured.
#[utoipa::path(
    tag = "me",
    request_body = UpdateMe,
    params(IfMatchHeader),
    security(("bearer" = [])),
    responses(
        (status = 200, body = MemberResponse, headers(("ETag" = String))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::ValidationFailed),
    )
)]
#[patch("/me")]
pub async fn update_me(
    state: web::Data<AppState>,
    me: AuthMember,
    if_match: IfMatch,
    body: Json<UpdateMe>,
) -> Result<HttpResponse, ApiError> {
    let change = body.into_inner();
    let member = db::write(&state.writer, move |conn| {
        if_match.check(queries::get(conn, me.id)?.version)?;
        queries::update_profile(conn, me.id, change)?;
        let row = queries::get(conn, me.id)?;
        load_one(conn, me, row)
    })
    .await?;
    Ok(member_ok(actix_web::http::StatusCode::OK, member))
}

/// Change your password. Every refresh token you hold stops working.
#[utoipa::path(
    tag = "me",
    request_body = ChangePassword,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Changed; log in again on other devices."),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::ValidationFailed),
    )
)]
#[put("/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    me: AuthMember,
    body: Json<ChangePassword>,
) -> Result<HttpResponse, ApiError> {
    let ChangePassword {
        current_password,
        new_password,
    } = body.into_inner();
    password::confirm(&state.pool, me.id, Secret::new(current_password)).await?;
    let hash = password::hash(Secret::new(new_password)).await?;
    db::write(&state.writer, move |conn| {
        queries::set_password(conn, me.id, &hash)?;
        auth::queries::revoke_all_logins(conn, me.id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The members directory: active members by display name. `q` matches name and organization,
/// case-insensitive.
#[utoipa::path(
    tag = "members",
    params(ListMembersQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = MemberPage),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
    )
)]
#[get("/members")]
pub async fn list_members(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListMembersQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    let filter = MemberFilter {
        q: query.q,
        role: query.role,
        network_id: query.network_id,
    };
    let fetch = page.clone();
    // A name search reads every active member (LIKE); a plain page is one index walk, short
    // enough to run where the request is.
    let short = filter.q.as_deref().is_none_or(|q| q.trim().is_empty());
    let (me, rows, mut networks) = state
        .near
        .read_if(short, move |conn| {
            let me = caller.member(conn)?;
            let rows = queries::list(conn, &filter, &fetch)?;
            let ids: Vec<_> = rows.iter().map(|r| r.id).collect();
            Ok((me, rows, queries::network_ids(conn, &ids)?))
        })
        .await?;
    let (rows, next_cursor) =
        pagination::finish(rows, &page, |r| (r.display_name.clone(), r.id.to_string()));
    let items = rows
        .into_iter()
        .map(|row| {
            let show_email = may_see_email(&me, &row);
            let ids = networks.remove(&row.id).unwrap_or_default();
            row.into_response(ids, show_email)
        })
        .collect();
    Ok(HttpResponse::Ok().json(MemberPage { items, next_cursor }))
}

/// One member. Deactivated members are visible to facilitators and admins only.
#[utoipa::path(
    tag = "members",
    params(MemberPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = MemberResponse, headers(("ETag" = String))),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/members/{id}")]
pub async fn get_member(
    state: web::Data<AppState>,
    me: AuthMember,
    path: web::Path<MemberPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let member = db::run(&state.pool, move |conn| {
        let row = queries::get(conn, id)?;
        if !row.active && !me.is_staff() {
            return Err(ApiError::not_found("member"));
        }
        load_one(conn, me, row)
    })
    .await?;
    Ok(member_ok(actix_web::http::StatusCode::OK, member))
}

/// Change a member's role or (de)activate them (admins only). The last active admin cannot be
/// demoted or deactivated. Takes effect on the member's next request.
#[utoipa::path(
    tag = "members",
    params(MemberPath, IfMatchHeader),
    request_body = UpdateMember,
    security(("bearer" = [])),
    responses(
        (status = 200, body = MemberResponse, headers(("ETag" = String))),
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
#[patch("/members/{id}")]
pub async fn update_member(
    state: web::Data<AppState>,
    me: AuthMember,
    path: web::Path<MemberPath>,
    if_match: IfMatch,
    body: Json<UpdateMember>,
) -> Result<HttpResponse, ApiError> {
    me.require(Role::Admin)?;
    let id = path.into_inner().id;
    let change = body.into_inner();
    let member = db::write(&state.writer, move |conn| {
        let before = queries::get(conn, id)?;
        if_match.check(before.version)?;
        let role = change.role.unwrap_or(before.role);
        let active = change.active.unwrap_or(before.active);
        queries::set_role_and_active(conn, id, role, active)?;
        let target = id.to_string();
        if role != before.role {
            let details = json!({"from": before.role, "to": role});
            audit::record(
                conn,
                me.id,
                AuditAction::MemberRoleChanged,
                "member",
                &target,
                details,
            )?;
        }
        if active != before.active {
            let action = if active {
                AuditAction::MemberActivated
            } else {
                auth::queries::revoke_all_logins(conn, id)?;
                AuditAction::MemberDeactivated
            };
            audit::record(conn, me.id, action, "member", &target, json!({}))?;
        }
        let row = queries::get(conn, id)?;
        load_one(conn, me, row)
    })
    .await?;
    Ok(member_ok(actix_web::http::StatusCode::OK, member))
}
