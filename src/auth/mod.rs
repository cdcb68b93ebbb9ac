//! Authentication: passwords, access and refresh tokens, login throttling, and the
//! [`AuthMember`] extractor every protected handler takes.

pub mod password;
pub mod queries;
pub mod routes;
pub mod secret;
pub mod token;
pub mod types;

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};

use crate::db::DbConn;
use crate::error::ApiError;
use crate::members::types::{MemberId, Role};
use crate::AppState;

/// The caller of a protected endpoint, as the database knows them *now*: a role change or a
/// deactivation applies on the member's next request, not when their token expires.
#[derive(Debug, Clone, Copy)]
pub struct AuthMember {
    pub id: MemberId,
    pub role: Role,
}

impl AuthMember {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Facilitators and admins.
    pub fn is_staff(&self) -> bool {
        self.role.at_least(Role::Facilitator)
    }

    /// 403 unless the caller has at least `role`.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.role.at_least(role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!("This needs the {role} role.")))
        }
    }
}

impl FromRequest for AuthMember {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let caller = Caller::from_parts(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no app state")))?;
            let caller = caller?;
            Ok(state.near.read(move |conn| caller.member(conn)).await?)
        })
    }
}

/// The holder of a valid access token, not yet checked against the database: for the busiest
/// reads, which check the member ([`Caller::member`]) in the same database call as their own
/// queries instead of in a call of its own. Whatever a handler does with it, it does
/// with the [`AuthMember`] that `member` returns.
#[derive(Debug, Clone, Copy)]
pub struct Caller(MemberId);

impl Caller {
    fn from_parts(req: &HttpRequest) -> Result<Self, ApiError> {
        let state = req
            .app_data::<web::Data<AppState>>()
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no app state")))?;
        let token = bearer_token(req)?;
        let claims = state
            .keys
            .verify(&token)
            .ok_or_else(|| ApiError::Unauthorized("The access token is not valid.".into()))?;
        Ok(Caller(claims.sub))
    }

    /// The caller as the database knows them now; 401 for a deactivated or erased account.
    pub fn member(self, conn: &mut DbConn) -> Result<AuthMember, ApiError> {
        match queries::active_role(conn, self.0)? {
            Some(role) => Ok(AuthMember { id: self.0, role }),
            None => Err(ApiError::Unauthorized(
                "This account cannot sign in.".into(),
            )),
        }
    }
}

impl FromRequest for Caller {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Caller::from_parts(req).map_err(Into::into))
    }
}

fn bearer_token(req: &HttpRequest) -> Result<String, ApiError> {
    let missing = || ApiError::Unauthorized("Send `Authorization: Bearer <access token>`.".into());
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(missing)?
        .to_str()
        .map_err(|_| missing())?;
    let (scheme, token) = value.split_once(' ').ok_or_else(missing)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(missing());
    }
    Ok(token.trim().to_owned())
}
