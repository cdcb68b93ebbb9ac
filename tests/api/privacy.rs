//! `/me/export`, `/me/growth` and `DELETE /me`.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, unique_email};
use crate::reflections::{reflect, reflection_body, with};
use crate::sessions::{create_session, session_body};

#[actix_web::test]
async fn export_holds_profile_and_sent_invitations() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let facilitator = app
        .invite_and_register(&admin, "facilitator", "Bram Visser")
        .await;
    let invited = unique_email("uitgenodigd");
    app.post_as(
        &facilitator,
        "/invitations",
        &json!({"email": invited, "role": "member"}),
    )
    .await;
    let res = app.get_as(&facilitator, "/me/export").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap_or_default()
        .contains("attachment"));
    let doc: Value = res.json().await.expect("json");
    assert_eq!(doc["profile"]["email"], facilitator.email);
    assert_eq!(doc["invitations_sent"].as_array().map(Vec::len), Some(1));
    assert_eq!(doc["invitations_sent"][0]["email"], invited);
    assert!(doc["invitations_sent"][0].get("code").is_none());
    assert!(
        !doc.to_string().contains("password"),
        "no hashes in the export"
    );
}

#[actix_web::test]
async fn growth_without_reflections_is_empty() {
    let app = spawn_app().await;
    let member = app.member("member").await;
    let growth: Value = app
        .get_as(&member, "/me/growth")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        growth,
        json!({"points": [], "first": null, "last": null, "change": null})
    );
}

#[actix_web::test]
async fn export_holds_own_private_reflection_and_nothing_private_of_others() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let me = app
        .invite_and_register(&admin, "member", "Celine de Wit")
        .await;
    let other = app
        .invite_and_register(&admin, "member", "Daan Mulder")
        .await;
    let mine = reflect(
        &app,
        &me,
        &with(
            reflection_body(),
            json!({"title": "Mijn eigen twijfel", "visibility": "private"}),
        ),
    )
    .await;
    reflect(
        &app,
        &other,
        &with(
            reflection_body(),
            json!({"title": "Geheim van Daan", "visibility": "private"}),
        ),
    )
    .await;
    let open = reflect(
        &app,
        &other,
        &with(reflection_body(), json!({"title": "Open brief van Daan"})),
    )
    .await;
    let comment = app
        .post_as(
            &me,
            &format!(
                "/reflections/{}/comments",
                open["id"].as_str().unwrap_or_default()
            ),
            &json!({"body": "Herkenbaar: wie is eigenaar van de opgave?"}),
        )
        .await;
    assert_eq!(comment.status(), StatusCode::CREATED);

    let doc: Value = app
        .get_as(&me, "/me/export")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(doc["reflections"].as_array().map(Vec::len), Some(1));
    assert_eq!(doc["reflections"][0]["id"], mine["id"]);
    assert_eq!(doc["reflections"][0]["visibility"], "private");
    assert_eq!(doc["comments"].as_array().map(Vec::len), Some(1));
    assert_eq!(doc["competence_history"].as_array().map(Vec::len), Some(1));
    let text = doc.to_string();
    assert!(!text.contains("Geheim van Daan"));
    assert!(
        !text.contains("Open brief van Daan"),
        "only the id of what was commented on"
    );
    assert!(!text.contains(&other.email));
}

#[actix_web::test]
async fn growth_counts_private_reflections_oldest_first() {
    let app = spawn_app().await;
    let member = app.member("member").await;
    for (awareness, capability, visibility) in [
        (2, 1, "private"),
        (3, 3, "community"),
        (4, 2, "facilitators"),
    ] {
        reflect(
            &app,
            &member,
            &with(
                reflection_body(),
                json!({"competence": {"awareness": awareness, "capability": capability},
                       "visibility": visibility}),
            ),
        )
        .await;
    }
    reflect(
        &app,
        &member,
        &with(reflection_body(), json!({"competence": null})),
    )
    .await;
    let growth: Value = app
        .get_as(&member, "/me/growth")
        .await
        .json()
        .await
        .expect("json");
    let points: Vec<(i64, i64)> = growth["points"]
        .as_array()
        .expect("points")
        .iter()
        .map(|p| {
            (
                p["awareness"].as_i64().unwrap_or(0),
                p["capability"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(points, [(2, 1), (3, 3), (4, 2)]);
    assert_eq!(growth["first"]["awareness"], 2);
    assert_eq!(growth["last"]["awareness"], 4);
    assert_eq!(growth["change"], json!({"awareness": 2, "capability": 1}));
}

#[actix_web::test]
async fn erasure_leaves_nothing_of_the_person_reachable() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let facilitator = app
        .invite_and_register(&admin, "facilitator", "Bram Visser")
        .await;
    let gone = app
        .invite_and_register(&admin, "member", "Zoë Verdwijnt")
        .await;
    let waiting = app
        .invite_and_register(&admin, "member", "Wachtende Wim")
        .await;
    let peer = app
        .invite_and_register(&admin, "member", "Peer Pieters")
        .await;

    // An upcoming session where the erased member holds the only place and Wim waits.
    let session = create_session(
        &app,
        &facilitator,
        &session_body("Autonomie afstaan", 60, Some(1)),
    )
    .await;
    let sid = session["id"].as_str().expect("id").to_owned();
    for user in [&gone, &waiting] {
        app.post_as(user, &format!("/sessions/{sid}/registration"), &json!({}))
            .await;
    }
    // A past session they attended: stays as an anonymous count.
    let past = create_session(&app, &facilitator, &session_body("Legitimatie", 30, None)).await;
    let pid = past["id"].as_str().expect("id").to_owned();
    app.post_as(&gone, &format!("/sessions/{pid}/registration"), &json!({}))
        .await;
    app.execute(&format!(
        "UPDATE sessions SET starts_at = '2026-01-01 10:00:00', ends_at = '2026-01-01 12:00:00' \
         WHERE id = '{pid}'"
    ));
    app.put_as(
        &facilitator,
        &format!("/sessions/{pid}/attendance"),
        &json!({"present": [gone.id]}),
    )
    .await;

    let own = reflect(
        &app,
        &gone,
        &with(reflection_body(), json!({"title": "Zoë schrijft"})),
    )
    .await;
    let theirs = reflect(&app, &peer, &reflection_body()).await;
    let tid = theirs["id"].as_str().expect("id").to_owned();
    app.post_as(
        &gone,
        &format!("/reflections/{tid}/comments"),
        &json!({"body": "Groet van Zoë"}),
    )
    .await;
    let feed: Value = app
        .post_as(&gone, "/me/calendar-token", &json!({}))
        .await
        .json()
        .await
        .expect("json");
    let feed_url = feed["url"].as_str().expect("url").to_owned();

    // A wrong password changes nothing.
    let res = app
        .as_user(&gone, reqwest::Method::DELETE, "/me")
        .json(&json!({"password": "niet het wachtwoord"}))
        .send()
        .await
        .expect("req");
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(app.get_as(&gone, "/me").await.status(), StatusCode::OK);

    let res = app
        .as_user(&gone, reqwest::Method::DELETE, "/me")
        .json(&json!({"password": crate::helpers::PASSWORD}))
        .send()
        .await
        .expect("req");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    // Every credential is dead.
    assert_eq!(
        app.get_as(&gone, "/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let login = app
        .post_json(
            "/auth/login",
            &json!({"email": gone.email, "password": crate::helpers::PASSWORD}),
        )
        .await;
    assert_eq!(login.status(), StatusCode::UNAUTHORIZED);
    let refresh = app
        .post_json(
            "/auth/refresh",
            &json!({"refresh_token": gone.refresh_token}),
        )
        .await;
    assert_eq!(refresh.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.get(&feed_url).await.status(), StatusCode::NOT_FOUND);

    // The waitlist moved up; the past session still counts them, anonymously.
    let upcoming: Value = app
        .get_as(&waiting, &format!("/sessions/{sid}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(upcoming["registered_count"], 1);
    assert_eq!(upcoming["my_registration"]["status"], "registered");
    let insights: Value = app
        .get_as(&facilitator, &format!("/insights/sessions/{pid}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(insights["attended"], 1);

    // Nothing of them is reachable anywhere.
    let own_id = own["id"].as_str().expect("id");
    assert_eq!(
        app.get_as(&peer, &format!("/reflections/{own_id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let mut seen = String::new();
    for path in [
        "/members?limit=100".to_owned(),
        format!("/members/{}", gone.id),
        format!("/sessions/{pid}/registrations"),
        format!("/sessions/{sid}/registrations"),
        format!("/reflections/{tid}/comments"),
        "/reflections?limit=100".to_owned(),
        "/audit?limit=100".to_owned(),
    ] {
        let user = if path.starts_with("/audit") {
            &admin
        } else {
            &facilitator
        };
        seen.push_str(
            &app.get_as(user, &path)
                .await
                .text()
                .await
                .unwrap_or_default(),
        );
    }
    for trace in ["Zoë", &gone.email] {
        assert!(!seen.contains(trace), "{trace} is still reachable");
    }
    assert_eq!(
        app.count(&format!(
            "members WHERE id = '{}' AND email IS NULL AND display_name = ''",
            gone.id
        )),
        1
    );
    assert_eq!(
        app.count(&format!("reflections WHERE author_id = '{}'", gone.id)),
        0
    );
    assert_eq!(
        app.count(&format!("comments WHERE author_id = '{}'", gone.id)),
        0
    );
}

#[actix_web::test]
async fn the_last_admin_cannot_erase_themself() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let res = app
        .as_user(&admin, reqwest::Method::DELETE, "/me")
        .json(&json!({"password": crate::helpers::PASSWORD}))
        .send()
        .await
        .expect("req");
    assert_problem(res, StatusCode::CONFLICT, "conflict").await;
    assert_eq!(app.get_as(&admin, "/me").await.status(), StatusCode::OK);
}
