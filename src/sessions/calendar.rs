//! The personal calendar feed: `POST /me/calendar-token` makes a secret feed URL, and
//! `GET /calendar/{token}.ics` serves the member's upcoming sessions as RFC 5545 iCalendar.
//!
//! The token is the only credential of the feed (calendar apps cannot send a bearer token), so
//! it is a 256-bit random secret stored only as its hash, it opens nothing but this feed, and
//! the request log names the route pattern, never the path that carries it.

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};
use utoipa_actix_web::service_config::ServiceConfig;

use super::model::SessionRow;
use super::queries;
use super::types::{CalendarPath, CalendarTokenResponse, SessionStatus};
use crate::auth::{secret, AuthMember};
use crate::db::{self, now, utc};
use crate::error::ApiError;
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_calendar_token)
        .service(get_calendar_feed);
}

/// Where the feed for `token` lives.
fn feed_url(token: &str) -> String {
    format!("/api/v1/calendar/{token}.ics")
}

/// Make your personal calendar feed URL (`/api/v1/calendar/<token>.ics`, a path on this
/// service): subscribe to it in a calendar app to see the sessions you are registered for.
/// The URL holds a secret; making a new one revokes the previous.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 201, body = CalendarTokenResponse, headers(("Location" = String, description = "The feed URL."))),
        (status = 401, response = crate::openapi::Unauthorized),
    )
)]
#[post("/me/calendar-token")]
pub async fn create_calendar_token(
    state: web::Data<AppState>,
    me: AuthMember,
) -> Result<HttpResponse, ApiError> {
    let (token, token_hash) = secret::generate();
    db::write(&state.writer, move |conn| {
        queries::replace_calendar_token(conn, me.id, &token_hash)
    })
    .await?;
    let url = feed_url(&token);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, url.clone()))
        .json(CalendarTokenResponse { url }))
}

/// The personal calendar feed (RFC 5545, `text/calendar`): the sessions (at most 500, soonest
/// first) the token's owner is registered for that have not ended, cancelled ones marked
/// `STATUS:CANCELLED`. Event UIDs are
/// stable (`<session id>@leergemeenschap`), times are UTC. Needs no bearer token: the URL
/// is the secret. An unknown or revoked token: 404.
#[utoipa::path(
    tag = "sessions",
    params(CalendarPath),
    responses(
        (status = 200, description = "The feed.", content_type = "text/calendar", body = String),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/calendar/{token}.ics")]
pub async fn get_calendar_feed(
    state: web::Data<AppState>,
    path: web::Path<CalendarPath>,
) -> Result<HttpResponse, ApiError> {
    let token_hash = secret::digest(&path.into_inner().token);
    let sessions = db::run(&state.pool, move |conn| {
        let member = queries::calendar_owner(conn, &token_hash)?
            .ok_or_else(|| ApiError::NotFound("No calendar feed has this address.".into()))?;
        queries::calendar_sessions(conn, member, now())
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "inline; filename=\"leergemeenschap.ics\"",
        ))
        .body(feed(&sessions)))
}

/// The iCalendar document for `sessions`. The `icalendar` crate escapes text values and folds
/// lines at 75 octets; line breaks are normalized to `\n` first and other control characters
/// dropped, as a content line may hold neither.
pub fn feed(sessions: &[SessionRow]) -> String {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(("VERSION", "2.0"))
        .append_property(("PRODID", "-//Leergemeenschap//Bijeenkomsten//NL"))
        .append_property(("CALSCALE", "GREGORIAN"))
        .name("Leergemeenschap: mijn bijeenkomsten");
    for session in sessions {
        calendar.push(event(session));
    }
    calendar.to_string()
}

fn event(session: &SessionRow) -> Event {
    let mut event = Event::new();
    event
        .uid(&format!("{}@leergemeenschap", session.id))
        // Without METHOD, DTSTAMP is when the event's information last changed.
        .timestamp(utc(session.updated_at))
        .last_modified(utc(session.updated_at))
        .created(utc(session.created_at))
        .sequence(u32::try_from(session.version.saturating_sub(1)).unwrap_or(0))
        .summary(&plain_text(&session.title))
        .starts(utc(session.starts_at))
        .ends(utc(session.ends_at))
        .status(match session.status {
            SessionStatus::Scheduled => EventStatus::Confirmed,
            SessionStatus::Cancelled => EventStatus::Cancelled,
        });
    let mut description = plain_text(&session.description);
    if let Some(url) = &session.online_url {
        event.url(url);
        if !description.is_empty() {
            description.push_str("\n\n");
        }
        description.push_str(&format!("Online: {url}"));
    }
    if !description.is_empty() {
        event.description(&description);
    }
    if let Some(location) = &session.location {
        event.location(&plain_text(location));
    }
    event.done()
}

/// Text fit for an iCalendar TEXT value before escaping: `\n` line breaks, no other control
/// characters.
fn plain_text(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|c| *c == '\n' || *c == '\t' || !c.is_control())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::members::types::MemberId;
    use crate::sessions::types::SessionId;

    fn session(title: &str, description: &str, status: SessionStatus) -> SessionRow {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 3, 12)
            .and_then(|d| d.and_hms_opt(14, 0, 0))
            .expect("date");
        SessionRow {
            id: SessionId::new(),
            title: title.into(),
            description: description.into(),
            theme: None,
            starts_at: at,
            ends_at: at + chrono::Duration::hours(2),
            location: Some("Wijkcentrum De Schakel; zaal 2, Zuiderveld".into()),
            online_url: None,
            capacity: None,
            status,
            created_by: Some(MemberId::new()),
            created_at: at,
            updated_at: at,
            version: 3,
            registered_count: 0,
            waitlist_count: 0,
        }
    }

    #[test]
    fn feed_escapes_folds_and_marks_cancelled() {
        let long = "Wie is eigenaar van de opgave, en wie is van de opgave? ".repeat(4);
        let text = feed(&[
            session(
                &long,
                "Regel één\r\nRegel twee; met \\ en ,",
                SessionStatus::Scheduled,
            ),
            session("Afgelast", "", SessionStatus::Cancelled),
        ]);
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "line longer than 75 octets: {line:?}");
            assert!(!line.contains('\r') && !line.contains('\n'));
        }
        let unfolded = text.replace("\r\n ", "");
        assert!(unfolded.contains("DESCRIPTION:Regel één\\nRegel twee\\; met \\\\ en \\,"));
        assert!(unfolded.contains("LOCATION:Wijkcentrum De Schakel\\; zaal 2\\, Zuiderveld"));
        assert!(unfolded.contains("DTSTART:20260312T140000Z"));
        assert!(unfolded.contains("DTSTAMP:20260312T140000Z"));
        assert!(unfolded.contains("SEQUENCE:2"));
        assert!(unfolded.contains("STATUS:CONFIRMED"));
        assert!(unfolded.contains("STATUS:CANCELLED"));
        assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(text.ends_with("END:VCALENDAR\r\n"));
    }
}
