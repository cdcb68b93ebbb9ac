//! Bodies of `/auth/*`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::members::types::{MemberKind, MemberResponse};

/// `POST /auth/login`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(example = "fatima@delinde.example")]
    pub email: String,
    #[schema(example = "een lang wachtwoord")]
    pub password: String,
}

/// `POST /auth/refresh`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// `POST /auth/logout`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogoutRequest {
    pub refresh_token: String,
}

/// `POST /auth/register`: join through an invitation; the email comes from the invitation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    pub invitation_code: String,
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"\S",
        example = "Fatima el Amrani"
    )]
    pub display_name: String,
    /// 12–128 characters.
    #[schema(min_length = 12, max_length = 128)]
    pub password: String,
    pub member_kind: MemberKind,
    #[schema(max_length = 200, example = "Woonstichting De Linde")]
    pub organization: Option<String>,
    #[schema(max_length = 200, example = "Wijkconsulent")]
    pub job_title: Option<String>,
}

/// Always `Bearer`.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub enum TokenType {
    Bearer,
}

/// Tokens for a member who just logged in, refreshed or registered.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT for `Authorization: Bearer …`.
    pub access_token: String,
    pub token_type: TokenType,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: i64,
    /// Exchange it at `/auth/refresh` for new tokens; it works once.
    pub refresh_token: String,
    pub member: MemberResponse,
}

crate::plain_body!(LoginRequest, RefreshRequest, LogoutRequest);
