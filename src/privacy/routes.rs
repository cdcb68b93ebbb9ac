//! `/me/export`, `/me/growth` and `DELETE /me`.

use actix_web::{delete, get, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use super::queries;
use super::types::{EraseAccount, ExportDocument, GrowthResponse};
use crate::auth::{password, AuthMember};
use crate::config::Secret;
use crate::error::ApiError;
use crate::extract::Json;
use crate::{db, AppState};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(export_me).service(get_growth).service(erase_me);
}

/// Everything stored about you, as one JSON document (AVG/GDPR access and portability):
/// profile, invitations you sent, network memberships, registrations, your reflections of every
/// visibility, your comments and your competence history.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, body = ExportDocument, headers(("Content-Disposition" = String))),
        (status = 401, response = crate::openapi::Unauthorized),
    )
)]
#[get("/me/export")]
pub async fn export_me(
    state: web::Data<AppState>,
    me: AuthMember,
) -> Result<HttpResponse, ApiError> {
    let document = db::run(&state.pool, move |conn| queries::export(conn, me.id)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            "attachment; filename=\"leergemeenschap-export.json\"",
        ))
        .json(document))
}

/// Your competence self-assessments over time, oldest first, with the change from the first
/// to the last. Your private reflections count: they are yours.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, body = GrowthResponse),
        (status = 401, response = crate::openapi::Unauthorized),
    )
)]
#[get("/me/growth")]
pub async fn get_growth(
    state: web::Data<AppState>,
    me: AuthMember,
) -> Result<HttpResponse, ApiError> {
    let points = db::run(&state.pool, move |conn| queries::growth_points(conn, me.id)).await?;
    Ok(HttpResponse::Ok().json(GrowthResponse::from_points(points)))
}

/// Erase your account (AVG/GDPR erasure), confirmed with your password.
///
/// In one transaction: you can no longer log in and every token stops working; email and
/// profile are removed; your reflections (with their comments) and your comments are deleted;
/// registrations for sessions that have not started are cancelled and waitlists move up. Past
/// registrations and attendance remain only as anonymous counts: no list shows you again.
#[utoipa::path(
    tag = "me",
    request_body = EraseAccount,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Erased."),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, response = crate::openapi::Conflict),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::ValidationFailed),
    )
)]
#[delete("/me")]
pub async fn erase_me(
    state: web::Data<AppState>,
    me: AuthMember,
    body: Json<EraseAccount>,
) -> Result<HttpResponse, ApiError> {
    let confirmation = Secret::new(body.into_inner().password);
    password::confirm(&state.pool, me.id, confirmation).await?;
    db::write(&state.writer, move |conn| {
        // The last active admin stays: erasing them would leave the community unmanaged.
        crate::members::queries::ensure_not_last_admin(conn, me.id)?;
        queries::erase(conn, me.id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
