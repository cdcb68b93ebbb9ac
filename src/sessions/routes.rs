//! `/sessions`: scheduling, editing and cancelling sessions.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use super::model::SessionRow;
use super::queries::{self, SessionFilter};
use super::types::{
    CreateSession, ListSessionsQuery, NewSession, SessionChange, SessionId, SessionPage,
    SessionPath, SessionResponse, UpdateSession,
};
use super::waitlist;
use crate::auth::{AuthMember, Caller};
use crate::db::{self, stored, utc, DbConn};
use crate::error::{ApiError, FieldError};
use crate::extract::{IfMatch, Json};
use crate::members;
use crate::members::types::{MemberId, Role};
use crate::pagination::{self, PageRequest};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_sessions)
        .service(create_session)
        .service(get_session)
        .service(update_session)
        .service(cancel_session);
}

/// A session's own facilitators and admins may edit and cancel it, and see and mark its
/// registrations.
pub fn can_manage_session(me: &AuthMember, facilitators: &[MemberId]) -> bool {
    me.is_admin() || facilitators.contains(&me.id)
}

/// The session, 403 unless `me` may manage it.
pub fn get_managed(
    conn: &mut DbConn,
    me: &AuthMember,
    id: SessionId,
) -> Result<SessionRow, ApiError> {
    let row = queries::get(conn, id)?;
    if can_manage_session(me, &queries::facilitators_of(conn, id)?) {
        Ok(row)
    } else {
        Err(ApiError::Forbidden(
            "Only this session's facilitators and admins may do this.".into(),
        ))
    }
}

/// Sessions as `me` sees them: with facilitators, counts and `me`'s own registration.
pub fn views(
    conn: &mut DbConn,
    me: MemberId,
    listed: Vec<queries::Listed>,
) -> Result<Vec<SessionResponse>, ApiError> {
    let ids: Vec<SessionId> = listed.iter().filter(|l| l.mine).map(|l| l.row.id).collect();
    let mut mine: HashMap<SessionId, _> = if ids.is_empty() {
        HashMap::new()
    } else {
        waitlist::registrations_of(conn, me, &ids)?
            .into_iter()
            .map(|(r, position)| (r.session_id, (r, position)))
            .collect()
    };
    let my_name = if mine.is_empty() {
        String::new()
    } else {
        members::queries::get(conn, me)?.display_name
    };
    Ok(listed
        .into_iter()
        .map(
            |queries::Listed {
                 row, facilitators, ..
             }| SessionResponse {
                my_registration: mine
                    .remove(&row.id)
                    .map(|(reg, position)| reg.into_response(my_name.clone(), position)),
                id: row.id,
                title: row.title,
                description: row.description,
                theme: row.theme,
                starts_at: utc(row.starts_at),
                ends_at: utc(row.ends_at),
                location: row.location,
                online_url: row.online_url,
                capacity: row.capacity,
                status: row.status,
                facilitator_ids: facilitators,
                registered_count: row.registered_count.into(),
                waitlist_count: row.waitlist_count.into(),
                created_at: utc(row.created_at),
                updated_at: utc(row.updated_at),
                version: row.version,
            },
        )
        .collect())
}

/// One session as `me` sees it.
pub fn view(conn: &mut DbConn, me: MemberId, id: SessionId) -> Result<SessionResponse, ApiError> {
    let listed = queries::get_listed(conn, me, id)?;
    views(conn, me, vec![listed])?
        .pop()
        .ok_or_else(|| ApiError::not_found("session"))
}

/// 422 for every proposed facilitator who is not an active facilitator or admin, together
/// with the body's own field errors (`parsed`), so one answer names every invalid field.
fn check_facilitators<T>(
    conn: &mut DbConn,
    parsed: Result<T, ApiError>,
    ids: Option<&[MemberId]>,
) -> Result<T, ApiError> {
    let bad = match ids {
        Some(ids) => queries::invalid_facilitators(conn, ids)?,
        None => Vec::new(),
    };
    let mut errors: Vec<FieldError> = bad
        .into_iter()
        .map(|i| {
            FieldError::new(
                format!("facilitator_ids[{i}]"),
                "must be an active facilitator or admin",
            )
        })
        .collect();
    match parsed {
        Ok(value) if errors.is_empty() => Ok(value),
        Ok(_) => Err(ApiError::Validation(errors)),
        Err(ApiError::Validation(mut first)) => {
            first.append(&mut errors);
            Err(ApiError::Validation(first))
        }
        Err(other) => Err(other),
    }
}

fn session_ok(status: StatusCode, session: SessionResponse) -> HttpResponse {
    crate::extract::versioned(status, "sessions", session.id, session.version, session)
}

/// Sessions whose `starts_at` lies in `[from, to)`, ordered by `starts_at`, then id.
#[utoipa::path(
    tag = "sessions",
    params(ListSessionsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = SessionPage),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
    )
)]
#[get("/sessions")]
pub async fn list_sessions(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListSessionsQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    let filter = SessionFilter {
        from: query.from.map(stored),
        to: query.to.map(stored),
        status: query.status,
    };
    let fetch = page.clone();
    // A page read from one index: short enough to run where the request is.
    let (items, next_cursor) = state
        .near
        .read(move |conn| {
            let me = caller.member(conn)?;
            let rows = queries::list(conn, me.id, &filter, &fetch)?;
            let (rows, next_cursor) =
                pagination::finish(rows, &fetch, |l| (l.row.starts_at, l.row.id.to_string()));
            Ok((views(conn, me.id, rows)?, next_cursor))
        })
        .await?;
    Ok(HttpResponse::Ok().json(SessionPage { items, next_cursor }))
}

/// Schedule a session (facilitators and admins). `facilitator_ids` defaults to the creator;
/// each must be an active facilitator or admin.
#[utoipa::path(
    tag = "sessions",
    request_body = CreateSession,
    security(("bearer" = [])),
    responses(
        (status = 201, body = SessionResponse, headers(("Location" = String), ("ETag" = String))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::ValidationFailed),
    )
)]
#[post("/sessions")]
pub async fn create_session(
    state: web::Data<AppState>,
    me: AuthMember,
    body: Json<CreateSession>,
) -> Result<HttpResponse, ApiError> {
    me.require(Role::Facilitator)?;
    let body = body.into_inner();
    let proposed = body.facilitator_ids.clone();
    let parsed = NewSession::try_from(body);
    let session = db::write(&state.writer, move |conn| {
        let new = check_facilitators(conn, parsed, proposed.as_deref())?;
        let facilitators = new.facilitator_ids.unwrap_or_else(|| vec![me.id]);
        let id = queries::insert(conn, &new.fields, me.id)?;
        queries::set_facilitators(conn, id, &facilitators)?;
        view(conn, me.id, id)
    })
    .await?;
    Ok(session_ok(StatusCode::CREATED, session))
}

/// One session, with the caller's own registration.
#[utoipa::path(
    tag = "sessions",
    params(SessionPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = SessionResponse, headers(("ETag" = String))),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/sessions/{id}")]
pub async fn get_session(
    state: web::Data<AppState>,
    me: AuthMember,
    path: web::Path<SessionPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let session = db::run(&state.pool, move |conn| view(conn, me.id, id)).await?;
    Ok(session_ok(StatusCode::OK, session))
}

/// Edit a session (its facilitators and admins): any field of `POST`, `facilitator_ids`
/// included. Lowering `capacity` below the number registered: 409; raising it promotes
/// waitlisted members in order. `If-Match` is honoured.
#[utoipa::path(
    tag = "sessions",
    params(SessionPath, crate::extract::IfMatchHeader),
    request_body = UpdateSession,
    security(("bearer" = [])),
    responses(
        (status = 200, body = SessionResponse, headers(("ETag" = String))),
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
#[patch("/sessions/{id}")]
pub async fn update_session(
    state: web::Data<AppState>,
    me: AuthMember,
    path: web::Path<SessionPath>,
    if_match: IfMatch,
    body: Json<UpdateSession>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let body = body.into_inner();
    let proposed = body.facilitator_ids.clone();
    let parsed = SessionChange::try_from(body);
    let session = db::write(&state.writer, move |conn| {
        let row = get_managed(conn, &me, id)?;
        // Invalid data is a 422 whatever the version; a valid change to an old version, 412.
        let change = check_facilitators(conn, parsed, proposed.as_deref())?;
        if_match.check(row.version)?;
        let fields = change.apply(row.fields())?;
        waitlist::check_capacity(conn, id, fields.capacity)?;
        queries::update(conn, id, &fields)?;
        if let Some(facilitators) = &change.facilitator_ids {
            queries::set_facilitators(conn, id, facilitators)?;
        }
        // A larger (or no) capacity lets the front of the queue in, in this transaction.
        let updated = queries::get(conn, id)?;
        waitlist::fill_places(conn, &updated)?;
        view(conn, me.id, id)
    })
    .await?;
    Ok(session_ok(StatusCode::OK, session))
}

/// Cancel a session (its facilitators and admins). Registrations are kept, so registered
/// members see it as cancelled (also in their calendar feed). Cancelling a cancelled session
/// changes nothing.
#[utoipa::path(
    tag = "sessions",
    params(SessionPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = SessionResponse, headers(("ETag" = String))),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[post("/sessions/{id}/cancel")]
pub async fn cancel_session(
    state: web::Data<AppState>,
    me: AuthMember,
    path: web::Path<SessionPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let session = db::write(&state.writer, move |conn| {
        get_managed(conn, &me, id)?;
        queries::cancel(conn, id)?;
        view(conn, me.id, id)
    })
    .await?;
    Ok(session_ok(StatusCode::OK, session))
}
