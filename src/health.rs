//! Liveness and readiness.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::{db, AppState};

#[derive(Serialize, ToSchema)]
pub struct HealthResponse {
    #[schema(example = "ok")]
    pub status: String,
}

/// Liveness: the process answers.
#[utoipa::path(tag = "service", responses((status = 200, body = HealthResponse)))]
#[get("/health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(HealthResponse {
        status: "ok".into(),
    })
}

/// Readiness: the database answers a query.
#[utoipa::path(
    tag = "service",
    responses(
        (status = 200, body = HealthResponse),
        (status = 503, response = crate::openapi::Unavailable)
    )
)]
#[get("/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let pool = state.pool.clone();
    let up = web::block(move || db::ping(&pool)).await.unwrap_or(false);
    if up {
        Ok(HttpResponse::Ok().json(HealthResponse {
            status: "ok".into(),
        }))
    } else {
        Err(ApiError::Unavailable(
            "The database does not answer.".into(),
        ))
    }
}
