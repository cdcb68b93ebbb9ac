//! Insight bodies.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::networks::types::NetworkId;
use crate::sessions::types::SessionId;
use crate::tensions::types::Tension;

/// Filters of `GET /insights/tensions`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TensionInsightsQuery {
    /// Reflections created at or after this instant (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Reflections created before this instant (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Only reflections linked to this network.
    pub network_id: Option<NetworkId>,
}

/// How often one tension came up in one month, over non-private reflections.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"month": "2026-03", "tension": "autonomy", "reflections": 7, "authors": 4, "suppressed": false}))]
pub struct TensionBucket {
    /// `YYYY-MM`, in UTC.
    #[schema(example = "2026-03", pattern = r"^\d{4}-\d{2}$")]
    pub month: String,
    pub tension: Tension,
    /// Null when suppressed.
    pub reflections: Option<i64>,
    /// Distinct authors; null when suppressed.
    pub authors: Option<i64>,
    /// True when fewer than 3 distinct authors wrote in this bucket, so that no individual can
    /// be singled out; the counts are then withheld.
    pub suppressed: bool,
}

/// `GET /insights/tensions`: buckets by month, then tension in vocabulary order.
#[derive(Debug, Serialize, ToSchema)]
pub struct TensionInsights {
    pub buckets: Vec<TensionBucket>,
}

/// `GET /insights/sessions/{id}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionInsights {
    pub registered: i64,
    pub waitlisted: i64,
    /// Registered members marked present.
    pub attended: i64,
    /// Registered members marked absent.
    pub no_show: i64,
    /// attended ÷ (attended + no_show), from 0 to 1; null before attendance is taken.
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub attendance_rate: Option<f64>,
    /// Non-private reflections linked to the session.
    pub reflections: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SessionInsightsPath {
    /// The session's id.
    pub id: SessionId,
}
