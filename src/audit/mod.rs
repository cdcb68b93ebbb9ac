//! The audit trail of administrative actions: who did what to which resource, and when. It
//! holds ids, roles and flags only, never names, emails or text.

pub mod routes;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::{now, utc, DbConn};
use crate::error::ApiError;
use crate::members::types::MemberId;
use crate::pagination::PageRequest;
use crate::schema::audit_events;
use crate::{page_of, text_enum, uuid_id};

uuid_id!(AuditEventId, "An audit event's id.");

text_enum!(AuditAction, "An administrative action.", {
    InvitationCreated => "invitation.created",
    InvitationRevoked => "invitation.revoked",
    MemberRoleChanged => "member.role_changed",
    MemberDeactivated => "member.deactivated",
    MemberActivated => "member.activated",
    ReflectionModerated => "reflection.moderated",
    CommentModerated => "comment.moderated",
    NetworkDeleted => "network.deleted",
});

/// One administrative action.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEvent {
    pub id: AuditEventId,
    pub at: chrono::DateTime<chrono::Utc>,
    /// Who did it; null once that member is gone.
    pub actor_id: Option<MemberId>,
    pub action: AuditAction,
    /// The kind of resource acted on: `invitation`, `member`, `reflection`, `comment`, `network`.
    pub target_type: String,
    pub target_id: String,
    /// Non-personal facts, e.g. `{"from": "member", "to": "facilitator"}`.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

page_of!(AuditEventPage, AuditEvent);

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListAuditQuery {
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(pattern = r"^[0-9a-f]{16}\.[0-9a-f]{32}$")]
    pub cursor: Option<String>,
}

/// Records an action inside the caller's transaction, so it is logged exactly when it happens.
pub fn record(
    conn: &mut DbConn,
    actor: MemberId,
    action: AuditAction,
    target_type: &str,
    target_id: &str,
    details: serde_json::Value,
) -> Result<(), ApiError> {
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::id.eq(AuditEventId::new()),
            audit_events::at.eq(now()),
            audit_events::actor_id.eq(actor),
            audit_events::action.eq(action.as_str()),
            audit_events::target_type.eq(target_type),
            audit_events::target_id.eq(target_id),
            audit_events::details.eq(details.to_string()),
        ))
        .execute(conn)?;
    Ok(())
}

type EventRow = (
    AuditEventId,
    NaiveDateTime,
    Option<MemberId>,
    String,
    String,
    String,
    String,
);

/// Newest first.
pub fn list(
    conn: &mut DbConn,
    page: &PageRequest<NaiveDateTime>,
) -> Result<Vec<AuditEvent>, ApiError> {
    let mut query = audit_events::table
        .select((
            audit_events::id,
            audit_events::at,
            audit_events::actor_id,
            audit_events::action,
            audit_events::target_type,
            audit_events::target_id,
            audit_events::details,
        ))
        .into_boxed();
    if let Some((at, id)) = &page.after {
        // `<=`/`>=` up front lets SQLite seek to the cursor in the index; the OR alone would
        // walk every row before it.
        query = query
            .filter(audit_events::at.le(*at))
            .filter(audit_events::at.lt(*at).or(audit_events::id.lt(id.clone())));
    }
    let rows: Vec<EventRow> = query
        .order((audit_events::at.desc(), audit_events::id.desc()))
        .limit(page.fetch())
        .load(conn)?;
    rows.into_iter()
        .map(
            |(id, at, actor_id, action, target_type, target_id, details)| {
                Ok(AuditEvent {
                    id,
                    at: utc(at),
                    actor_id,
                    action: action.parse().map_err(|e: String| anyhow::anyhow!(e))?,
                    target_type,
                    target_id,
                    details: serde_json::from_str(&details).unwrap_or_default(),
                })
            },
        )
        .collect()
}
