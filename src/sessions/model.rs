//! Session and registration rows as stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::types::{
    MemberSummary, RegistrationResponse, RegistrationStatus, SessionFields, SessionId,
    SessionStatus,
};
use crate::db::timestamp::Stamp;
use crate::db::utc;
use crate::members::types::MemberId;
use crate::schema::{registrations, sessions};
use crate::tensions::types::Tension;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions, check_for_backend(diesel::sqlite::Sqlite))]
pub struct SessionRow {
    pub id: SessionId,
    pub title: String,
    pub description: String,
    pub theme: Option<Tension>,
    #[diesel(deserialize_as = Stamp)]
    pub starts_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub ends_at: NaiveDateTime,
    pub location: Option<String>,
    pub online_url: Option<String>,
    pub capacity: Option<i32>,
    pub status: SessionStatus,
    pub created_by: Option<MemberId>,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub updated_at: NaiveDateTime,
    pub version: i32,
    /// Kept by triggers on `registrations` (see the migration `session_counts`).
    pub registered_count: i32,
    pub waitlist_count: i32,
}

impl SessionRow {
    pub fn fields(&self) -> SessionFields {
        SessionFields {
            title: self.title.clone(),
            description: self.description.clone(),
            theme: self.theme,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            location: self.location.clone(),
            online_url: self.online_url.clone(),
            capacity: self.capacity,
        }
    }

    /// Whether the session has started at `now` (registration closes then).
    pub fn has_started(&self, now: NaiveDateTime) -> bool {
        self.starts_at <= now
    }

    pub fn is_cancelled(&self) -> bool {
        self.status == SessionStatus::Cancelled
    }
}

/// One row per (session, member), whatever happens to the registration.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = registrations, check_for_backend(diesel::sqlite::Sqlite))]
pub struct RegistrationRow {
    pub session_id: SessionId,
    pub member_id: MemberId,
    pub status: RegistrationStatus,
    /// The order of joining the queue; waitlist positions derive from it.
    pub seq: i64,
    pub attended: Option<bool>,
    #[diesel(deserialize_as = Stamp)]
    pub registered_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub updated_at: NaiveDateTime,
}

impl RegistrationRow {
    /// The API view; `waitlist_position` comes from [`super::waitlist::positions`] (a session's
    /// registrations) or [`super::waitlist::registrations_of`] (a member's, across sessions).
    pub fn into_response(
        self,
        display_name: String,
        waitlist_position: Option<i64>,
    ) -> RegistrationResponse {
        RegistrationResponse {
            session_id: self.session_id,
            member: MemberSummary {
                id: self.member_id,
                display_name,
            },
            status: self.status,
            waitlist_position,
            attended: self.attended,
            registered_at: utc(self.registered_at),
        }
    }
}
