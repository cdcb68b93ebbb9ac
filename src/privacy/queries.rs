//! Reading everything about one member, for export and growth.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::types::{
    ExportComment, ExportCompetence, ExportDocument, ExportInvitation, ExportNetworkMembership,
    ExportReflection, ExportRegistration, GrowthPoint,
};
use crate::db::{now, utc, DbConn};
use crate::error::ApiError;
use crate::invitations::queries::InvitationRow;
use crate::members::types::MemberId;
use crate::members::{self};
use crate::networks::types::NetworkId;
use crate::reflections::types::{CommentId, ReflectionId};
use crate::schema::{
    calendar_tokens, comments, invitations, logins, members as member_rows, network_members,
    networks, reflections, registrations, sessions,
};
use crate::sessions::types::SessionId;

/// The member's own self-assessments, oldest first. Their own private reflections count: the
/// author may always see what they wrote.
pub fn growth_points(conn: &mut DbConn, member: MemberId) -> Result<Vec<GrowthPoint>, ApiError> {
    let rows: Vec<(ReflectionId, NaiveDateTime, Option<i32>, Option<i32>)> = reflections::table
        .filter(reflections::author_id.eq(member))
        .filter(reflections::awareness.is_not_null())
        .select((
            reflections::id,
            reflections::created_at,
            reflections::awareness,
            reflections::capability,
        ))
        .order((reflections::created_at.asc(), reflections::id.asc()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, at, awareness, capability)| {
            Some(GrowthPoint {
                at: utc(at),
                awareness: awareness?,
                capability: capability?,
                reflection_id: id,
            })
        })
        .collect())
}

type ReflectionRow = (
    ReflectionId,
    Option<SessionId>,
    Option<NetworkId>,
    String,
    String,
    String,
    String,
    Option<i32>,
    Option<i32>,
    String,
    NaiveDateTime,
    NaiveDateTime,
    i32,
);

/// Everything stored about `member`, read in one transaction so the document is consistent.
pub fn export(conn: &mut DbConn, member: MemberId) -> Result<ExportDocument, ApiError> {
    conn.transaction(|conn| {
        let row = members::queries::get(conn, member)?;
        let network_ids = members::queries::network_ids_of(conn, member)?;
        let profile = row.into_response(network_ids, true);
        let at = now();

        let invitations_sent = invitations::table
            .filter(invitations::invited_by.eq(member))
            .select(InvitationRow::as_select())
            .order((invitations::created_at.asc(), invitations::id.asc()))
            .load(conn)?
            .into_iter()
            .map(|inv| ExportInvitation {
                status: inv.status(at),
                id: inv.id,
                email: inv.email,
                role: inv.role,
                created_at: utc(inv.created_at),
                expires_at: utc(inv.expires_at),
            })
            .collect();

        let network_memberships = network_members::table
            .inner_join(networks::table)
            .filter(network_members::member_id.eq(member))
            .select((
                network_members::network_id,
                networks::name,
                network_members::role,
                network_members::since,
            ))
            .order(networks::name_key.asc())
            .load::<(NetworkId, String, String, NaiveDateTime)>(conn)?
            .into_iter()
            .map(
                |(network_id, network_name, role, since)| ExportNetworkMembership {
                    network_id,
                    network_name,
                    role,
                    since: utc(since),
                },
            )
            .collect();

        let registrations = registrations::table
            .inner_join(sessions::table)
            .filter(registrations::member_id.eq(member))
            .select((
                registrations::session_id,
                sessions::title,
                sessions::starts_at,
                registrations::status,
                registrations::attended,
                registrations::registered_at,
            ))
            .order((sessions::starts_at.asc(), sessions::id.asc()))
            .load::<(
                SessionId,
                String,
                NaiveDateTime,
                String,
                Option<bool>,
                NaiveDateTime,
            )>(conn)?
            .into_iter()
            .map(
                |(session_id, session_title, starts_at, status, attended, registered_at)| {
                    ExportRegistration {
                        session_id,
                        session_title,
                        starts_at: utc(starts_at),
                        status,
                        attended,
                        registered_at: utc(registered_at),
                    }
                },
            )
            .collect();

        let reflections = reflections::table
            .filter(reflections::author_id.eq(member))
            .select((
                reflections::id,
                reflections::session_id,
                reflections::network_id,
                reflections::title,
                reflections::body,
                reflections::tensions,
                reflections::tags,
                reflections::awareness,
                reflections::capability,
                reflections::visibility,
                reflections::created_at,
                reflections::updated_at,
                reflections::version,
            ))
            .order((reflections::created_at.asc(), reflections::id.asc()))
            .load::<ReflectionRow>(conn)?
            .into_iter()
            .map(export_reflection)
            .collect();

        let comments = comments::table
            .filter(comments::author_id.eq(member))
            .select((
                comments::id,
                comments::reflection_id,
                comments::body,
                comments::created_at,
            ))
            .order((comments::created_at.asc(), comments::id.asc()))
            .load::<(CommentId, ReflectionId, String, NaiveDateTime)>(conn)?
            .into_iter()
            .map(|(id, reflection_id, body, created_at)| ExportComment {
                id,
                reflection_id,
                body,
                created_at: utc(created_at),
            })
            .collect();

        let calendar_feed_created_at = calendar_tokens::table
            .find(member)
            .select(calendar_tokens::created_at)
            .first::<NaiveDateTime>(conn)
            .optional()?
            .map(utc);

        Ok(ExportDocument {
            exported_at: utc(at),
            profile,
            invitations_sent,
            network_memberships,
            registrations,
            reflections,
            comments,
            competence_history: growth_points(conn, member)?,
            calendar_feed_created_at,
        })
    })
}

fn export_reflection(row: ReflectionRow) -> ExportReflection {
    let (id, session_id, network_id, title, body, tensions, tags, awareness, capability) = (
        row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8,
    );
    ExportReflection {
        id,
        session_id,
        network_id,
        title,
        body,
        tensions: serde_json::from_str(&tensions).unwrap_or_default(),
        tags: serde_json::from_str(&tags).unwrap_or_default(),
        competence: awareness
            .zip(capability)
            .map(|(awareness, capability)| ExportCompetence {
                awareness,
                capability,
            }),
        visibility: row.9,
        created_at: utc(row.10),
        updated_at: utc(row.11),
        version: row.12,
    }
}

/// Erases `member` (run inside a write transaction): the account can no longer log in, email
/// and profile are removed, own reflections (with the comments on them) and own comments are
/// deleted, registrations for sessions that have not started are cancelled (waitlists move
/// up), network memberships, logins and the calendar feed go. Past registrations and
/// attendance stay, tied to a nameless tombstone, so counts stay right while no list shows the
/// person again (lists skip erased members).
pub fn erase(conn: &mut DbConn, member: MemberId) -> Result<(), ApiError> {
    let at = now();
    let upcoming: Vec<SessionId> = registrations::table
        .inner_join(sessions::table)
        .filter(registrations::member_id.eq(member))
        .filter(registrations::status.ne("cancelled"))
        .filter(sessions::starts_at.gt(at))
        .select(registrations::session_id)
        .load(conn)?;
    for session in upcoming {
        let session = crate::sessions::queries::get(conn, session)?;
        crate::sessions::waitlist::leave(conn, &session, member, at)?;
    }
    diesel::delete(comments::table.filter(comments::author_id.eq(member))).execute(conn)?;
    diesel::delete(reflections::table.filter(reflections::author_id.eq(member))).execute(conn)?;
    diesel::delete(network_members::table.filter(network_members::member_id.eq(member)))
        .execute(conn)?;
    diesel::delete(calendar_tokens::table.find(member)).execute(conn)?;
    diesel::delete(logins::table.filter(logins::member_id.eq(member))).execute(conn)?;
    diesel::update(member_rows::table.find(member))
        .set((
            member_rows::email.eq(None::<String>),
            member_rows::display_name.eq(""),
            member_rows::organization.eq(None::<String>),
            member_rows::job_title.eq(None::<String>),
            member_rows::bio.eq(None::<String>),
            member_rows::password_hash.eq(None::<String>),
            member_rows::active.eq(false),
            member_rows::erased_at.eq(Some(at)),
            member_rows::updated_at.eq(at),
            member_rows::version.eq(member_rows::version + 1),
        ))
        .execute(conn)?;
    Ok(())
}
