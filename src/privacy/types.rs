//! Bodies of `/me/export`, `/me/growth` and `DELETE /me`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::invitations::types::{InvitationId, InvitationStatus};
use crate::members::types::{MemberResponse, Role};
use crate::networks::types::NetworkId;
use crate::reflections::types::{CommentId, ReflectionId};
use crate::sessions::types::SessionId;
use crate::tensions::types::Tension;

/// One self-assessment of network competence, from a reflection.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GrowthPoint {
    /// When the reflection was written.
    #[serde(serialize_with = "crate::db::timestamp::serialize")]
    pub at: DateTime<Utc>,
    /// Network awareness (netwerkbewustzijn), 1–5.
    #[schema(minimum = 1, maximum = 5)]
    pub awareness: i32,
    /// Network capability (netwerkbekwaamheid), 1–5.
    #[schema(minimum = 1, maximum = 5)]
    pub capability: i32,
    pub reflection_id: ReflectionId,
}

/// Last minus first self-assessment.
#[derive(Debug, Serialize, ToSchema)]
pub struct CompetenceChange {
    #[schema(minimum = -4, maximum = 4)]
    pub awareness: i32,
    #[schema(minimum = -4, maximum = 4)]
    pub capability: i32,
}

/// `GET /me/growth`: your self-assessments over time, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct GrowthResponse {
    pub points: Vec<GrowthPoint>,
    /// The first point; null when there are none.
    pub first: Option<GrowthPoint>,
    /// The last point; null when there are none.
    pub last: Option<GrowthPoint>,
    /// Null with fewer than two points.
    pub change: Option<CompetenceChange>,
}

impl GrowthResponse {
    pub fn from_points(points: Vec<GrowthPoint>) -> Self {
        let first = points.first().cloned();
        let last = points.last().cloned();
        let change = match (&first, &last) {
            (Some(a), Some(b)) if points.len() >= 2 => Some(CompetenceChange {
                awareness: b.awareness - a.awareness,
                capability: b.capability - a.capability,
            }),
            _ => None,
        };
        Self {
            points,
            first,
            last,
            change,
        }
    }
}

/// An invitation you sent (without its code, which is never stored).
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportInvitation {
    pub id: InvitationId,
    pub email: String,
    pub role: Role,
    pub status: InvitationStatus,
    #[serde(serialize_with = "crate::db::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::db::timestamp::serialize")]
    pub expires_at: DateTime<Utc>,
}

/// One of your session registrations.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportRegistration {
    pub session_id: SessionId,
    pub session_title: String,
    #[serde(serialize_with = "crate::db::timestamp::serialize")]
    pub starts_at: DateTime<Utc>,
    /// `registered`, `waitlisted` or `cancelled`.
    pub status: String,
    pub attended: Option<bool>,
    #[serde(serialize_with = "crate::db::timestamp::serialize")]
    pub registered_at: DateTime<Utc>,
}

/// Your part in a network.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportNetworkMembership {
    pub network_id: NetworkId,
    pub network_name: String,
    /// `coordinator` or `participant`.
    pub role: String,
    #[serde(serialize_with = "crate::db::timestamp::serialize")]
    pub since: DateTime<Utc>,
}

/// Your competence self-assessment on a reflection.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportCompetence {
    pub awareness: i32,
    pub capability: i32,
}

/// One of your reflections, whatever its visibility.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportReflection {
    pub id: ReflectionId,
    pub session_id: Option<SessionId>,
    pub network_id: Option<NetworkId>,
    pub title: String,
    pub body: String,
    pub tensions: Vec<Tension>,
    pub tags: Vec<String>,
    pub competence: Option<ExportCompetence>,
    /// `private`, `facilitators` or `community`.
    pub visibility: String,
    #[serde(serialize_with = "crate::db::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::db::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

/// One of your comments; of the reflection it is on, only the id.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportComment {
    pub id: CommentId,
    pub reflection_id: ReflectionId,
    pub body: String,
    #[serde(serialize_with = "crate::db::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
}

/// Everything stored about you, as one document. Nothing private of anyone else is in it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportDocument {
    #[serde(serialize_with = "crate::db::timestamp::serialize")]
    pub exported_at: DateTime<Utc>,
    /// Your profile, with your email.
    pub profile: MemberResponse,
    pub invitations_sent: Vec<ExportInvitation>,
    pub network_memberships: Vec<ExportNetworkMembership>,
    pub registrations: Vec<ExportRegistration>,
    pub reflections: Vec<ExportReflection>,
    pub comments: Vec<ExportComment>,
    /// Your competence self-assessments over time, oldest first.
    pub competence_history: Vec<GrowthPoint>,
    /// When your calendar feed was made, if you have one (its secret is never stored).
    pub calendar_feed_created_at: Option<DateTime<Utc>>,
}

/// `DELETE /me`: confirm with your password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EraseAccount {
    pub password: String,
}

crate::plain_body!(EraseAccount);

#[cfg(test)]
mod tests {
    use super::*;

    fn point(awareness: i32, capability: i32) -> GrowthPoint {
        GrowthPoint {
            at: Utc::now(),
            awareness,
            capability,
            reflection_id: ReflectionId::new(),
        }
    }

    #[test]
    fn no_points_no_change() {
        let growth = GrowthResponse::from_points(vec![]);
        assert!(growth.first.is_none() && growth.last.is_none() && growth.change.is_none());
    }

    #[test]
    fn one_point_is_first_and_last_without_change() {
        let growth = GrowthResponse::from_points(vec![point(2, 3)]);
        assert_eq!(growth.first.map(|p| p.awareness), Some(2));
        assert_eq!(growth.last.map(|p| p.capability), Some(3));
        assert!(growth.change.is_none());
    }

    #[test]
    fn change_is_last_minus_first() {
        let growth = GrowthResponse::from_points(vec![point(2, 4), point(5, 1), point(4, 3)]);
        let change = growth.change.expect("change");
        assert_eq!((change.awareness, change.capability), (2, -1));
    }
}
