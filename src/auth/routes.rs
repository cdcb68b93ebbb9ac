//! `/auth/*`: login, refresh, logout and registration through an invitation.

use actix_web::http::header;
use actix_web::{post, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use super::password;
use super::queries::{self, Rotation};
use super::types::{
    LoginRequest, LogoutRequest, RefreshRequest, RegisterRequest, TokenResponse, TokenType,
};
use crate::config::Secret;
use crate::db;
use crate::error::ApiError;
use crate::extract::Json;
use crate::invitations;
use crate::members::model::MemberRow;
use crate::members::{self, normalize_email};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(login)
        .service(refresh)
        .service(logout)
        .service(register);
}

/// Builds the token response for `member` with a fresh access token.
fn tokens(
    state: &AppState,
    member: MemberRow,
    network_ids: Vec<crate::networks::types::NetworkId>,
    refresh_token: String,
) -> Result<TokenResponse, ApiError> {
    let access_token = state.keys.issue(member.id, member.role)?;
    Ok(TokenResponse {
        access_token,
        token_type: TokenType::Bearer,
        expires_in: state.keys.ttl_seconds(),
        refresh_token,
        member: member.into_response(network_ids, true),
    })
}

fn invalid_credentials() -> ApiError {
    ApiError::Unauthorized("The email or password is not right.".into())
}

/// Log in with email and password.
///
/// A wrong email and a wrong password get the same 401 in comparable time. After too many
/// failures for one email within the window, every attempt for it gets 429 until the window
/// has passed, even with the right password.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::ValidationFailed),
        (status = 429, response = crate::openapi::RateLimited),
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    body: Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest { email, password } = body.into_inner();
    let email = normalize_email(&email);
    let threshold = state.settings.lockout_threshold;
    let window = i64::try_from(state.settings.lockout_window).unwrap_or(900);

    let lookup_email = email.clone();
    let (locked, member) = db::run(&state.pool, move |conn| {
        let locked = queries::lockout(conn, &lookup_email, threshold, window)?;
        let member = members::queries::find_by_email(conn, &lookup_email)?;
        Ok((locked, member))
    })
    .await?;
    if let Some(retry_after) = locked {
        return Err(ApiError::RateLimited { retry_after });
    }

    let stored = member
        .as_ref()
        .filter(|m| m.active)
        .and_then(|m| m.password_hash.clone());
    let matches = password::verify(Secret::new(password), stored).await?;
    let member = match member {
        Some(member) if matches => member,
        _ => {
            db::write(&state.writer, move |conn| {
                queries::record_failure(conn, &email, window)
            })
            .await?;
            return Err(invalid_credentials());
        }
    };

    let member_id = member.id;
    let (refresh_token, network_ids) = db::write(&state.writer, move |conn| {
        queries::clear_failures(conn, &email)?;
        let token = queries::start_login(conn, member_id)?;
        Ok((token, members::queries::network_ids_of(conn, member_id)?))
    })
    .await?;
    Ok(HttpResponse::Ok().json(tokens(&state, member, network_ids, refresh_token)?))
}

/// Exchange a refresh token for new tokens.
///
/// The presented token stops working. Presenting a token that was already exchanged is
/// treated as theft: 401, and every token of that login is revoked.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::ValidationFailed),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let presented = body.into_inner().refresh_token;
    let outcome = db::write(&state.writer, move |conn| {
        let rotation = queries::rotate(conn, &presented)?;
        let Rotation::Rotated {
            member,
            refresh_token,
        } = rotation
        else {
            return Ok(None);
        };
        let Some(row) = members::queries::find(conn, member)?.filter(|m| m.active) else {
            return Ok(None);
        };
        let networks = members::queries::network_ids_of(conn, member)?;
        Ok(Some((row, networks, refresh_token)))
    })
    .await?;
    let (member, network_ids, refresh_token) = outcome.ok_or_else(|| {
        ApiError::Unauthorized("The refresh token is not valid; log in again.".into())
    })?;
    Ok(HttpResponse::Ok().json(tokens(&state, member, network_ids, refresh_token)?))
}

/// Log out: the login that this refresh token belongs to ends.
#[utoipa::path(
    tag = "auth",
    request_body = LogoutRequest,
    responses(
        (status = 204, description = "Logged out (also for an unknown token)."),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::ValidationFailed),
    )
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    body: Json<LogoutRequest>,
) -> Result<HttpResponse, ApiError> {
    let presented = body.into_inner().refresh_token;
    db::write(&state.writer, move |conn| queries::logout(conn, &presented)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Join the community with an invitation code.
///
/// The email comes from the invitation. The code works once; an unknown, used, revoked or
/// expired code is answered 404.
#[utoipa::path(
    tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, body = TokenResponse, headers(("Location" = String, description = "The new member."))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::ValidationFailed),
    )
)]
#[post("/auth/register")]
pub async fn register(
    state: web::Data<AppState>,
    body: Json<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let registration = body.into_inner();
    let password_hash = password::hash(registration.password.clone()).await?;
    let (member, refresh_token) = db::write(&state.writer, move |conn| {
        let member = invitations::queries::redeem(conn, &registration, &password_hash)?;
        let token = queries::start_login(conn, member.id)?;
        Ok((member, token))
    })
    .await?;
    let location = format!("/api/v1/members/{}", member.id);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(tokens(&state, member, Vec::new(), refresh_token)?))
}
