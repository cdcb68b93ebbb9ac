//! `/me/export`, `/me/growth` and `DELETE /me`.

use actix_web::{get, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use super::queries;
use super::types::{ExportDocument, GrowthResponse};
use crate::auth::AuthMember;
use crate::error::ApiError;
use crate::{db, AppState};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(export_me).service(get_growth);
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
