//! Members: ids, roles, kinds, and the request and response bodies of `/members` and `/me`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::extract::RequestBody;
use crate::networks::types::NetworkId;
use crate::validation::Errors;
use crate::{page_of, text_enum, uuid_id};

uuid_id!(MemberId, "A member's id.");

text_enum!(Role, "What a member may do: `member` < `facilitator` < `admin`.", {
    Member => "member",
    Facilitator => "facilitator",
    Admin => "admin",
});

text_enum!(MemberKind, "A member is a professional or an executive (bestuurder).", {
    Professional => "professional",
    Executive => "executive",
});

impl Role {
    fn rank(self) -> u8 {
        match self {
            Role::Member => 0,
            Role::Facilitator => 1,
            Role::Admin => 2,
        }
    }

    /// Whether this role includes everything `other` may do.
    pub fn at_least(self, other: Role) -> bool {
        self.rank() >= other.rank()
    }
}

/// Profile field limits.
pub const DISPLAY_NAME_MAX: usize = 100;
pub const ORGANIZATION_MAX: usize = 200;
pub const JOB_TITLE_MAX: usize = 200;
pub const BIO_MAX: usize = 2000;
pub const EMAIL_MAX: usize = 254;

/// A member of the learning community.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "5f0c6a8e-2b7d-4a8e-9a57-3c1f0f6b9e21",
    "display_name": "Fatima el Amrani",
    "member_kind": "professional",
    "role": "member",
    "organization": "Woonstichting De Linde",
    "job_title": "Wijkconsulent",
    "bio": "Werkt aan zelfstandig wonen na een verblijf in een instelling.",
    "active": true,
    "joined_at": "2026-03-01T14:00:00Z",
    "network_ids": [],
    "email": "fatima@delinde.example",
    "version": 1
}))]
pub struct MemberResponse {
    pub id: MemberId,
    pub display_name: String,
    pub member_kind: MemberKind,
    pub role: Role,
    pub organization: Option<String>,
    pub job_title: Option<String>,
    pub bio: Option<String>,
    pub active: bool,
    #[serde(serialize_with = "crate::db::timestamp::serialize")]
    pub joined_at: DateTime<Utc>,
    /// The networks this member takes part in.
    pub network_ids: Vec<NetworkId>,
    /// Shown to the member themself, to facilitators and to admins only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Starts at 1, +1 per change; also sent as the `ETag`.
    pub version: i32,
}

page_of!(MemberPage, MemberResponse);

/// Filters of `GET /members`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListMembersQuery {
    /// Matches display name and organization, case-insensitive.
    pub q: Option<String>,
    pub role: Option<Role>,
    /// Only members of this network.
    pub network_id: Option<NetworkId>,
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(pattern = r"^(?:[0-9a-f]{2})*\.[0-9a-f]{32}$")]
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MemberPath {
    /// The member's id.
    pub id: MemberId,
}

/// `PATCH /me`: absent fields stay as they are; `null` clears a nullable field.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMe {
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub display_name: Option<String>,
    #[serde(default, with = "crate::validation::patch")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub organization: Option<Option<String>>,
    #[serde(default, with = "crate::validation::patch")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub job_title: Option<Option<String>>,
    #[serde(default, with = "crate::validation::patch")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub bio: Option<Option<String>>,
    pub member_kind: Option<MemberKind>,
}

/// A validated profile change.
#[derive(Debug, Default)]
pub struct ProfileChange {
    pub display_name: Option<String>,
    pub organization: Option<Option<String>>,
    pub job_title: Option<Option<String>>,
    pub bio: Option<Option<String>>,
    pub member_kind: Option<MemberKind>,
}

impl RequestBody for UpdateMe {
    type Valid = ProfileChange;

    fn validate(self) -> Result<ProfileChange, crate::error::ApiError> {
        let body = self;
        let mut errors = Errors::new();
        let display_name = body
            .display_name
            .map(|name| errors.text("display_name", &name, 1, DISPLAY_NAME_MAX));
        let mut nullable = |field: &str, value: Option<Option<String>>, max| {
            value.map(|inner| errors.optional_text(field, inner.as_deref(), max))
        };
        let organization = nullable("organization", body.organization, ORGANIZATION_MAX);
        let job_title = nullable("job_title", body.job_title, JOB_TITLE_MAX);
        let bio = nullable("bio", body.bio, BIO_MAX);
        errors.finish(ProfileChange {
            display_name,
            organization,
            job_title,
            bio,
            member_kind: body.member_kind,
        })
    }
}

/// `PUT /me/password`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    pub current_password: String,
    /// 12–128 characters.
    #[schema(min_length = 12, max_length = 128)]
    pub new_password: String,
}

impl RequestBody for ChangePassword {
    type Valid = ChangePassword;

    fn validate(self) -> Result<ChangePassword, crate::error::ApiError> {
        let mut errors = Errors::new();
        if let Some(problem) = crate::auth::password::length_problem(&self.new_password) {
            errors.add("new_password", problem);
        }
        errors.finish(self)
    }
}

/// `PATCH /members/{id}` (admin): change the role or (de)activate.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMember {
    pub role: Option<Role>,
    pub active: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Admin.at_least(Role::Facilitator));
        assert!(Role::Facilitator.at_least(Role::Facilitator));
        assert!(!Role::Member.at_least(Role::Facilitator));
    }

    #[test]
    fn profile_change_reports_every_field() {
        let body = UpdateMe {
            display_name: Some(" ".into()),
            bio: Some(Some("x".repeat(BIO_MAX + 1))),
            ..UpdateMe::default()
        };
        match body.validate() {
            Err(crate::error::ApiError::Validation(errors)) => assert_eq!(errors.len(), 2),
            other => panic!("unexpected {other:?}"),
        }
    }
}

crate::plain_body!(UpdateMember);
