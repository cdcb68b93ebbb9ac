//! Sessions (bijeenkomsten): ids, enums, request and response bodies, and the validated session
//! a request describes.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::stored;
use crate::error::ApiError;
use crate::members::types::MemberId;
use crate::tensions::types::Tension;
use crate::validation::Errors;
use crate::{page_of, text_enum, uuid_id};

uuid_id!(SessionId, "A session's id.");

text_enum!(SessionStatus, "Whether a session takes place.", {
    Scheduled => "scheduled",
    Cancelled => "cancelled",
});

text_enum!(RegistrationStatus, "Where a registration stands: a place (`registered`), a place \
in the queue (`waitlisted`), or given up (`cancelled`).", {
    Registered => "registered",
    Waitlisted => "waitlisted",
    Cancelled => "cancelled",
});

/// Field limits.
pub const TITLE_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 5000;
pub const LOCATION_MAX: usize = 300;
pub const ONLINE_URL_MAX: usize = 2000;
pub const CAPACITY_MAX: i64 = 100_000;
pub const FACILITATORS_MAX: usize = 20;

/// Who a registration belongs to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberSummary {
    pub id: MemberId,
    #[schema(example = "Fatima el Amrani")]
    pub display_name: String,
}

/// A member's registration for a session.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegistrationResponse {
    pub session_id: SessionId,
    pub member: MemberSummary,
    pub status: RegistrationStatus,
    /// 1 for the first in the queue; null unless `waitlisted`. Positions are always
    /// contiguous: when someone ahead is promoted or leaves, everyone behind moves up.
    pub waitlist_position: Option<i64>,
    /// Whether the member came; null until attendance is taken (and for anyone not
    /// `registered`).
    pub attended: Option<bool>,
    /// When the member (last) registered.
    #[serde(serialize_with = "crate::db::timestamp::serialize")]
    pub registered_at: DateTime<Utc>,
}

page_of!(RegistrationPage, RegistrationResponse);

/// A session (bijeenkomst) of the learning community.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "3b9f1c2e-7a4d-4f8e-b6a1-0c2d9e8f7a65",
    "title": "Wie is eigenaar van de opgave?",
    "description": "Intervisie over netwerklegitimatie: van wie is de opgave, wie is van de opgave?",
    "theme": "legitimacy",
    "starts_at": "2026-03-12T14:00:00Z",
    "ends_at": "2026-03-12T16:30:00Z",
    "location": "Wijkcentrum De Schakel, Zuiderveld",
    "online_url": null,
    "capacity": 12,
    "status": "scheduled",
    "facilitator_ids": ["5f0c6a8e-2b7d-4a8e-9a57-3c1f0f6b9e21"],
    "registered_count": 12,
    "waitlist_count": 2,
    "my_registration": null,
    "created_at": "2026-02-01T09:00:00Z",
    "updated_at": "2026-02-01T09:00:00Z",
    "version": 1
}))]
pub struct SessionResponse {
    pub id: SessionId,
    pub title: String,
    pub description: String,
    /// The tension the session is about, if any.
    pub theme: Option<Tension>,
    #[serde(serialize_with = "crate::db::timestamp::serialize")]
    pub starts_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::db::timestamp::serialize")]
    pub ends_at: DateTime<Utc>,
    /// Where it takes place, if anywhere physical.
    pub location: Option<String>,
    /// Where to join online, if it can be joined online.
    pub online_url: Option<String>,
    /// Places; null for unlimited.
    pub capacity: Option<i32>,
    pub status: SessionStatus,
    pub facilitator_ids: Vec<MemberId>,
    pub registered_count: i64,
    pub waitlist_count: i64,
    /// The caller's registration (of any status), or null.
    pub my_registration: Option<RegistrationResponse>,
    #[serde(serialize_with = "crate::db::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::db::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
    /// Starts at 1, +1 per change; also sent as the `ETag`.
    pub version: i32,
}

page_of!(SessionPage, SessionResponse);

/// `POST /sessions`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSession {
    /// 1–200 characters.
    #[schema(
        example = "Wie is eigenaar van de opgave?",
        min_length = 1,
        pattern = r"\S",
        max_length = 200
    )]
    pub title: String,
    /// At most 5000 characters; empty when absent.
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    pub theme: Option<Tension>,
    /// RFC 3339; stored in UTC.
    #[schema(example = "2026-03-12T14:00:00Z")]
    pub starts_at: DateTime<Utc>,
    /// RFC 3339, after `starts_at`.
    #[schema(example = "2026-03-12T16:30:00Z")]
    pub ends_at: DateTime<Utc>,
    #[schema(example = "Wijkcentrum De Schakel, Zuiderveld", max_length = 300)]
    pub location: Option<String>,
    /// An `http(s)` URL.
    #[schema(example = "https://meet.example.org/leerkring", max_length = 2000)]
    pub online_url: Option<String>,
    /// At least 1; null or absent for unlimited.
    #[schema(minimum = 1, maximum = 100000)]
    pub capacity: Option<i64>,
    /// Active facilitators or admins; the creator when absent.
    #[schema(min_items = 1, max_items = 20)]
    pub facilitator_ids: Option<Vec<MemberId>>,
}

/// `PATCH /sessions/{id}`: any field of `POST`; absent fields stay as they are, `null` clears
/// `theme`, `location`, `online_url` and `capacity` (unlimited).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSession {
    #[schema(min_length = 1, pattern = r"\S", max_length = 200)]
    pub title: Option<String>,
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    #[serde(default, with = "crate::validation::patch")]
    #[schema(value_type = Option<Tension>)]
    pub theme: Option<Option<Tension>>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    #[serde(default, with = "crate::validation::patch")]
    #[schema(value_type = Option<String>, max_length = 300)]
    pub location: Option<Option<String>>,
    #[serde(default, with = "crate::validation::patch")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub online_url: Option<Option<String>>,
    /// Lowering it below the number registered: 409. Raising it promotes waitlisted members
    /// in order.
    #[serde(default, with = "crate::validation::patch")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 100000)]
    pub capacity: Option<Option<i64>>,
    /// Active facilitators or admins, replacing the current ones.
    #[schema(min_items = 1, max_items = 20)]
    pub facilitator_ids: Option<Vec<MemberId>>,
}

/// A session's editable fields, valid.
#[derive(Debug, Clone)]
pub struct SessionFields {
    pub title: String,
    pub description: String,
    pub theme: Option<Tension>,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub location: Option<String>,
    pub online_url: Option<String>,
    pub capacity: Option<i32>,
}

/// A validated `POST /sessions`.
#[derive(Debug)]
pub struct NewSession {
    pub fields: SessionFields,
    /// Deduplicated, in the order given; `None` for the default (the creator).
    pub facilitator_ids: Option<Vec<MemberId>>,
}

/// A validated `PATCH /sessions/{id}`.
#[derive(Debug, Default)]
pub struct SessionChange {
    pub title: Option<String>,
    pub description: Option<String>,
    pub theme: Option<Option<Tension>>,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub location: Option<Option<String>>,
    pub online_url: Option<Option<String>>,
    pub capacity: Option<Option<i32>>,
    pub facilitator_ids: Option<Vec<MemberId>>,
}

impl SessionChange {
    /// `current` with this change applied; 422 when the result ends before it starts.
    pub fn apply(&self, current: SessionFields) -> Result<SessionFields, ApiError> {
        let fields = SessionFields {
            title: self.title.clone().unwrap_or(current.title),
            description: self.description.clone().unwrap_or(current.description),
            theme: self.theme.unwrap_or(current.theme),
            starts_at: self.starts_at.unwrap_or(current.starts_at),
            ends_at: self.ends_at.unwrap_or(current.ends_at),
            location: self.location.clone().unwrap_or(current.location),
            online_url: self.online_url.clone().unwrap_or(current.online_url),
            capacity: self.capacity.unwrap_or(current.capacity),
        };
        if fields.ends_at <= fields.starts_at {
            let field = if self.ends_at.is_some() || self.starts_at.is_none() {
                "ends_at"
            } else {
                "starts_at"
            };
            return Err(ApiError::invalid(field, ENDS_BEFORE_START));
        }
        Ok(fields)
    }
}

const ENDS_BEFORE_START: &str = "the session must end after it starts";

fn capacity(errors: &mut Errors, value: Option<i64>) -> Option<i32> {
    let value = value?;
    if !(1..=CAPACITY_MAX).contains(&value) {
        errors.add(
            "capacity",
            format!("must be at least 1 and at most {CAPACITY_MAX}, or null for unlimited"),
        );
        return None;
    }
    i32::try_from(value).ok()
}

fn online_url(errors: &mut Errors, value: Option<&str>) -> Option<String> {
    let url = errors.optional_text("online_url", value, ONLINE_URL_MAX)?;
    let lower = url.to_ascii_lowercase();
    let has_host = ["https://", "http://"]
        .iter()
        .find_map(|scheme| lower.strip_prefix(scheme))
        .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'));
    errors.check(
        has_host && !url.chars().any(|c| c.is_whitespace() || c.is_control()),
        "online_url",
        "must be an http(s) URL like https://meet.example.org/leerkring",
    );
    Some(url)
}

fn facilitators(errors: &mut Errors, ids: Option<Vec<MemberId>>) -> Option<Vec<MemberId>> {
    let ids = ids?;
    errors.check(
        !ids.is_empty(),
        "facilitator_ids",
        "needs at least one facilitator; leave it out to be the facilitator yourself",
    );
    errors.check(
        ids.len() <= FACILITATORS_MAX,
        "facilitator_ids",
        format!("at most {FACILITATORS_MAX} facilitators"),
    );
    let mut unique = Vec::with_capacity(ids.len());
    for id in ids {
        if !unique.contains(&id) {
            unique.push(id);
        }
    }
    Some(unique)
}

impl TryFrom<CreateSession> for NewSession {
    type Error = ApiError;

    fn try_from(body: CreateSession) -> Result<Self, ApiError> {
        let mut errors = Errors::new();
        let starts_at = stored(body.starts_at);
        let ends_at = stored(body.ends_at);
        errors.check(ends_at > starts_at, "ends_at", ENDS_BEFORE_START);
        let fields = SessionFields {
            title: errors.text("title", &body.title, 1, TITLE_MAX),
            description: errors.text(
                "description",
                body.description.as_deref().unwrap_or_default(),
                0,
                DESCRIPTION_MAX,
            ),
            theme: body.theme,
            starts_at,
            ends_at,
            location: errors.optional_text("location", body.location.as_deref(), LOCATION_MAX),
            online_url: online_url(&mut errors, body.online_url.as_deref()),
            capacity: capacity(&mut errors, body.capacity),
        };
        let facilitator_ids = facilitators(&mut errors, body.facilitator_ids);
        errors.finish(NewSession {
            fields,
            facilitator_ids,
        })
    }
}

impl TryFrom<UpdateSession> for SessionChange {
    type Error = ApiError;

    fn try_from(body: UpdateSession) -> Result<Self, ApiError> {
        let mut errors = Errors::new();
        let starts_at = body.starts_at.map(stored);
        let ends_at = body.ends_at.map(stored);
        if let (Some(starts_at), Some(ends_at)) = (starts_at, ends_at) {
            errors.check(ends_at > starts_at, "ends_at", ENDS_BEFORE_START);
        }
        let change = SessionChange {
            title: body.title.map(|v| errors.text("title", &v, 1, TITLE_MAX)),
            description: body
                .description
                .map(|v| errors.text("description", &v, 0, DESCRIPTION_MAX)),
            theme: body.theme,
            starts_at,
            ends_at,
            location: body
                .location
                .map(|v| errors.optional_text("location", v.as_deref(), LOCATION_MAX)),
            online_url: body
                .online_url
                .map(|v| online_url(&mut errors, v.as_deref())),
            capacity: body.capacity.map(|v| capacity(&mut errors, v)),
            facilitator_ids: facilitators(&mut errors, body.facilitator_ids),
        };
        errors.finish(change)
    }
}

/// Filters of `GET /sessions`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListSessionsQuery {
    /// Sessions starting at or after this moment (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Sessions starting before this moment (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    pub status: Option<SessionStatus>,
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(pattern = r"^[0-9a-f]{16}\.[0-9a-f]{32}$")]
    pub cursor: Option<String>,
}

/// Filters of `GET /sessions/{id}/registrations`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListRegistrationsQuery {
    /// Only registrations with this status.
    pub status: Option<RegistrationStatus>,
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(pattern = r"^[0-9a-f]{16}\.[0-9a-f]{32}$")]
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SessionPath {
    /// The session's id.
    pub id: SessionId,
}

/// `PUT /sessions/{id}/attendance`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutAttendance {
    /// The registered members who came; every other registered member did not.
    pub present: Vec<MemberId>,
}

/// `POST /me/calendar-token`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarTokenResponse {
    /// The personal feed, an absolute path on this service (`/api/v1/calendar/<token>.ics`)
    /// to prefix with its origin. It holds a secret: anyone with it can read your upcoming
    /// sessions. Making a new one revokes the previous.
    #[schema(example = "/api/v1/calendar/q3N0ZXN0LXRva2VuLW5vdC1yZWFsLWp1c3QtYW4tZXhhbXBsZQ.ics")]
    pub url: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CalendarPath {
    /// The secret of the feed, from `POST /me/calendar-token`.
    pub token: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("timestamp")
    }

    fn body() -> CreateSession {
        CreateSession {
            title: "Puber in huis".into(),
            description: None,
            theme: Some(Tension::Identity),
            starts_at: at("2026-03-12T14:00:00.123456789Z"),
            ends_at: at("2026-03-12T16:00:00Z"),
            location: Some("Wijkcentrum De Schakel".into()),
            online_url: None,
            capacity: Some(12),
            facilitator_ids: None,
        }
    }

    fn invalid_fields<T: std::fmt::Debug>(result: Result<T, ApiError>) -> Vec<String> {
        match result {
            Err(ApiError::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn times_are_truncated_to_microseconds() {
        let new = NewSession::try_from(body()).expect("valid");
        assert_eq!(
            new.fields.starts_at.and_utc().to_rfc3339(),
            "2026-03-12T14:00:00.123456+00:00"
        );
    }

    #[test]
    fn every_invalid_field_is_reported() {
        let mut bad = body();
        bad.title = String::new();
        bad.ends_at = at("2026-03-12T13:00:00Z");
        bad.capacity = Some(0);
        bad.online_url = Some("javascript:alert(1)".into());
        bad.facilitator_ids = Some(vec![]);
        let mut fields = invalid_fields(NewSession::try_from(bad));
        fields.sort();
        assert_eq!(
            fields,
            [
                "capacity",
                "ends_at",
                "facilitator_ids",
                "online_url",
                "title"
            ]
        );
    }

    #[test]
    fn change_that_ends_before_the_start_is_invalid() {
        let current = NewSession::try_from(body()).expect("valid").fields;
        let change = SessionChange {
            starts_at: Some(stored(at("2026-03-12T17:00:00Z"))),
            ..SessionChange::default()
        };
        assert_eq!(invalid_fields(change.apply(current.clone())), ["starts_at"]);
        let change = SessionChange {
            capacity: Some(None),
            ..SessionChange::default()
        };
        assert_eq!(change.apply(current).expect("valid").capacity, None);
    }

    #[test]
    fn facilitators_are_deduplicated() {
        let id = MemberId::new();
        let mut with_twice = body();
        with_twice.facilitator_ids = Some(vec![id, id]);
        let new = NewSession::try_from(with_twice).expect("valid");
        assert_eq!(new.facilitator_ids, Some(vec![id]));
    }
}

// Their value rules run in the handlers, after the permission check and together with the
// facilitator checks that need the database.
crate::deferred_body!(CreateSession => NewSession, UpdateSession => SessionChange);
crate::plain_body!(PutAttendance);
