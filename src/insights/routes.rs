//! `/insights/*`.

use actix_web::{get, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use super::queries;
use super::types::{SessionInsights, SessionInsightsPath, TensionInsights, TensionInsightsQuery};
use crate::auth::AuthMember;
use crate::error::ApiError;
use crate::members::types::Role;
use crate::sessions::routes::get_managed;
use crate::{db, AppState};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_tension_insights)
        .service(get_session_insights);
}

/// Which tensions the community wrestles with, by month, over non-private reflections.
/// Buckets with fewer than 3 distinct authors are suppressed (facilitators and admins only).
#[utoipa::path(
    tag = "insights",
    params(TensionInsightsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = TensionInsights),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
#[get("/insights/tensions")]
pub async fn get_tension_insights(
    state: web::Data<AppState>,
    me: AuthMember,
    query: web::Query<TensionInsightsQuery>,
) -> Result<HttpResponse, ApiError> {
    me.require(Role::Facilitator)?;
    let query = query.into_inner();
    let from = query.from.map(|t| t.naive_utc());
    let to = query.to.map(|t| t.naive_utc());
    let buckets = db::run(&state.pool, move |conn| {
        queries::tension_buckets(conn, from, to, query.network_id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(TensionInsights { buckets }))
}

/// Registration, attendance and reflection counts of one session (its facilitators and
/// admins).
#[utoipa::path(
    tag = "insights",
    params(SessionInsightsPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = SessionInsights),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/insights/sessions/{id}")]
pub async fn get_session_insights(
    state: web::Data<AppState>,
    me: AuthMember,
    path: web::Path<SessionInsightsPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let insights = db::run(&state.pool, move |conn| {
        get_managed(conn, &me, id)?;
        queries::session_insights(conn, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(insights))
}
