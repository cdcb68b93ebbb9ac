//! Aggregates over reflections and registrations.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};

use super::types::{SessionInsights, TensionBucket};
use super::MIN_AUTHORS;
use crate::db::DbConn;
use crate::error::ApiError;
use crate::networks::types::NetworkId;
use crate::reflections::visibility::counted_in_insights;
use crate::schema::{reflections, registrations};
use crate::sessions::types::SessionId;
use crate::tensions::types::Tension;

#[derive(QueryableByName)]
struct BucketRow {
    #[diesel(sql_type = Text)]
    month: String,
    #[diesel(sql_type = Text)]
    tension: String,
    #[diesel(sql_type = BigInt)]
    reflections: i64,
    #[diesel(sql_type = BigInt)]
    authors: i64,
}

/// Tension buckets by month over the reflections insights may count (the visibility rule's
/// [`counted_in_insights`]), suppressing buckets with too few authors.
pub fn tension_buckets(
    conn: &mut DbConn,
    from: Option<NaiveDateTime>,
    to: Option<NaiveDateTime>,
    network: Option<NetworkId>,
) -> Result<Vec<TensionBucket>, ApiError> {
    // Grouping by month needs date functions and placeholders that differ per backend.
    let (month, sql_from, sql_to, sql_network) = match conn {
        DbConn::Sqlite(_) => ("strftime('%Y-%m', r.created_at)", "?", "?", "?"),
        DbConn::Postgres(_) => ("to_char(r.created_at, 'YYYY-MM')", "$1", "$2", "$3"),
    };
    // The visibilities come from the one visibility rule; they are constants, not input.
    let counted = counted_in_insights()
        .iter()
        .map(|v| format!("'{}'", v.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {month} AS month, t.tension AS tension,
                COUNT(*) AS reflections, COUNT(DISTINCT r.author_id) AS authors
           FROM reflections r
           JOIN reflection_tensions t ON t.reflection_seq = r.seq
          WHERE r.visibility IN ({counted})
            AND r.created_at >= COALESCE({sql_from}, r.created_at)
            AND (r.created_at < {sql_to} OR {sql_to} IS NULL)
            AND (r.network_id = {sql_network} OR {sql_network} IS NULL)
          GROUP BY 1, t.tension"
    );
    let rows: Vec<BucketRow> = match conn {
        DbConn::Sqlite(_) => diesel::sql_query(sql)
            .bind::<Nullable<Timestamp>, _>(from)
            .bind::<Nullable<Timestamp>, _>(to)
            .bind::<Nullable<Timestamp>, _>(to)
            .bind::<Nullable<Text>, _>(network.map(|n| n.to_string()))
            .bind::<Nullable<Text>, _>(network.map(|n| n.to_string()))
            .load(conn)?,
        DbConn::Postgres(_) => diesel::sql_query(sql)
            .bind::<Nullable<Timestamp>, _>(from)
            .bind::<Nullable<Timestamp>, _>(to)
            .bind::<Nullable<Text>, _>(network.map(|n| n.to_string()))
            .load(conn)?,
    };
    let mut buckets = rows
        .into_iter()
        .filter_map(|row| {
            let tension: Tension = row.tension.parse().ok()?;
            let suppressed = row.authors < MIN_AUTHORS;
            Some(TensionBucket {
                month: row.month,
                tension,
                reflections: (!suppressed).then_some(row.reflections),
                authors: (!suppressed).then_some(row.authors),
                suppressed,
            })
        })
        .collect::<Vec<_>>();
    let order = |t: Tension| Tension::ALL.iter().position(|x| *x == t);
    buckets.sort_by(|a, b| {
        a.month
            .cmp(&b.month)
            .then(order(a.tension).cmp(&order(b.tension)))
    });
    Ok(buckets)
}

/// Registration and attendance counts of one session, and its non-private reflections.
pub fn session_insights(conn: &mut DbConn, id: SessionId) -> Result<SessionInsights, ApiError> {
    let rows: Vec<(String, Option<bool>)> = registrations::table
        .filter(registrations::session_id.eq(id))
        .select((registrations::status, registrations::attended))
        .load(conn)?;
    let count = |status: &str, attended: Option<Option<bool>>| {
        let n = rows
            .iter()
            .filter(|(s, a)| s == status && attended.is_none_or(|want| *a == want))
            .count();
        i64::try_from(n).unwrap_or(i64::MAX)
    };
    let registered = count("registered", None);
    let waitlisted = count("waitlisted", None);
    let attended = count("registered", Some(Some(true)));
    let no_show = count("registered", Some(Some(false)));
    let taken = attended + no_show > 0;
    let reflections: i64 = reflections::table
        .filter(reflections::session_id.eq(id))
        .filter(reflections::visibility.eq_any(counted_in_insights()))
        .count()
        .get_result(conn)?;
    Ok(SessionInsights {
        registered,
        waitlisted,
        attended,
        no_show,
        attendance_rate: taken.then(|| attended as f64 / (attended + no_show) as f64),
        reflections,
    })
}
