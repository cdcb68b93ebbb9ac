//! `/insights/*` and `/tensions`: aggregates that single out no one.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, json_body, spawn_app, TestApp, User};
use crate::reflections::{reflect, reflection_body, with};
use crate::sessions::{create_session, session_body};

async fn buckets(app: &TestApp, user: &User, query: &str) -> Vec<Value> {
    let res = app
        .get_as(user, &format!("/insights/tensions{query}"))
        .await;
    json_body(res, StatusCode::OK).await["buckets"]
        .as_array()
        .expect("buckets")
        .clone()
}

fn bucket<'a>(buckets: &'a [Value], tension: &str) -> Option<&'a Value> {
    buckets.iter().find(|b| b["tension"] == tension)
}

#[actix_web::test]
async fn tension_vocabulary_is_public_and_ordered() {
    let app = spawn_app().await;
    let page: Value = app.get("/tensions").await.json().await.expect("json");
    let codes: Vec<&str> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|t| t["code"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(codes, ["identity", "autonomy", "legitimacy"]);
    assert_eq!(page["items"][0]["label_nl"], "Puber in huis");
    assert_eq!(page["items"][1]["label_nl"], "Autonomie afstaan");
    assert!(page["next_cursor"].is_null());
}

#[actix_web::test]
async fn two_authors_are_suppressed_three_are_shown_and_private_never_counts() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let facilitator = app
        .invite_and_register(&admin, "facilitator", "Bram Visser")
        .await;
    let mut authors = Vec::new();
    for name in ["Celine de Wit", "Daan Mulder", "Eva Bakker"] {
        authors.push(app.invite_and_register(&admin, "member", name).await);
    }
    let autonomy = |visibility: &str| {
        with(
            reflection_body(),
            json!({"tensions": ["autonomy"], "visibility": visibility}),
        )
    };
    // Two authors write about autonomy in the open: suppressed.
    reflect(&app, &authors[0], &autonomy("community")).await;
    reflect(&app, &authors[1], &autonomy("facilitators")).await;
    // The third writes privately: still suppressed, private reflections never count.
    reflect(&app, &authors[2], &autonomy("private")).await;
    let found = buckets(&app, &facilitator, "").await;
    let b = bucket(&found, "autonomy").expect("an autonomy bucket");
    assert_eq!(b["suppressed"], true);
    assert!(b["reflections"].is_null() && b["authors"].is_null());

    // A third author in the open: shown, with exact counts.
    reflect(&app, &authors[2], &autonomy("community")).await;
    reflect(&app, &authors[0], &autonomy("community")).await;
    let found = buckets(&app, &facilitator, "").await;
    let b = bucket(&found, "autonomy").expect("an autonomy bucket");
    assert_eq!(b["suppressed"], false);
    assert_eq!(b["reflections"], 4);
    assert_eq!(b["authors"], 3);
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    assert_eq!(b["month"], month);
}

#[actix_web::test]
async fn tension_insights_filter_by_period_and_network_and_need_staff() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let member = app
        .invite_and_register(&admin, "member", "Celine de Wit")
        .await;
    let network = app.insert_network_row("Thuis na opname");
    reflect(
        &app,
        &member,
        &with(reflection_body(), json!({"network_id": network})),
    )
    .await;
    assert_problem(
        app.get_as(&member, "/insights/tensions").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_eq!(buckets(&app, &admin, "").await.len(), 2);
    let other = uuid::Uuid::new_v4();
    assert!(buckets(&app, &admin, &format!("?network_id={other}"))
        .await
        .is_empty());
    assert_eq!(
        buckets(&app, &admin, &format!("?network_id={network}"))
            .await
            .len(),
        2
    );
    assert!(buckets(&app, &admin, "?from=2099-01-01T00:00:00Z")
        .await
        .is_empty());
    assert!(buckets(&app, &admin, "?to=2000-01-01T00:00:00Z")
        .await
        .is_empty());
    let res = app.get_as(&admin, "/insights/tensions?from=gisteren").await;
    assert_problem(res, StatusCode::BAD_REQUEST, "bad-request").await;
}

#[actix_web::test]
async fn session_insights_count_registrations_attendance_and_open_reflections() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let facilitator = app
        .invite_and_register(&admin, "facilitator", "Bram Visser")
        .await;
    let session = create_session(
        &app,
        &facilitator,
        &session_body("Legitimatie", 60, Some(2)),
    )
    .await;
    let id = session["id"].as_str().expect("id").to_owned();
    let mut people = Vec::new();
    for name in ["Celine", "Daan", "Eva"] {
        let user = app.invite_and_register(&admin, "member", name).await;
        let res = app
            .post_as(&user, &format!("/sessions/{id}/registration"), &json!({}))
            .await;
        assert!(res.status().is_success());
        people.push(user);
    }
    let path = format!("/insights/sessions/{id}");
    let before: Value = json_body(app.get_as(&facilitator, &path).await, StatusCode::OK).await;
    assert_eq!(
        before,
        json!({"registered": 2, "waitlisted": 1, "attended": 0, "no_show": 0,
               "attendance_rate": null, "reflections": 0})
    );
    // A member may see the session but not its insights; another facilitator neither.
    assert_problem(
        app.get_as(&people[0], &path).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let other = app
        .invite_and_register(&admin, "facilitator", "Fenna")
        .await;
    assert_problem(
        app.get_as(&other, &path).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    // The session starts; one of the two registered comes.
    app.execute(&format!(
        "UPDATE sessions SET starts_at = '2026-01-01 10:00:00', ends_at = '2026-01-01 12:00:00' \
         WHERE id = '{id}'"
    ));
    let res = app
        .put_as(
            &facilitator,
            &format!("/sessions/{id}/attendance"),
            &json!({"present": [people[0].id]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    for visibility in ["community", "facilitators", "private"] {
        reflect(
            &app,
            &people[0],
            &with(
                reflection_body(),
                json!({"session_id": id, "visibility": visibility}),
            ),
        )
        .await;
    }
    let after: Value = json_body(app.get_as(&admin, &path).await, StatusCode::OK).await;
    assert_eq!(
        after,
        json!({"registered": 2, "waitlisted": 1, "attended": 1, "no_show": 1,
               "attendance_rate": 0.5, "reflections": 2})
    );
    let missing = format!("/insights/sessions/{}", uuid::Uuid::new_v4());
    assert_problem(
        app.get_as(&admin, &missing).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
}
