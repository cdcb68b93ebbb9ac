//! Member rows as stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::types::{MemberId, MemberKind, MemberResponse, Role};
use crate::db::timestamp::Stamp;
use crate::db::utc;
use crate::networks::types::NetworkId;
use crate::schema::members;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = members, check_for_backend(crate::db::Backend))]
pub struct MemberRow {
    pub id: MemberId,
    pub email: Option<String>,
    pub display_name: String,
    pub member_kind: MemberKind,
    pub role: Role,
    pub organization: Option<String>,
    pub job_title: Option<String>,
    pub bio: Option<String>,
    pub password_hash: Option<String>,
    pub active: bool,
    pub erased_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = Stamp)]
    pub joined_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = members)]
pub struct NewMember<'a> {
    pub id: MemberId,
    pub email: &'a str,
    pub display_name: &'a str,
    pub member_kind: MemberKind,
    pub role: Role,
    pub organization: Option<&'a str>,
    pub job_title: Option<&'a str>,
    pub bio: Option<&'a str>,
    pub password_hash: &'a str,
    pub active: bool,
    pub joined_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

impl MemberRow {
    /// The API view; `show_email` per the contract's rule (self, facilitators, admins).
    pub fn into_response(self, network_ids: Vec<NetworkId>, show_email: bool) -> MemberResponse {
        MemberResponse {
            id: self.id,
            display_name: self.display_name,
            member_kind: self.member_kind,
            role: self.role,
            organization: self.organization,
            job_title: self.job_title,
            bio: self.bio,
            active: self.active,
            joined_at: utc(self.joined_at),
            network_ids,
            email: if show_email { self.email } else { None },
            version: self.version,
        }
    }

    pub fn is_erased(&self) -> bool {
        self.erased_at.is_some()
    }
}
