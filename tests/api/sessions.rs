//! Sessions (bijeenkomsten): scheduling, editing, cancelling, registration, the waitlist under
//! concurrency, and attendance.

use std::collections::HashSet;

use chrono::{Duration, SecondsFormat, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, json_body, spawn_app, TestApp, User};

/// An RFC 3339 moment `minutes` from now, in whole seconds.
pub fn in_minutes(minutes: i64) -> String {
    (Utc::now() + Duration::minutes(minutes)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn session_body(title: &str, starts_in_minutes: i64, capacity: Option<i64>) -> Value {
    json!({
        "title": title,
        "description": "Intervisie: van wie is de opgave, wie is van de opgave?",
        "theme": "legitimacy",
        "starts_at": in_minutes(starts_in_minutes),
        "ends_at": in_minutes(starts_in_minutes + 150),
        "location": "Wijkcentrum De Schakel, Zuiderveld",
        "capacity": capacity
    })
}

pub async fn create_session(app: &TestApp, user: &User, body: &Value) -> Value {
    json_body(
        app.post_as(user, "/sessions", body).await,
        StatusCode::CREATED,
    )
    .await
}

pub fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("id").to_owned()
}

fn titles(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|s| s["title"].as_str().expect("title").to_owned())
        .collect()
}

/// `(member id, status, waitlist position)` of each registration, as listed.
pub fn queue(page: &Value) -> Vec<(String, String, Option<i64>)> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| {
            (
                r["member"]["id"].as_str().expect("member id").to_owned(),
                r["status"].as_str().expect("status").to_owned(),
                r["waitlist_position"].as_i64(),
            )
        })
        .collect()
}

pub async fn registrations(app: &TestApp, user: &User, session: &str) -> Value {
    let res = app
        .get_as(
            user,
            &format!("/sessions/{session}/registrations?limit=100"),
        )
        .await;
    json_body(res, StatusCode::OK).await
}

/// `count` new members, invited by `admin`.
async fn members(app: &TestApp, admin: &User, count: usize) -> Vec<User> {
    let mut users = Vec::with_capacity(count);
    for i in 0..count {
        users.push(
            app.invite_and_register(admin, "member", &format!("Deelnemer {i:03}"))
                .await,
        );
    }
    users
}

async fn register(app: &TestApp, user: &User, session: &str) -> reqwest::Response {
    app.post_as(
        user,
        &format!("/sessions/{session}/registration"),
        &json!({}),
    )
    .await
}

#[actix_web::test]
async fn facilitator_schedules_a_session() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let facilitator = app
        .invite_and_register(&admin, "facilitator", "Bram Visser")
        .await;
    let member = app
        .invite_and_register(&admin, "member", "Celine de Wit")
        .await;
    let body = json!({
        "title": "Puber in huis",
        "theme": "identity",
        "starts_at": "2030-03-12T15:00:00.1234567+01:00",
        "ends_at": "2030-03-12T17:30:00+01:00",
        "online_url": "https://meet.example.org/puber-in-huis",
        "capacity": 12
    });
    let res = app.post_as(&facilitator, "/sessions", &body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.headers()["etag"], "\"1\"");
    let location = res.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let created: Value = res.json().await.expect("json");
    assert_eq!(location, format!("/api/v1/sessions/{}", id_of(&created)));
    assert_eq!(created["title"], "Puber in huis");
    assert_eq!(created["description"], "");
    assert_eq!(created["theme"], "identity");
    // Stored and shown in UTC, to the microsecond.
    assert_eq!(created["starts_at"], "2030-03-12T14:00:00.123456Z");
    assert_eq!(created["ends_at"], "2030-03-12T16:30:00Z");
    assert!(created["location"].is_null());
    assert_eq!(
        created["online_url"],
        "https://meet.example.org/puber-in-huis"
    );
    assert_eq!(created["capacity"], 12);
    assert_eq!(created["status"], "scheduled");
    assert_eq!(created["facilitator_ids"], json!([facilitator.id]));
    assert_eq!(created["registered_count"], 0);
    assert_eq!(created["waitlist_count"], 0);
    assert!(created["my_registration"].is_null());
    assert_eq!(created["version"], 1);

    let res = app.get_as(&member, &location).await;
    assert_eq!(res.headers()["etag"], "\"1\"");
    assert_eq!(json_body(res, StatusCode::OK).await, created);

    // Co-facilitators may be named; an admin counts as one.
    let mut body = session_body("Autonomie afstaan", 60, None);
    body["facilitator_ids"] = json!([facilitator.id, admin.id, facilitator.id]);
    let created = create_session(&app, &facilitator, &body).await;
    let mut ids: Vec<&str> = created["facilitator_ids"]
        .as_array()
        .expect("ids")
        .iter()
        .map(|v| v.as_str().expect("id"))
        .collect();
    ids.sort();
    let mut expected = vec![facilitator.id.as_str(), admin.id.as_str()];
    expected.sort();
    assert_eq!(ids, expected);
    // The list shows them too, in id order.
    let listed = json_body(app.get_as(&member, "/sessions").await, StatusCode::OK).await;
    let item = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|item| item["id"] == created["id"])
        .expect("the new session is listed");
    assert_eq!(item["facilitator_ids"], json!(expected));
    assert!(created["capacity"].is_null());
}

#[actix_web::test]
async fn members_cannot_schedule_sessions() {
    let app = spawn_app().await;
    let member = app.member("member").await;
    let res = app
        .post_as(
            &member,
            "/sessions",
            &session_body("Legitimatie", 60, Some(10)),
        )
        .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(app.count("sessions"), 0);
}

#[actix_web::test]
async fn invalid_sessions_are_422_and_store_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let member = app
        .invite_and_register(&admin, "member", "Celine de Wit")
        .await;
    let deactivated = app
        .invite_and_register(&admin, "facilitator", "Daan Mulder")
        .await;
    app.patch_as(
        &admin,
        &format!("/members/{}", deactivated.id),
        &json!({"active": false}),
    )
    .await;

    let base = session_body("Legitimatie", 60, Some(10));
    let with = |field: &str, value: Value| {
        let mut body = base.clone();
        body[field] = value;
        body
    };
    let cases = [
        (with("ends_at", json!(in_minutes(30))), vec!["ends_at"]),
        (with("ends_at", base["starts_at"].clone()), vec!["ends_at"]),
        (with("capacity", json!(0)), vec!["capacity"]),
        (with("capacity", json!(-3)), vec!["capacity"]),
        (with("theme", json!("chaos")), vec!["theme"]),
        (with("starts_at", json!("next tuesday")), vec!["starts_at"]),
        (
            with("online_url", json!("ftp://files.example.org")),
            vec!["online_url"],
        ),
        (with("title", json!("")), vec!["title"]),
        (with("colour", json!("blue")), vec!["colour"]),
        (with("facilitator_ids", json!([])), vec!["facilitator_ids"]),
        (
            with(
                "facilitator_ids",
                json!([admin.id, member.id, deactivated.id, uuid::Uuid::new_v4()]),
            ),
            vec![
                "facilitator_ids[1]",
                "facilitator_ids[2]",
                "facilitator_ids[3]",
            ],
        ),
        (
            {
                let mut body = with("capacity", json!(0));
                body["facilitator_ids"] = json!([member.id]);
                body
            },
            vec!["capacity", "facilitator_ids[0]"],
        ),
    ];
    for (body, expected) in cases {
        let res = app.post_as(&admin, "/sessions", &body).await;
        let problem = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["field"].as_str().expect("field"))
            .collect();
        assert_eq!(fields, expected, "{body}");
    }
    assert_eq!(app.count("sessions"), 0);
    assert_eq!(app.count("session_facilitators"), 0);
}

#[actix_web::test]
async fn session_list_filters_by_window_and_status_and_paginates() {
    let app = spawn_app().await;
    let facilitator = app.member("facilitator").await;
    let at = |title: &str, starts_at: &str| {
        let mut body = session_body(title, 0, None);
        body["starts_at"] = json!(starts_at);
        body["ends_at"] = json!(starts_at.replace("T1", "T2"));
        body
    };
    let maart = create_session(&app, &facilitator, &at("Maart", "2030-03-01T10:00:00Z")).await;
    create_session(&app, &facilitator, &at("April", "2030-04-01T10:00:00Z")).await;
    create_session(&app, &facilitator, &at("April ook", "2030-04-01T10:00:00Z")).await;
    create_session(&app, &facilitator, &at("Mei", "2030-05-01T10:00:00Z")).await;
    let res = app
        .post_as(
            &facilitator,
            &format!("/sessions/{}/cancel", id_of(&maart)),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    let list = |query: String| {
        let app = &app;
        let user = &facilitator;
        async move {
            json_body(
                app.get_as(user, &format!("/sessions{query}")).await,
                StatusCode::OK,
            )
            .await
        }
    };
    let all = list(String::new()).await;
    assert_eq!(all["items"].as_array().expect("items").len(), 4);
    assert_eq!(titles(&all)[0], "Maart");
    assert_eq!(titles(&all)[3], "Mei");

    // `from` inclusive, `to` exclusive.
    let april = list("?from=2030-04-01T10:00:00Z&to=2030-05-01T10:00:00Z".into()).await;
    let mut april_titles = titles(&april);
    april_titles.sort();
    assert_eq!(april_titles, ["April", "April ook"]);
    // Offsets are understood (encoded `+`).
    let shifted =
        list("?from=2030-04-01T12:00:00%2B02:00&to=2030-04-01T12:00:01%2B02:00".into()).await;
    assert_eq!(shifted["items"].as_array().expect("items").len(), 2);
    assert_eq!(titles(&list("?status=cancelled".into()).await), ["Maart"]);
    assert_eq!(
        titles(&list("?status=scheduled&from=2030-04-02T00:00:00Z".into()).await),
        ["Mei"]
    );

    // Ties on starts_at are broken by id; pages never repeat or skip.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            Some(c) => format!("?limit=1&cursor={c}"),
            None => "?limit=1".into(),
        };
        let page = list(query).await;
        seen.extend(titles(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, titles(&all));

    for query in [
        "from=yesterday",
        "to=2030-13-01T00:00:00Z",
        "from=2030-04-01",
        "status=postponed",
        "limit=0",
        "cursor=garbage",
    ] {
        let res = app
            .get_as(&facilitator, &format!("/sessions?{query}"))
            .await;
        assert_problem(res, StatusCode::BAD_REQUEST, "bad-request").await;
    }
}

#[actix_web::test]
async fn only_its_facilitators_and_admins_edit_a_session() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let facilitator = app
        .invite_and_register(&admin, "facilitator", "Bram Visser")
        .await;
    let other = app
        .invite_and_register(&admin, "facilitator", "Ans Jansen")
        .await;
    let member = app
        .invite_and_register(&admin, "member", "Celine de Wit")
        .await;
    let session = create_session(
        &app,
        &facilitator,
        &session_body("Legitimatie", 60, Some(10)),
    )
    .await;
    let path = format!("/sessions/{}", id_of(&session));

    for user in [&other, &member] {
        let res = app
            .patch_as(user, &path, &json!({"title": "Gekaapt"}))
            .await;
        assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
        let res = app
            .post_as(user, &format!("{path}/cancel"), &json!({}))
            .await;
        assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
        let res = app.get_as(user, &format!("{path}/registrations")).await;
        assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
        let res = app
            .put_as(user, &format!("{path}/attendance"), &json!({"present": []}))
            .await;
        assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    }
    assert_eq!(
        app.count("sessions WHERE version = 1 AND status = 'scheduled'"),
        1
    );

    // Its facilitator edits any field, facilitators included; the version goes up.
    let res = app
        .patch_as(
            &facilitator,
            &path,
            &json!({
                "title": "Van wie is de opgave?",
                "theme": null,
                "location": null,
                "online_url": "https://meet.example.org/opgave",
                "facilitator_ids": [other.id]
            }),
        )
        .await;
    assert_eq!(res.headers()["etag"], "\"2\"");
    let edited = json_body(res, StatusCode::OK).await;
    assert_eq!(edited["title"], "Van wie is de opgave?");
    assert!(edited["theme"].is_null());
    assert!(edited["location"].is_null());
    assert_eq!(edited["capacity"], 10);
    assert_eq!(edited["facilitator_ids"], json!([other.id]));
    assert_eq!(edited["version"], 2);

    // Now the former facilitator is refused and the new one may edit.
    let res = app
        .patch_as(&facilitator, &path, &json!({"capacity": 20}))
        .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = app
        .as_user(&other, Method::PATCH, &path)
        .header("If-Match", "\"1\"")
        .json(&json!({"capacity": 20}))
        .send()
        .await
        .expect("request");
    assert_problem(res, StatusCode::PRECONDITION_FAILED, "precondition-failed").await;
    let res = app
        .as_user(&other, Method::PATCH, &path)
        .header("If-Match", "\"2\"")
        .json(&json!({"capacity": 20}))
        .send()
        .await
        .expect("request");
    assert_eq!(json_body(res, StatusCode::OK).await["capacity"], 20);

    // Invalid changes: 422, nothing stored.
    for (body, field) in [
        (json!({"ends_at": in_minutes(30)}), "ends_at"),
        (json!({"starts_at": in_minutes(60 * 24)}), "starts_at"),
        (json!({"capacity": 0}), "capacity"),
        (json!({"capacity": -1}), "capacity"),
        (json!({"theme": "chaos"}), "theme"),
        (
            json!({"facilitator_ids": [member.id]}),
            "facilitator_ids[0]",
        ),
        (json!({"status": "cancelled"}), "status"),
    ] {
        let res = app.patch_as(&admin, &path, &body).await;
        let problem = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    assert_eq!(
        app.count("sessions WHERE version = 3 AND capacity = 20 AND status = 'scheduled'"),
        1
    );

    // Admins may do everything; cancelling keeps the session, once.
    let res = app
        .post_as(&admin, &format!("{path}/cancel"), &json!({}))
        .await;
    assert_eq!(res.headers()["etag"], "\"4\"");
    let cancelled = json_body(res, StatusCode::OK).await;
    assert_eq!(cancelled["status"], "cancelled");
    let res = app
        .post_as(&other, &format!("{path}/cancel"), &json!({}))
        .await;
    assert_eq!(json_body(res, StatusCode::OK).await["version"], 4);

    let res = app
        .patch_as(
            &admin,
            &format!("/sessions/{}", uuid::Uuid::new_v4()),
            &json!({}),
        )
        .await;
    assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;
    let res = app.get_as(&member, "/sessions/not-a-uuid").await;
    assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;
}

#[actix_web::test]
async fn full_session_waitlists_and_leaving_promotes_the_first() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let facilitator = app
        .invite_and_register(&admin, "facilitator", "Bram Visser")
        .await;
    let users = members(&app, &admin, 4).await;
    let session = create_session(
        &app,
        &facilitator,
        &session_body("Autonomie afstaan", 60, Some(2)),
    )
    .await;
    let id = id_of(&session);

    let mut answers = Vec::new();
    for user in &users {
        let res = register(&app, user, &id).await;
        assert_eq!(
            res.headers()["location"],
            format!("/api/v1/sessions/{id}/registration").as_str()
        );
        answers.push(json_body(res, StatusCode::CREATED).await);
    }
    assert_eq!(answers[0]["status"], "registered");
    assert!(answers[0]["waitlist_position"].is_null());
    assert!(answers[0]["attended"].is_null());
    assert_eq!(answers[1]["status"], "registered");
    assert_eq!(answers[2]["status"], "waitlisted");
    assert_eq!(answers[2]["waitlist_position"], 1);
    assert_eq!(answers[3]["waitlist_position"], 2);
    assert_eq!(answers[3]["session_id"], id.as_str());
    assert_eq!(answers[3]["member"]["display_name"], "Deelnemer 003");

    // Asking again answers the existing registration.
    let again = json_body(register(&app, &users[3], &id).await, StatusCode::OK).await;
    assert_eq!(again, answers[3]);

    let seen = json_body(
        app.get_as(&users[3], &format!("/sessions/{id}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(seen["registered_count"], 2);
    assert_eq!(seen["waitlist_count"], 2);
    assert_eq!(seen["my_registration"], answers[3]);
    let listed = json_body(app.get_as(&users[0], "/sessions").await, StatusCode::OK).await;
    assert_eq!(
        listed["items"][0]["my_registration"]["status"],
        "registered"
    );
    // Each reader sees their own registration in the list, and nobody else's.
    let listed = json_body(app.get_as(&users[2], "/sessions").await, StatusCode::OK).await;
    assert_eq!(listed["items"][0]["my_registration"], answers[2]);
    let listed = json_body(app.get_as(&admin, "/sessions").await, StatusCode::OK).await;
    assert!(listed["items"][0]["my_registration"].is_null());

    // A registered member leaves: the first waitlisted takes the place.
    let res = app
        .delete_as(&users[0], &format!("/sessions/{id}/registration"))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app
        .delete_as(&users[0], &format!("/sessions/{id}/registration"))
        .await;
    assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;
    let list = registrations(&app, &facilitator, &id).await;
    assert_eq!(
        queue(&list),
        [
            (users[0].id.clone(), "cancelled".into(), None),
            (users[1].id.clone(), "registered".into(), None),
            (users[2].id.clone(), "registered".into(), None),
            (users[3].id.clone(), "waitlisted".into(), Some(1)),
        ]
    );

    // Coming back after cancelling reuses the row, at the back of the queue.
    let back = json_body(register(&app, &users[0], &id).await, StatusCode::CREATED).await;
    assert_eq!(back["status"], "waitlisted");
    assert_eq!(back["waitlist_position"], 2);
    assert_eq!(
        app.count(&format!(
            "registrations WHERE session_id = '{id}' AND member_id = '{}'",
            users[0].id
        )),
        1
    );
    let waitlisted = json_body(
        app.get_as(
            &facilitator,
            &format!("/sessions/{id}/registrations?status=waitlisted&limit=1"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        queue(&waitlisted),
        [(users[3].id.clone(), "waitlisted".into(), Some(1))]
    );
    let cursor = waitlisted["next_cursor"].as_str().expect("cursor");
    let next = json_body(
        app.get_as(
            &facilitator,
            &format!("/sessions/{id}/registrations?status=waitlisted&limit=1&cursor={cursor}"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        queue(&next),
        [(users[0].id.clone(), "waitlisted".into(), Some(2))]
    );

    // Someone leaving the waitlist moves those behind up.
    app.delete_as(&users[3], &format!("/sessions/{id}/registration"))
        .await;
    let me = json_body(
        app.get_as(&users[0], &format!("/sessions/{id}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(me["my_registration"]["waitlist_position"], 1);
    assert_eq!(me["waitlist_count"], 1);

    let res = register(&app, &users[0], &uuid::Uuid::new_v4().to_string()).await;
    assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;
    for query in ["status=maybe", "limit=500", "cursor=%%%"] {
        let res = app
            .get_as(
                &facilitator,
                &format!("/sessions/{id}/registrations?{query}"),
            )
            .await;
        assert_problem(res, StatusCode::BAD_REQUEST, "bad-request").await;
    }
}

#[actix_web::test]
async fn registering_for_a_cancelled_or_started_session_is_409() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let member = app
        .invite_and_register(&admin, "member", "Celine de Wit")
        .await;
    let cancelled = create_session(&app, &admin, &session_body("Afgelast", 60, None)).await;
    app.post_as(
        &admin,
        &format!("/sessions/{}/cancel", id_of(&cancelled)),
        &json!({}),
    )
    .await;
    let started = create_session(&app, &admin, &session_body("Al bezig", -30, None)).await;
    let past = create_session(&app, &admin, &session_body("Voorbij", -60 * 24, None)).await;
    for session in [&cancelled, &started, &past] {
        let res = register(&app, &member, &id_of(session)).await;
        assert_problem(res, StatusCode::CONFLICT, "conflict").await;
    }
    assert_eq!(app.count("registrations"), 0);

    // Leaving once the session has started is refused too: the registration is the record.
    let soon = create_session(&app, &admin, &session_body("Straks", 60, None)).await;
    let soon_id = id_of(&soon);
    json_body(register(&app, &member, &soon_id).await, StatusCode::CREATED).await;
    app.patch_as(
        &admin,
        &format!("/sessions/{soon_id}"),
        &json!({"starts_at": in_minutes(-5)}),
    )
    .await;
    let res = app
        .delete_as(&member, &format!("/sessions/{soon_id}/registration"))
        .await;
    assert_problem(res, StatusCode::CONFLICT, "conflict").await;
    assert_eq!(app.count("registrations WHERE status = 'registered'"), 1);
}

#[actix_web::test]
async fn capacity_changes_promote_in_order_and_never_drop_below_the_registered() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let users = members(&app, &admin, 6).await;
    let session = create_session(&app, &admin, &session_body("Legitimatie", 60, Some(2))).await;
    let id = id_of(&session);
    for user in &users {
        register(&app, user, &id).await;
    }

    let res = app
        .patch_as(&admin, &format!("/sessions/{id}"), &json!({"capacity": 1}))
        .await;
    assert_problem(res, StatusCode::CONFLICT, "conflict").await;
    assert_eq!(app.count("sessions WHERE capacity = 2 AND version = 1"), 1);

    let res = app
        .patch_as(&admin, &format!("/sessions/{id}"), &json!({"capacity": 4}))
        .await;
    let raised = json_body(res, StatusCode::OK).await;
    assert_eq!(raised["registered_count"], 4);
    assert_eq!(raised["waitlist_count"], 2);
    let statuses: Vec<_> = queue(&registrations(&app, &admin, &id).await)
        .into_iter()
        .map(|(_, status, position)| (status, position))
        .collect();
    assert_eq!(
        statuses,
        [
            ("registered".into(), None),
            ("registered".into(), None),
            ("registered".into(), None),
            ("registered".into(), None),
            ("waitlisted".into(), Some(1)),
            ("waitlisted".into(), Some(2)),
        ]
    );

    // Lowering to exactly the registered count is fine; unlimited lets everyone in.
    let res = app
        .patch_as(&admin, &format!("/sessions/{id}"), &json!({"capacity": 4}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .patch_as(
            &admin,
            &format!("/sessions/{id}"),
            &json!({"capacity": null}),
        )
        .await;
    let unlimited = json_body(res, StatusCode::OK).await;
    assert_eq!(unlimited["registered_count"], 6);
    assert_eq!(unlimited["waitlist_count"], 0);
    assert_counts_kept(&app);
}

#[actix_web::test]
async fn registration_lists_hide_erased_members_who_still_count() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let users = members(&app, &admin, 3).await;
    let session = create_session(&app, &admin, &session_body("Netwerkkunde", 60, Some(2))).await;
    let id = id_of(&session);
    for user in &users {
        register(&app, user, &id).await;
    }
    app.erase_member(&users[0].id);
    let list = registrations(&app, &admin, &id).await;
    assert_eq!(
        queue(&list),
        [
            (users[1].id.clone(), "registered".into(), None),
            (users[2].id.clone(), "waitlisted".into(), Some(1)),
        ]
    );
    let seen = json_body(
        app.get_as(&admin, &format!("/sessions/{id}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(seen["registered_count"], 2);
    assert_eq!(seen["waitlist_count"], 1);
}

#[actix_web::test]
async fn attendance_marks_the_registered_once_the_session_started() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let facilitator = app
        .invite_and_register(&admin, "facilitator", "Bram Visser")
        .await;
    let users = members(&app, &admin, 4).await;
    let outsider = app
        .invite_and_register(&admin, "member", "Niet Aangemeld")
        .await;
    let session = create_session(
        &app,
        &facilitator,
        &session_body("Puber in huis", 60, Some(3)),
    )
    .await;
    let id = id_of(&session);
    for user in &users {
        register(&app, user, &id).await;
    }
    let attendance = format!("/sessions/{id}/attendance");

    // Before the start: 409, nothing recorded.
    let res = app
        .put_as(
            &facilitator,
            &attendance,
            &json!({"present": [users[0].id]}),
        )
        .await;
    assert_problem(res, StatusCode::CONFLICT, "conflict").await;
    assert_eq!(app.count("registrations WHERE attended IS NOT NULL"), 0);

    app.patch_as(
        &facilitator,
        &format!("/sessions/{id}"),
        &json!({"starts_at": in_minutes(-10)}),
    )
    .await;

    // Someone not registered (an outsider, a waitlisted member): 422 naming each, nothing
    // recorded.
    let res = app
        .put_as(
            &facilitator,
            &attendance,
            &json!({"present": [users[0].id, outsider.id, users[3].id]}),
        )
        .await;
    let problem = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect();
    assert_eq!(fields, ["present[1]", "present[2]"]);
    assert_eq!(app.count("registrations WHERE attended IS NOT NULL"), 0);
    let res = app
        .put_as(
            &facilitator,
            &attendance,
            &json!({"present": ["niet-een-id"]}),
        )
        .await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;

    let res = app
        .put_as(
            &facilitator,
            &attendance,
            &json!({"present": [users[0].id, users[2].id]}),
        )
        .await;
    let page = json_body(res, StatusCode::OK).await;
    let attended: Vec<_> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| {
            (
                r["status"].as_str().expect("status").to_owned(),
                r["attended"].as_bool(),
            )
        })
        .collect();
    assert_eq!(
        attended,
        [
            ("registered".into(), Some(true)),
            ("registered".into(), Some(false)),
            ("registered".into(), Some(true)),
            ("waitlisted".into(), None),
        ]
    );
    assert!(page["next_cursor"].is_null());

    // Taking it again replaces it.
    let res = app
        .put_as(&admin, &attendance, &json!({"present": [users[1].id]}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.count("registrations WHERE attended = TRUE"), 1);
    assert_eq!(
        app.count(&format!(
            "registrations WHERE attended = TRUE AND member_id = '{}'",
            users[1].id
        )),
        1
    );
    assert_eq!(app.count("registrations WHERE attended = FALSE"), 2);
}

#[actix_web::test]
async fn simultaneous_registrations_never_exceed_capacity() {
    const MEMBERS: usize = 60;
    const CAPACITY: usize = 17;
    let app = spawn_app().await;
    let admin = app.admin().await;
    let facilitator = app
        .invite_and_register(&admin, "facilitator", "Bram Visser")
        .await;
    let users = members(&app, &admin, MEMBERS).await;
    let session = create_session(
        &app,
        &facilitator,
        &session_body("Heldhaftig samenwerken", 60, Some(CAPACITY as i64)),
    )
    .await;
    let id = id_of(&session);

    // Every request is built first, then all are sent at once.
    let requests: Vec<_> = users
        .iter()
        .map(|user| {
            app.as_user(user, Method::POST, &format!("/sessions/{id}/registration"))
                .json(&json!({}))
        })
        .collect();
    let handles: Vec<_> = requests
        .into_iter()
        .map(|request| {
            actix_web::rt::spawn(async move {
                let res = request.send().await.expect("request");
                let status = res.status();
                (status, res.json::<Value>().await.expect("json"))
            })
        })
        .collect();
    let mut answers = Vec::with_capacity(MEMBERS);
    for handle in handles {
        answers.push(handle.await.expect("task"));
    }

    assert!(answers
        .iter()
        .all(|(status, _)| *status == StatusCode::CREATED));
    let registered = answers
        .iter()
        .filter(|(_, r)| r["status"] == "registered")
        .count();
    assert_eq!(registered, CAPACITY);
    let mut positions: Vec<i64> = answers
        .iter()
        .filter(|(_, r)| r["status"] == "waitlisted")
        .map(|(_, r)| r["waitlist_position"].as_i64().expect("position"))
        .collect();
    positions.sort();
    let expected: Vec<i64> = (1..=(MEMBERS - CAPACITY) as i64).collect();
    assert_eq!(positions, expected);

    // Stored: one row per member, exactly CAPACITY places taken.
    assert_eq!(
        app.count(&format!("registrations WHERE session_id = '{id}'")),
        MEMBERS as i64
    );
    assert_eq!(
        app.count("(SELECT DISTINCT session_id, member_id FROM registrations) AS pairs"),
        MEMBERS as i64
    );
    assert_eq!(
        app.count("registrations WHERE status = 'registered'"),
        CAPACITY as i64
    );

    // The list agrees with what each member was told: queue order, contiguous positions.
    let list = queue(&registrations(&app, &facilitator, &id).await);
    assert_eq!(list.len(), MEMBERS);
    let members_listed: HashSet<_> = list.iter().map(|(m, _, _)| m.clone()).collect();
    assert_eq!(members_listed.len(), MEMBERS);
    assert!(list[..CAPACITY]
        .iter()
        .all(|(_, s, p)| s == "registered" && p.is_none()));
    let listed_positions: Vec<i64> = list[CAPACITY..]
        .iter()
        .map(|(_, s, p)| {
            assert_eq!(s, "waitlisted");
            p.expect("position")
        })
        .collect();
    assert_eq!(listed_positions, expected);
    for (user, (_, answer)) in users.iter().zip(&answers) {
        let listed = list.iter().find(|(m, _, _)| *m == user.id).expect("listed");
        assert_eq!(answer["status"], listed.1.as_str());
        assert_eq!(answer["waitlist_position"].as_i64(), listed.2);
    }

    // A registered member leaves: the first waitlisted is promoted, the rest move up.
    let leaver = users
        .iter()
        .find(|u| u.id == list[0].0)
        .expect("registered user");
    let res = app
        .delete_as(leaver, &format!("/sessions/{id}/registration"))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let after = queue(&registrations(&app, &facilitator, &id).await);
    let status_of = |list: &[(String, String, Option<i64>)], member: &str| {
        list.iter()
            .find(|(m, _, _)| m == member)
            .map(|(_, s, p)| (s.clone(), *p))
            .expect("listed")
    };
    assert_eq!(
        status_of(&after, &list[CAPACITY].0),
        ("registered".into(), None)
    );
    let waiting: Vec<(String, i64)> = after
        .iter()
        .filter(|(_, s, _)| s == "waitlisted")
        .map(|(m, _, p)| (m.clone(), p.expect("position")))
        .collect();
    let expected_waiting: Vec<(String, i64)> = list[CAPACITY + 1..]
        .iter()
        .zip(1..)
        .map(|((m, _, _), p)| (m.clone(), p))
        .collect();
    assert_eq!(waiting, expected_waiting);
    assert_eq!(
        app.count("registrations WHERE status = 'registered'"),
        CAPACITY as i64
    );

    // Raising the capacity promotes the next five, in order.
    let res = app
        .patch_as(
            &facilitator,
            &format!("/sessions/{id}"),
            &json!({"capacity": CAPACITY + 5}),
        )
        .await;
    let raised = json_body(res, StatusCode::OK).await;
    assert_eq!(raised["registered_count"], (CAPACITY + 5) as i64);
    assert_eq!(raised["waitlist_count"], (MEMBERS - CAPACITY - 6) as i64);
    assert_counts_kept(&app);
    let raised_list = queue(&registrations(&app, &facilitator, &id).await);
    for (member, _) in &expected_waiting[..5] {
        assert_eq!(status_of(&raised_list, member), ("registered".into(), None));
    }
    let still_waiting: Vec<(String, i64)> = raised_list
        .iter()
        .filter(|(_, s, _)| s == "waitlisted")
        .map(|(m, _, p)| (m.clone(), p.expect("position")))
        .collect();
    let expected_still: Vec<(String, i64)> = expected_waiting[5..]
        .iter()
        .zip(1..)
        .map(|((m, _), p)| (m.clone(), p))
        .collect();
    assert_eq!(still_waiting, expected_still);

    // Lowering below the registered count: 409, nothing changes.
    let res = app
        .patch_as(
            &facilitator,
            &format!("/sessions/{id}"),
            &json!({"capacity": CAPACITY}),
        )
        .await;
    assert_problem(res, StatusCode::CONFLICT, "conflict").await;
    assert_eq!(
        app.count(&format!("sessions WHERE capacity = {}", CAPACITY + 5)),
        1
    );
}

#[actix_web::test]
async fn one_member_registering_many_times_at_once_gets_one_place() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let member = app
        .invite_and_register(&admin, "member", "Celine de Wit")
        .await;
    let session = create_session(&app, &admin, &session_body("Legitimatie", 60, Some(1))).await;
    let id = id_of(&session);
    let handles: Vec<_> = (0..20)
        .map(|_| {
            let request = app
                .as_user(
                    &member,
                    Method::POST,
                    &format!("/sessions/{id}/registration"),
                )
                .json(&json!({}));
            actix_web::rt::spawn(async move { request.send().await.expect("request").status() })
        })
        .collect();
    let mut statuses = Vec::new();
    for handle in handles {
        statuses.push(handle.await.expect("task"));
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        19
    );
    assert_eq!(app.count("registrations WHERE status = 'registered'"), 1);
    assert_eq!(app.count("registrations"), 1);
}

/// Every session's stored counts (kept by triggers) equal its registrations' statuses.
fn assert_counts_kept(app: &TestApp) {
    let sessions = app.count("sessions");
    let kept = app.count(
        "sessions s WHERE registered_count = (SELECT COUNT(*) FROM registrations r \
         WHERE r.session_id = s.id AND r.status = 'registered') \
         AND waitlist_count = (SELECT COUNT(*) FROM registrations r \
         WHERE r.session_id = s.id AND r.status = 'waitlisted')",
    );
    assert!(sessions > 0);
    assert_eq!(kept, sessions);
}
