//! `GET /audit`.

use actix_web::{get, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{list, AuditEventPage, ListAuditQuery};
use crate::auth::AuthMember;
use crate::error::ApiError;
use crate::members::types::Role;
use crate::pagination::{self, PageRequest};
use crate::{db, AppState};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_audit_events);
}

/// The audit trail of administrative actions, newest first (admins only).
#[utoipa::path(
    tag = "audit",
    params(ListAuditQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = AuditEventPage),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
#[get("/audit")]
pub async fn list_audit_events(
    state: web::Data<AppState>,
    me: AuthMember,
    query: web::Query<ListAuditQuery>,
) -> Result<HttpResponse, ApiError> {
    me.require(Role::Admin)?;
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    let fetch = page.clone();
    let rows = db::run(&state.pool, move |conn| list(conn, &fetch)).await?;
    let (items, next_cursor) =
        pagination::finish(rows, &page, |e| (e.at.naive_utc(), e.id.to_string()));
    Ok(HttpResponse::Ok().json(AuditEventPage { items, next_cursor }))
}
