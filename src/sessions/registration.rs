//! `/sessions/{id}/registration`, `/sessions/{id}/registrations` and
//! `/sessions/{id}/attendance`: joining, leaving, the list and who came.

use actix_web::http::{header, StatusCode};
use actix_web::{delete, get, post, put, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use super::queries;
use super::routes::get_managed;
use super::types::{
    ListRegistrationsQuery, PutAttendance, RegistrationPage, RegistrationResponse, SessionPath,
};
use super::waitlist;
use crate::auth::AuthMember;
use crate::db::{self, now};
use crate::error::ApiError;
use crate::extract::Json;
use crate::members;
use crate::pagination::{self, PageRequest};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(register_for_session)
        .service(cancel_registration)
        .service(list_registrations)
        .service(put_attendance);
}

/// Register for a session: 201 with `registered`, or `waitlisted` with the position in the
/// queue when the session is full; 200 with the existing registration when already registered
/// or waitlisted. Registering again after cancelling joins the back of the queue. A session
/// that has started or is cancelled: 409.
#[utoipa::path(
    tag = "sessions",
    params(SessionPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = RegistrationResponse, description = "Already registered or waitlisted; nothing changed."),
        (status = 201, body = RegistrationResponse, description = "Registered or waitlisted.", headers(("Location" = String))),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
#[post("/sessions/{id}/registration")]
pub async fn register_for_session(
    state: web::Data<AppState>,
    me: AuthMember,
    path: web::Path<SessionPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let (created, registration) = db::write(&state.writer, move |conn| {
        let session = queries::get(conn, id)?;
        let (row, created) = waitlist::register(conn, &session, me.id, now())?;
        let name = members::queries::get(conn, me.id)?.display_name;
        let response = waitlist::responses(conn, id, vec![(row, name)])?.pop();
        Ok((created, response))
    })
    .await?;
    let registration =
        registration.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no registration")))?;
    if created {
        Ok(HttpResponse::Created()
            .insert_header((
                header::LOCATION,
                format!("/api/v1/sessions/{id}/registration"),
            ))
            .json(registration))
    } else {
        Ok(HttpResponse::Ok().json(registration))
    }
}

/// Give up your place or your place in the queue. When a registered member leaves, the first
/// waitlisted member is promoted in the same transaction. Not registered or waitlisted: 404;
/// a session that has started: 409.
#[utoipa::path(
    tag = "sessions",
    params(SessionPath),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Cancelled."),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
#[delete("/sessions/{id}/registration")]
pub async fn cancel_registration(
    state: web::Data<AppState>,
    me: AuthMember,
    path: web::Path<SessionPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    db::write(&state.writer, move |conn| {
        let session = queries::get(conn, id)?;
        waitlist::leave(conn, &session, me.id, now())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A session's registrations in registration (queue) order, cancelled ones included unless
/// filtered by `status` (its facilitators and admins).
#[utoipa::path(
    tag = "sessions",
    params(SessionPath, ListRegistrationsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = RegistrationPage),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/sessions/{id}/registrations")]
pub async fn list_registrations(
    state: web::Data<AppState>,
    me: AuthMember,
    path: web::Path<SessionPath>,
    query: web::Query<ListRegistrationsQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let query = query.into_inner();
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    let page = db::run(&state.pool, move |conn| {
        get_managed(conn, &me, id)?;
        let rows = waitlist::list(conn, id, query.status, Some(&page))?;
        let (rows, next_cursor) =
            pagination::finish(rows, &page, |(r, _)| (r.seq, r.member_id.to_string()));
        Ok(RegistrationPage {
            items: waitlist::responses(conn, id, rows)?,
            next_cursor,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Take attendance (its facilitators and admins): the registered members listed in `present`
/// attended, the other registered members did not. Answers every registration of the session
/// in registration order, on one page. Before the session starts, or for a cancelled session:
/// 409; a listed member who is not registered: 422.
#[utoipa::path(
    tag = "sessions",
    params(SessionPath),
    request_body = PutAttendance,
    security(("bearer" = [])),
    responses(
        (status = 200, body = RegistrationPage),
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
#[put("/sessions/{id}/attendance")]
pub async fn put_attendance(
    state: web::Data<AppState>,
    me: AuthMember,
    path: web::Path<SessionPath>,
    body: Json<PutAttendance>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let present = body.into_inner().present;
    let page = db::write(&state.writer, move |conn| {
        let session = get_managed(conn, &me, id)?;
        waitlist::set_attendance(conn, &session, &present, now())?;
        let rows = waitlist::list(conn, id, None, None)?;
        Ok(RegistrationPage {
            items: waitlist::responses(conn, id, rows)?,
            next_cursor: None,
        })
    })
    .await?;
    Ok(HttpResponse::build(StatusCode::OK).json(page))
}
