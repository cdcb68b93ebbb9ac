//! Who may invite whom, listing and revoking.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, unique_email};

#[actix_web::test]
async fn facilitators_invite_members_only_and_members_not_at_all() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let facilitator = app
        .invite_and_register(&admin, "facilitator", "Bram Visser")
        .await;
    let member = app
        .invite_and_register(&admin, "member", "Celine de Wit")
        .await;

    let res = app
        .post_as(
            &member,
            "/invitations",
            &json!({"email": unique_email("a"), "role": "member"}),
        )
        .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    for role in ["facilitator", "admin"] {
        let res = app
            .post_as(
                &facilitator,
                "/invitations",
                &json!({"email": unique_email("b"), "role": role}),
            )
            .await;
        assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let res = app
        .post_as(
            &facilitator,
            "/invitations",
            &json!({"email": unique_email("c"), "role": "member"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert!(res.headers().contains_key("location"));
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["status"], "pending");
    assert_eq!(body["code"].as_str().map(str::len), Some(43));
    let res = app
        .post_as(
            &admin,
            "/invitations",
            &json!({"email": unique_email("d"), "role": "admin"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    // Codes are stored only as hashes.
    assert_eq!(
        app.count(&format!(
            "invitations WHERE code_hash = '{}'",
            body["code"].as_str().unwrap_or_default()
        )),
        0
    );
}

#[actix_web::test]
async fn inviting_an_existing_account_is_409_and_bad_emails_422() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let res = app
        .post_as(
            &admin,
            "/invitations",
            &json!({"email": admin.email.to_uppercase(), "role": "member"}),
        )
        .await;
    assert_problem(res, StatusCode::CONFLICT, "conflict").await;
    let res = app
        .post_as(
            &admin,
            "/invitations",
            &json!({"email": "geen-adres", "role": "emperor"}),
        )
        .await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    let res = app
        .post_as(
            &admin,
            "/invitations",
            &json!({"email": "geen-adres", "role": "member"}),
        )
        .await;
    let body = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(body["errors"][0]["field"], "email");
    assert_eq!(app.count("invitations"), 0);
}

#[actix_web::test]
async fn lists_show_own_or_all_newest_first_without_codes() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let facilitator = app
        .invite_and_register(&admin, "facilitator", "Bram Visser")
        .await;
    for _ in 0..3 {
        app.post_as(
            &facilitator,
            "/invitations",
            &json!({"email": unique_email("f"), "role": "member"}),
        )
        .await;
    }
    let own: Value = app
        .get_as(&facilitator, "/invitations")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(own["items"].as_array().map(Vec::len), Some(3));
    assert!(own["items"][0].get("code").is_none());
    let all: Value = app
        .get_as(&admin, "/invitations?limit=2")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(all["items"].as_array().map(Vec::len), Some(2));
    let cursor = all["next_cursor"].as_str().expect("cursor");
    let rest: Value = app
        .get_as(&admin, &format!("/invitations?limit=2&cursor={cursor}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(rest["items"].as_array().map(Vec::len), Some(2));
    assert!(rest["next_cursor"].is_null());
    // The facilitator's own invitation shows as used.
    let statuses: Vec<&str> = rest["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["status"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(statuses.last(), Some(&"used"));
}

#[actix_web::test]
async fn facilitators_revoke_their_own_invitations_only() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let facilitator = app
        .invite_and_register(&admin, "facilitator", "Bram Visser")
        .await;
    let admins: Value = app
        .post_as(
            &admin,
            "/invitations",
            &json!({"email": unique_email("g"), "role": "member"}),
        )
        .await
        .json()
        .await
        .expect("json");
    let path = format!("/invitations/{}", admins["id"].as_str().unwrap_or_default());
    let res = app.delete_as(&facilitator, &path).await;
    assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;
    let res = app.delete_as(&admin, &path).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let list: Value = app
        .get_as(&admin, "/invitations")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["items"][0]["status"], "revoked");
}
