//! `/invitations`.

use actix_web::http::header;
use actix_web::{delete, get, post, web, HttpResponse};
use serde_json::json;
use utoipa_actix_web::service_config::ServiceConfig;

use super::queries::{self, InvitationRow};
use super::types::{
    CreateInvitation, InvitationPage, InvitationPath, InvitationResponse, ListInvitationsQuery,
};
use crate::audit::{self, AuditAction};
use crate::auth::AuthMember;
use crate::db::{self, now, utc};
use crate::error::ApiError;
use crate::extract::Json;
use crate::members::types::Role;
use crate::pagination::{self, PageRequest};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_invitation)
        .service(list_invitations)
        .service(revoke_invitation);
}

fn response(row: InvitationRow, code: Option<String>) -> InvitationResponse {
    let status = row.status(now());
    InvitationResponse {
        id: row.id,
        email: row.email,
        role: row.role,
        code,
        expires_at: utc(row.expires_at),
        status,
        created_at: utc(row.created_at),
    }
}

/// Who may invite with `role`: facilitators invite members, admins anyone.
fn can_invite(me: &AuthMember, role: Role) -> Result<(), ApiError> {
    match me.role {
        Role::Admin => Ok(()),
        Role::Facilitator if role == Role::Member => Ok(()),
        Role::Facilitator => Err(ApiError::Forbidden(
            "Facilitators can only invite members.".into(),
        )),
        Role::Member => Err(ApiError::Forbidden(
            "Only facilitators and admins can invite.".into(),
        )),
    }
}

/// Invite someone by email. The `code` is shown only in this response.
#[utoipa::path(
    tag = "invitations",
    request_body = CreateInvitation,
    security(("bearer" = [])),
    responses(
        (status = 201, body = InvitationResponse, headers(("Location" = String))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, response = crate::openapi::Conflict),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::ValidationFailed),
    )
)]
#[post("/invitations")]
pub async fn create_invitation(
    state: web::Data<AppState>,
    me: AuthMember,
    body: Json<CreateInvitation>,
) -> Result<HttpResponse, ApiError> {
    let invitation = body.into_inner();
    can_invite(&me, invitation.role)?;
    let ttl = i64::try_from(state.settings.invitation_ttl).unwrap_or(14 * 24 * 3600);
    let (row, code) = db::write(&state.writer, move |conn| {
        let (row, code) = queries::insert(conn, me.id, &invitation, ttl)?;
        audit::record(
            conn,
            me.id,
            AuditAction::InvitationCreated,
            "invitation",
            &row.id.to_string(),
            json!({"role": row.role}),
        )?;
        Ok((row, code))
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/invitations/{}", row.id)))
        .json(response(row, Some(code))))
}

/// Invitations, newest first, without codes: facilitators see those they sent, admins all.
#[utoipa::path(
    tag = "invitations",
    params(ListInvitationsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = InvitationPage),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
#[get("/invitations")]
pub async fn list_invitations(
    state: web::Data<AppState>,
    me: AuthMember,
    query: web::Query<ListInvitationsQuery>,
) -> Result<HttpResponse, ApiError> {
    me.require(Role::Facilitator)?;
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    let sent_by = (!me.is_admin()).then_some(me.id);
    let fetch = page.clone();
    let rows = db::run(&state.pool, move |conn| {
        queries::list(conn, sent_by, &fetch)
    })
    .await?;
    let (rows, next_cursor) = pagination::finish(rows, &page, |r| (r.created_at, r.id.to_string()));
    Ok(HttpResponse::Ok().json(InvitationPage {
        items: rows.into_iter().map(|r| response(r, None)).collect(),
        next_cursor,
    }))
}

/// Revoke an invitation: its code stops working. Facilitators revoke their own.
#[utoipa::path(
    tag = "invitations",
    params(InvitationPath),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked."),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
#[delete("/invitations/{id}")]
pub async fn revoke_invitation(
    state: web::Data<AppState>,
    me: AuthMember,
    path: web::Path<InvitationPath>,
) -> Result<HttpResponse, ApiError> {
    me.require(Role::Facilitator)?;
    let id = path.into_inner().id;
    db::write(&state.writer, move |conn| {
        let row = queries::get(conn, id)?;
        if !me.is_admin() && row.invited_by != Some(me.id) {
            return Err(ApiError::not_found("invitation"));
        }
        queries::revoke(conn, id)?;
        audit::record(
            conn,
            me.id,
            AuditAction::InvitationRevoked,
            "invitation",
            &id.to_string(),
            json!({}),
        )
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
