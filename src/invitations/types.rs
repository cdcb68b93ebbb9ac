//! Invitation bodies and the validated registration.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::password;
use crate::auth::types::RegisterRequest;
use crate::config::Secret;
use crate::error::ApiError;
use crate::extract::RequestBody;
use crate::members::types::{MemberKind, Role, DISPLAY_NAME_MAX, JOB_TITLE_MAX, ORGANIZATION_MAX};
use crate::members::{email_problem, normalize_email};
use crate::validation::Errors;
use crate::{page_of, text_enum, uuid_id};

uuid_id!(InvitationId, "An invitation's id.");

text_enum!(InvitationStatus, "Where an invitation stands.", {
    Pending => "pending",
    Used => "used",
    Expired => "expired",
    Revoked => "revoked",
});

impl InvitationStatus {
    pub fn of(
        used_at: Option<NaiveDateTime>,
        revoked_at: Option<NaiveDateTime>,
        expires_at: NaiveDateTime,
        now: NaiveDateTime,
    ) -> Self {
        if used_at.is_some() {
            Self::Used
        } else if revoked_at.is_some() {
            Self::Revoked
        } else if expires_at <= now {
            Self::Expired
        } else {
            Self::Pending
        }
    }
}

/// `POST /invitations`: facilitators may invite members; admins any role.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInvitation {
    #[schema(format = Email, max_length = 254, example = "joost@zorggroep-oost.example")]
    pub email: String,
    pub role: Role,
}

/// An invitation. `code` appears only in the response that created it.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationResponse {
    pub id: InvitationId,
    pub email: String,
    pub role: Role,
    /// The secret to pass to `POST /auth/register`; shown only once, at creation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(serialize_with = "crate::db::timestamp::serialize")]
    pub expires_at: DateTime<Utc>,
    pub status: InvitationStatus,
    #[serde(serialize_with = "crate::db::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
}

page_of!(InvitationPage, InvitationResponse);

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListInvitationsQuery {
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(pattern = r"^[0-9a-f]{16}\.[0-9a-f]{32}$")]
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct InvitationPath {
    /// The invitation's id.
    pub id: InvitationId,
}

/// A validated invitation request.
pub struct NewInvitation {
    pub email: String,
    pub role: Role,
}

impl RequestBody for CreateInvitation {
    type Valid = NewInvitation;
    fn validate(self) -> Result<NewInvitation, ApiError> {
        let body = self;
        let mut errors = Errors::new();
        let email = normalize_email(&body.email);
        if let Some(problem) = email_problem(&email) {
            errors.add("email", problem);
        }
        errors.finish(NewInvitation {
            email,
            role: body.role,
        })
    }
}

/// A validated `POST /auth/register`.
#[derive(Debug)]
pub struct Registration {
    pub code: String,
    pub display_name: String,
    pub password: Secret,
    pub member_kind: MemberKind,
    pub organization: Option<String>,
    pub job_title: Option<String>,
}

impl RequestBody for RegisterRequest {
    type Valid = Registration;
    fn validate(self) -> Result<Registration, ApiError> {
        let body = self;
        let mut errors = Errors::new();
        let display_name = errors.text("display_name", &body.display_name, 1, DISPLAY_NAME_MAX);
        if let Some(problem) = password::length_problem(&body.password) {
            errors.add("password", problem);
        }
        let organization = errors.optional_text(
            "organization",
            body.organization.as_deref(),
            ORGANIZATION_MAX,
        );
        let job_title = errors.optional_text("job_title", body.job_title.as_deref(), JOB_TITLE_MAX);
        errors.finish(Registration {
            code: body.invitation_code,
            display_name,
            password: Secret::new(body.password),
            member_kind: body.member_kind,
            organization,
            job_title,
        })
    }
}
