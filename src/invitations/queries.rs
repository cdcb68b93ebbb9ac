//! Invitation queries: create, list, revoke, redeem.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::types::{InvitationId, InvitationStatus, NewInvitation, Registration};
use crate::auth::secret;
use crate::db::timestamp::Stamp;
use crate::db::{now, DbConn};
use crate::error::ApiError;
use crate::members::model::{MemberRow, NewMember};
use crate::members::types::{MemberId, Role};
use crate::members::{self};
use crate::pagination::PageRequest;
use crate::schema::invitations;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = invitations, check_for_backend(crate::db::Backend))]
pub struct InvitationRow {
    pub id: InvitationId,
    pub email: String,
    pub role: Role,
    pub invited_by: Option<MemberId>,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

impl InvitationRow {
    pub fn status(&self, now: NaiveDateTime) -> InvitationStatus {
        InvitationStatus::of(self.used_at, self.revoked_at, self.expires_at, now)
    }
}

/// Creates an invitation and returns it with its one-time code. 409 when the email already
/// belongs to an account.
pub fn insert(
    conn: &mut DbConn,
    by: MemberId,
    invitation: &NewInvitation,
    ttl_seconds: i64,
) -> Result<(InvitationRow, String), ApiError> {
    if members::queries::email_taken(conn, &invitation.email)? {
        return Err(ApiError::Conflict(
            "An account with this email exists already.".into(),
        ));
    }
    let (code, code_hash) = secret::generate();
    let at = now();
    let id = InvitationId::new();
    diesel::insert_into(invitations::table)
        .values((
            invitations::id.eq(id),
            invitations::email.eq(&invitation.email),
            invitations::role.eq(invitation.role),
            invitations::code_hash.eq(code_hash),
            invitations::invited_by.eq(by),
            invitations::created_at.eq(at),
            invitations::expires_at.eq(at + Duration::seconds(ttl_seconds)),
        ))
        .execute(conn)?;
    Ok((get(conn, id)?, code))
}

pub fn get(conn: &mut DbConn, id: InvitationId) -> Result<InvitationRow, ApiError> {
    invitations::table
        .find(id)
        .select(InvitationRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("invitation"))
}

/// Newest first; only those `sent_by` sent when given.
pub fn list(
    conn: &mut DbConn,
    sent_by: Option<MemberId>,
    page: &PageRequest<NaiveDateTime>,
) -> Result<Vec<InvitationRow>, ApiError> {
    let mut query = invitations::table
        .select(InvitationRow::as_select())
        .into_boxed();
    if let Some(by) = sent_by {
        query = query.filter(invitations::invited_by.eq(by));
    }
    if let Some((at, id)) = &page.after {
        // `<=`/`>=` up front lets SQLite seek to the cursor in the index; the OR alone would
        // walk every row before it.
        query = query.filter(invitations::created_at.le(*at)).filter(
            invitations::created_at
                .lt(*at)
                .or(invitations::id.lt(id.clone())),
        );
    }
    Ok(query
        .order((invitations::created_at.desc(), invitations::id.desc()))
        .limit(page.fetch())
        .load(conn)?)
}

/// Revokes a pending invitation; a used one cannot be revoked (409).
pub fn revoke(conn: &mut DbConn, id: InvitationId) -> Result<(), ApiError> {
    let row = get(conn, id)?;
    if row.used_at.is_some() {
        return Err(ApiError::Conflict(
            "This invitation was used already; deactivate the member instead.".into(),
        ));
    }
    diesel::update(
        invitations::table
            .find(id)
            .filter(invitations::revoked_at.is_null()),
    )
    .set(invitations::revoked_at.eq(now()))
    .execute(conn)?;
    Ok(())
}

/// Turns a pending invitation into a member. Run in a write transaction so a code can be
/// redeemed only once, however many requests race for it.
pub fn redeem(
    conn: &mut DbConn,
    registration: &Registration,
    password_hash: &str,
) -> Result<MemberRow, ApiError> {
    let at = now();
    let invitation = invitations::table
        .filter(invitations::code_hash.eq(secret::digest(&registration.code)))
        .select(InvitationRow::as_select())
        .first(conn)
        .optional()?
        .filter(|inv| inv.status(at) == InvitationStatus::Pending)
        .ok_or_else(|| ApiError::NotFound("No usable invitation has this code.".into()))?;
    let id = MemberId::new();
    members::queries::insert(
        conn,
        &NewMember {
            id,
            email: &invitation.email,
            display_name: &registration.display_name,
            member_kind: registration.member_kind,
            role: invitation.role,
            organization: registration.organization.as_deref(),
            job_title: registration.job_title.as_deref(),
            bio: None,
            password_hash,
            active: true,
            joined_at: at,
            updated_at: at,
            version: 1,
        },
    )?;
    diesel::update(invitations::table.find(invitation.id))
        .set((invitations::used_at.eq(at), invitations::used_by.eq(id)))
        .execute(conn)?;
    members::queries::get(conn, id)
}
