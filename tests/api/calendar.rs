//! The personal calendar feed, read back by an independent iCalendar parser.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, json_body, spawn_app, TestApp, User};
use crate::sessions::{create_session, in_minutes, session_body};

/// One event as the parser saw it: property name → unescaped value.
type Event = HashMap<String, String>;

/// RFC 5545 TEXT unescaping (3.3.11), written independently of the service's escaping.
fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// Parses a feed with the `ical` crate; checks the framing on the way.
fn parse(text: &str) -> (Vec<(String, String)>, Vec<Event>) {
    assert!(text.ends_with("\r\n"), "content lines end with CRLF");
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "a line longer than 75 octets: {line:?}");
        assert!(
            !line.contains('\n') && !line.contains('\r'),
            "bare line break in {line:?}"
        );
    }
    let mut calendars: Vec<_> = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()))
        .collect::<Result<_, _>>()
        .expect("a valid iCalendar document");
    assert_eq!(calendars.len(), 1);
    let calendar = calendars.remove(0);
    let properties = calendar
        .properties
        .into_iter()
        .map(|p| (p.name, p.value.unwrap_or_default()))
        .collect();
    let events = calendar
        .events
        .into_iter()
        .map(|event| {
            event
                .properties
                .into_iter()
                .map(|p| (p.name, unescape(&p.value.unwrap_or_default())))
                .collect()
        })
        .collect();
    (properties, events)
}

/// `2030-03-12T14:00:00Z` → `20300312T140000Z`.
fn ical_utc(rfc3339: &Value) -> String {
    let at: DateTime<Utc> = rfc3339.as_str().expect("time").parse().expect("RFC 3339");
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

async fn feed_url(app: &TestApp, user: &User) -> String {
    let res = app.post_as(user, "/me/calendar-token", &json!({})).await;
    let location = res.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let body = json_body(res, StatusCode::CREATED).await;
    let url = body["url"].as_str().expect("url").to_owned();
    assert_eq!(location, url);
    url
}

/// Fetches a feed without any credentials, as a calendar app does.
async fn fetch(app: &TestApp, url: &str) -> reqwest::Response {
    app.client.get(app.url(url)).send().await.expect("request")
}

async fn register(app: &TestApp, user: &User, session: &Value) -> Value {
    let id = session["id"].as_str().expect("id");
    let res = app
        .post_as(user, &format!("/sessions/{id}/registration"), &json!({}))
        .await;
    json_body(res, StatusCode::CREATED).await
}

#[actix_web::test]
async fn feed_holds_the_upcoming_registered_sessions_readable_by_any_parser() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let member = app
        .invite_and_register(&admin, "member", "Celine de Wit")
        .await;
    let someone = app
        .invite_and_register(&admin, "member", "Daan Mulder")
        .await;

    // A: long text with every character RFC 5545 escapes, accents and line breaks.
    let mut body = session_body(
        "Puber in huis: het netwerk wil alles anders, kleurt buiten de lijntjes; en nu? \
         Een bijeenkomst over identiteit én spiegels",
        60 * 48,
        None,
    );
    body["description"] = json!(
        "Eerste regel\nTweede regel, met komma; puntkomma en een \\ backslash.\r\n\
         Netwerken laten zien dat maatschappelijke waarde op een andere, betere manier \
         geproduceerd kan worden — ze houden de spiegel voor."
    );
    body["location"] = json!("Wijkcentrum De Schakel, zaal 2; Zuiderveld");
    let a = create_session(&app, &admin, &body).await;
    register(&app, &member, &a).await;

    // B: registered, then cancelled by the facilitator: shown as cancelled.
    let mut body = session_body("Autonomie afstaan", 60 * 24, Some(20));
    body["location"] = json!(null);
    body["online_url"] = json!("https://meet.example.org/autonomie?kamer=2&taal=nl");
    let b = create_session(&app, &admin, &body).await;
    register(&app, &member, &b).await;
    let res = app
        .post_as(
            &admin,
            &format!("/sessions/{}/cancel", b["id"].as_str().expect("id")),
            &json!({}),
        )
        .await;
    let b = json_body(res, StatusCode::OK).await;

    // Not in the feed: waitlisted, cancelled by the member, over, or never registered.
    let full = create_session(&app, &admin, &session_body("Vol", 60 * 72, Some(1))).await;
    register(&app, &someone, &full).await;
    let waitlisted = register(&app, &member, &full).await;
    assert_eq!(waitlisted["status"], "waitlisted");
    let left = create_session(&app, &admin, &session_body("Afgemeld", 60 * 72, None)).await;
    register(&app, &member, &left).await;
    app.delete_as(
        &member,
        &format!(
            "/sessions/{}/registration",
            left["id"].as_str().expect("id")
        ),
    )
    .await;
    let over = create_session(&app, &admin, &session_body("Voorbij", 60, None)).await;
    register(&app, &member, &over).await;
    app.patch_as(
        &admin,
        &format!("/sessions/{}", over["id"].as_str().expect("id")),
        &json!({"starts_at": in_minutes(-180), "ends_at": in_minutes(-60)}),
    )
    .await;
    create_session(&app, &admin, &session_body("Niet voor mij", 60, None)).await;

    let url = feed_url(&app, &member).await;
    let token = url
        .strip_prefix("/api/v1/calendar/")
        .and_then(|rest| rest.strip_suffix(".ics"))
        .expect("the documented URL shape");
    assert!(token.len() >= 43);
    assert!(token
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));

    let res = fetch(&app, &url).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .expect("content type")
        .starts_with("text/calendar"));
    let text = res.text().await.expect("body");
    let (properties, events) = parse(&text);
    assert!(properties.contains(&("VERSION".into(), "2.0".into())));
    assert!(properties.iter().any(|(name, _)| name == "PRODID"));

    // B starts first, then A; nothing else.
    assert_eq!(events.len(), 2, "{text}");
    for (event, session) in events.iter().zip([&b, &a]) {
        let id = session["id"].as_str().expect("id");
        assert_eq!(event["UID"], format!("{id}@leergemeenschap"));
        assert_eq!(event["SUMMARY"], session["title"].as_str().expect("title"));
        assert_eq!(event["DTSTART"], ical_utc(&session["starts_at"]));
        assert_eq!(event["DTEND"], ical_utc(&session["ends_at"]));
        assert_eq!(event["DTSTAMP"], ical_utc(&session["updated_at"]));
        assert_eq!(event["DTSTAMP"].len(), "20300312T140000Z".len());
    }
    let (cancelled, scheduled) = (&events[0], &events[1]);
    assert_eq!(cancelled["STATUS"], "CANCELLED");
    assert_eq!(
        cancelled["DESCRIPTION"],
        "Intervisie: van wie is de opgave, wie is van de opgave?\n\n\
         Online: https://meet.example.org/autonomie?kamer=2&taal=nl"
    );
    assert_eq!(
        cancelled["URL"],
        "https://meet.example.org/autonomie?kamer=2&taal=nl"
    );
    assert!(!cancelled.contains_key("LOCATION"));
    assert_eq!(scheduled["STATUS"], "CONFIRMED");
    assert_eq!(
        scheduled["DESCRIPTION"],
        a["description"]
            .as_str()
            .expect("description")
            .replace("\r\n", "\n")
    );
    assert_eq!(
        scheduled["LOCATION"],
        "Wijkcentrum De Schakel, zaal 2; Zuiderveld"
    );

    // Fetching again gives the same document: stable UIDs and stamps.
    let again = fetch(&app, &url).await.text().await.expect("body");
    assert_eq!(again, text);
}

#[actix_web::test]
async fn a_new_feed_token_revokes_the_previous_and_unknown_ones_are_404() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let member = app
        .invite_and_register(&admin, "member", "Celine de Wit")
        .await;
    let other = app
        .invite_and_register(&admin, "member", "Daan Mulder")
        .await;
    let session = create_session(&app, &admin, &session_body("Legitimatie", 60, None)).await;
    register(&app, &member, &session).await;

    let res = app
        .request(Method::POST, "/me/calendar-token")
        .send()
        .await
        .expect("request");
    assert_problem(res, StatusCode::UNAUTHORIZED, "unauthorized").await;

    let first = feed_url(&app, &member).await;
    let second = feed_url(&app, &member).await;
    assert_ne!(first, second);
    assert_problem(
        fetch(&app, &first).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    let res = fetch(&app, &second).await;
    assert_eq!(res.status(), StatusCode::OK);
    let (_, events) = parse(&res.text().await.expect("body"));
    assert_eq!(events.len(), 1);

    // One token per member, stored only as a hash.
    assert_eq!(
        app.count(&format!(
            "calendar_tokens WHERE member_id = '{}'",
            member.id
        )),
        1
    );
    let token = second
        .trim_start_matches("/api/v1/calendar/")
        .trim_end_matches(".ics");
    assert_eq!(
        app.count(&format!("calendar_tokens WHERE token_hash = '{token}'")),
        0
    );

    // Each feed shows its owner's sessions only.
    let theirs = feed_url(&app, &other).await;
    let (_, events) = parse(&fetch(&app, &theirs).await.text().await.expect("body"));
    assert!(events.is_empty());

    // The token opens nothing else.
    let res = app
        .request(Method::GET, "/me")
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    assert_problem(res, StatusCode::UNAUTHORIZED, "unauthorized").await;

    for unknown in [
        "/api/v1/calendar/bestaat-niet.ics".to_owned(),
        second.replace(".ics", "x.ics"),
        "/api/v1/calendar/.ics".to_owned(),
    ] {
        assert_problem(
            fetch(&app, &unknown).await,
            StatusCode::NOT_FOUND,
            "not-found",
        )
        .await;
    }

    // A deactivated member's feed closes with their account.
    app.patch_as(
        &admin,
        &format!("/members/{}", member.id),
        &json!({"active": false}),
    )
    .await;
    assert_problem(
        fetch(&app, &second).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
}
