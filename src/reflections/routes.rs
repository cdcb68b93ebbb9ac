//! `/reflections` and `/comments`.
//!
//! Reading: whatever [`super::visibility`] allows, else 404. Acting on something the caller
//! may read but may not change: 403.

use actix_web::http::{header, StatusCode};
use actix_web::{delete, get, patch, post, web, HttpResponse};
use serde_json::json;
use utoipa_actix_web::service_config::ServiceConfig;

use super::model::{CommentRow, ReflectionRow};
use super::queries::{self, ReflectionFilter};
use super::search::Search;
use super::types::{
    comment_body, normalize_tag, with_errors, Author, CommentPage, CommentPath, CommentResponse,
    CreateComment, CreateReflection, ListCommentsQuery, ListReflectionsQuery, NewReflection,
    ReflectionChange, ReflectionPage, ReflectionPath, ReflectionResponse, UpdateReflection,
    Visibility,
};
use crate::audit::{self, AuditAction};
use crate::auth::{AuthMember, Caller};
use crate::db::{self, DbConn};
use crate::error::ApiError;
use crate::extract::{IfMatch, Json};
use crate::pagination::{self, PageRequest};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_reflection)
        .service(list_reflections)
        .service(get_reflection)
        .service(update_reflection)
        .service(delete_reflection)
        .service(list_comments)
        .service(create_comment)
        .service(get_comment)
        .service(delete_comment);
}

/// Only the author edits a reflection.
fn can_edit(me: &AuthMember, reflection: &ReflectionRow) -> bool {
    reflection.author_id == me.id
}

/// The author deletes; admins delete non-private ones (moderation).
fn can_delete(me: &AuthMember, reflection: &ReflectionRow) -> bool {
    reflection.author_id == me.id || (me.is_admin() && reflection.visibility != Visibility::Private)
}

/// A private reflection takes no comments, not even from its author.
fn can_comment(reflection: &ReflectionRow) -> bool {
    reflection.visibility != Visibility::Private
}

/// Its author or an admin deletes a comment.
fn can_delete_comment(me: &AuthMember, comment: &CommentRow) -> bool {
    comment.author_id == me.id || me.is_admin()
}

/// The API view of `rows`, in their order: author names and comment counts in one query.
fn responses(
    conn: &mut DbConn,
    rows: Vec<ReflectionRow>,
) -> Result<Vec<ReflectionResponse>, ApiError> {
    queries::with_authors_and_counts(conn, rows)?
        .into_iter()
        .map(queries::Listed::into_response)
        .collect()
}

fn response(conn: &mut DbConn, row: ReflectionRow) -> Result<ReflectionResponse, ApiError> {
    responses(conn, vec![row])?
        .pop()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("a reflection went missing")))
}

fn comment_responses(
    conn: &mut DbConn,
    rows: Vec<CommentRow>,
) -> Result<Vec<CommentResponse>, ApiError> {
    let authors: Vec<_> = rows.iter().map(|r| r.author_id).collect();
    let names = queries::author_names(conn, &authors)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let name = names.get(&row.author_id).cloned().unwrap_or_default();
            row.into_response(name)
        })
        .collect())
}

fn comment_response(conn: &mut DbConn, row: CommentRow) -> Result<CommentResponse, ApiError> {
    let name = queries::author_name(conn, row.author_id)?;
    Ok(row.into_response(name))
}

fn reflection_ok(status: StatusCode, reflection: &ReflectionResponse) -> HttpResponse {
    crate::extract::versioned(
        status,
        "reflections",
        reflection.id,
        reflection.version,
        reflection,
    )
}

/// Write a reflection. `visibility` defaults to `private`; `session_id` and `network_id`, when
/// given, must exist (422).
#[utoipa::path(
    tag = "reflections",
    request_body = CreateReflection,
    security(("bearer" = [])),
    responses(
        (status = 201, body = ReflectionResponse, headers(("Location" = String), ("ETag" = String))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::ValidationFailed),
    )
)]
#[post("/reflections")]
pub async fn create_reflection(
    state: web::Data<AppState>,
    me: AuthMember,
    body: Json<CreateReflection>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let links = (body.session_id, body.network_id);
    let parsed = NewReflection::try_from(body);
    let reflection = db::write(&state.writer, move |conn| {
        let missing = queries::missing_links(conn, links.0, links.1)?;
        let reflection = with_errors(parsed, missing)?;
        let (id, at) = queries::insert(conn, me.id, &reflection)?;
        // This runs in the serialized write, so it reads only what it does not know: the
        // rest of the answer is what was just stored.
        let name = queries::author_name(conn, me.id)?;
        Ok(reflection.into_response(
            id,
            Author {
                id: me.id,
                display_name: name,
            },
            at,
        ))
    })
    .await?;
    Ok(reflection_ok(StatusCode::CREATED, &reflection))
}

/// Reflections you may read, newest first (`created_at`, then `id`). Filters combine with
/// each other, with `q` and with the cursor.
#[utoipa::path(
    tag = "reflections",
    params(ListReflectionsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ReflectionPage),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
    )
)]
#[get("/reflections")]
pub async fn list_reflections(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListReflectionsQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    let tag = query
        .tag
        .as_deref()
        .map(normalize_tag)
        .transpose()
        .map_err(|message| ApiError::BadRequest(format!("tag {message}")))?;
    let filter = ReflectionFilter {
        author_id: query.author_id,
        session_id: query.session_id,
        network_id: query.network_id,
        tension: query.tension,
        tag,
        search: Search::parse(query.q.as_deref())?,
    };
    // A page read from the time-ordered indexes is short enough to run where the request is;
    // a search reads as many index entries as it must, on the blocking pool.
    let short = !matches!(filter.search, Search::Words(_));
    // Read before the read begins (see `Vocabulary::as_of`).
    let commits = state.writer.commits();
    let vocabulary = state.vocabulary.clone();
    let page = state
        .near
        .read_if(short, move |conn| {
            let me = caller.member(conn)?;
            let vocabulary = vocabulary.as_of(commits);
            let listed = queries::list(conn, &me, &filter, &page, &vocabulary)?;
            let (listed, next_cursor) =
                pagination::finish(listed, &page, |l| (l.row.created_at, l.row.id.to_string()));
            Ok(ReflectionPage {
                items: listed
                    .into_iter()
                    .map(queries::Listed::into_response)
                    .collect::<Result<_, _>>()?,
                next_cursor,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// One reflection, if you may read it.
#[utoipa::path(
    tag = "reflections",
    params(ReflectionPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ReflectionResponse, headers(("ETag" = String))),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/reflections/{id}")]
pub async fn get_reflection(
    state: web::Data<AppState>,
    me: AuthMember,
    path: web::Path<ReflectionPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let reflection = db::run(&state.pool, move |conn| {
        let row = queries::get_visible(conn, &me, id)?;
        response(conn, row)
    })
    .await?;
    Ok(reflection_ok(StatusCode::OK, &reflection))
}

/// Edit your own reflection. Absent fields stay; `null` clears `session_id`, `network_id` or
/// `competence`. `If-Match` is honoured (412, nothing changes). Someone else's reflection: 403
/// when you may read it, else 404.
#[utoipa::path(
    tag = "reflections",
    params(ReflectionPath, crate::extract::IfMatchHeader),
    request_body = UpdateReflection,
    security(("bearer" = [])),
    responses(
        (status = 200, body = ReflectionResponse, headers(("ETag" = String))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::ValidationFailed),
    )
)]
#[patch("/reflections/{id}")]
pub async fn update_reflection(
    state: web::Data<AppState>,
    me: AuthMember,
    path: web::Path<ReflectionPath>,
    if_match: IfMatch,
    body: Json<UpdateReflection>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let body = body.into_inner();
    let session = body.session_id.flatten();
    let network = body.network_id.flatten();
    let parsed = ReflectionChange::try_from(body);
    let reflection = db::write(&state.writer, move |conn| {
        let row = queries::get_visible(conn, &me, id)?;
        if !can_edit(&me, &row) {
            return Err(ApiError::Forbidden(
                "Only its author can edit a reflection.".into(),
            ));
        }
        // Invalid data is a 422 whatever the version; a valid change to an old version, 412.
        let missing = queries::missing_links(conn, session, network)?;
        let change = with_errors(parsed, missing)?;
        if_match.check(row.version)?;
        queries::update(conn, &row, change)?;
        let row = queries::get_visible(conn, &me, id)?;
        response(conn, row)
    })
    .await?;
    Ok(reflection_ok(StatusCode::OK, &reflection))
}

/// Delete a reflection, with its comments: the author, or an admin for a non-private one
/// (moderation, recorded in the audit trail).
#[utoipa::path(
    tag = "reflections",
    params(ReflectionPath),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted, with its comments."),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[delete("/reflections/{id}")]
pub async fn delete_reflection(
    state: web::Data<AppState>,
    me: AuthMember,
    path: web::Path<ReflectionPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    db::write(&state.writer, move |conn| {
        let row = queries::get_visible(conn, &me, id)?;
        if !can_delete(&me, &row) {
            return Err(ApiError::Forbidden(
                "Only its author or an admin can delete this reflection.".into(),
            ));
        }
        queries::delete(conn, id)?;
        if row.author_id != me.id {
            audit::record(
                conn,
                me.id,
                AuditAction::ReflectionModerated,
                "reflection",
                &id.to_string(),
                json!({"author_id": row.author_id, "visibility": row.visibility}),
            )?;
        }
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The comments on a reflection you may read, oldest first (`created_at`, then `id`).
#[utoipa::path(
    tag = "reflections",
    params(ReflectionPath, ListCommentsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = CommentPage),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/reflections/{id}/comments")]
pub async fn list_comments(
    state: web::Data<AppState>,
    me: AuthMember,
    path: web::Path<ReflectionPath>,
    query: web::Query<ListCommentsQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    let page = db::run(&state.pool, move |conn| {
        let reflection = queries::get_visible(conn, &me, id)?;
        let rows = queries::list_comments(conn, reflection.id, &page)?;
        let (rows, next_cursor) =
            pagination::finish(rows, &page, |r| (r.created_at, r.id.to_string()));
        Ok(CommentPage {
            items: comment_responses(conn, rows)?,
            next_cursor,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Comment on a reflection you may read. A private reflection takes no comments (403), not
/// even from its author.
#[utoipa::path(
    tag = "reflections",
    params(ReflectionPath),
    request_body = CreateComment,
    security(("bearer" = [])),
    responses(
        (status = 201, body = CommentResponse, headers(("Location" = String))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::ValidationFailed),
    )
)]
#[post("/reflections/{id}/comments")]
pub async fn create_comment(
    state: web::Data<AppState>,
    me: AuthMember,
    path: web::Path<ReflectionPath>,
    body: Json<CreateComment>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let parsed = comment_body(&body.into_inner());
    let comment = db::write(&state.writer, move |conn| {
        let reflection = queries::get_visible(conn, &me, id)?;
        if !can_comment(&reflection) {
            return Err(ApiError::Forbidden(
                "A private reflection takes no comments.".into(),
            ));
        }
        let row = queries::insert_comment(conn, reflection.id, me.id, &parsed?)?;
        comment_response(conn, row)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/comments/{}", comment.id)))
        .json(comment))
}

/// One comment, if you may read its reflection.
#[utoipa::path(
    tag = "reflections",
    params(CommentPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = CommentResponse),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/comments/{id}")]
pub async fn get_comment(
    state: web::Data<AppState>,
    me: AuthMember,
    path: web::Path<CommentPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let comment = db::run(&state.pool, move |conn| {
        let row = visible_comment(conn, &me, id)?;
        comment_response(conn, row)
    })
    .await?;
    Ok(HttpResponse::Ok().json(comment))
}

/// Delete a comment: its author, or an admin (moderation, recorded in the audit trail).
/// Someone who may not read the reflection gets 404.
#[utoipa::path(
    tag = "reflections",
    params(CommentPath),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted."),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[delete("/comments/{id}")]
pub async fn delete_comment(
    state: web::Data<AppState>,
    me: AuthMember,
    path: web::Path<CommentPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    db::write(&state.writer, move |conn| {
        let comment = visible_comment(conn, &me, id)?;
        if !can_delete_comment(&me, &comment) {
            return Err(ApiError::Forbidden(
                "Only its author or an admin can delete a comment.".into(),
            ));
        }
        queries::delete_comment(conn, id)?;
        if comment.author_id != me.id {
            audit::record(
                conn,
                me.id,
                AuditAction::CommentModerated,
                "comment",
                &id.to_string(),
                json!({"reflection_id": comment.reflection_id, "author_id": comment.author_id}),
            )?;
        }
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A comment whose reflection `me` may read; 404 otherwise, as for the reflection itself.
fn visible_comment(
    conn: &mut DbConn,
    me: &AuthMember,
    id: super::types::CommentId,
) -> Result<CommentRow, ApiError> {
    let not_found = || ApiError::not_found("comment");
    let comment = queries::find_comment(conn, id)?;
    queries::get_visible(conn, me, comment.reflection_id).map_err(|e| match e {
        ApiError::NotFound(_) => not_found(),
        other => other,
    })?;
    Ok(comment)
}
