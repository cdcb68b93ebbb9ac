//! The members directory, profiles, passwords, admin changes and `create-admin`.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, PASSWORD};

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|m| m["display_name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[actix_web::test]
async fn directory_is_ordered_filtered_and_paginated() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let facilitator = app
        .invite_and_register(&admin, "facilitator", "Bram Visser")
        .await;
    let member = app
        .invite_and_register(&admin, "member", "Celine de Wit")
        .await;
    app.invite_and_register(&admin, "member", "Daan Mulder")
        .await;

    let all: Value = app
        .get_as(&member, "/members")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        names(&all),
        [
            "Anne de Beheerder",
            "Bram Visser",
            "Celine de Wit",
            "Daan Mulder"
        ]
    );
    assert!(all["next_cursor"].is_null());

    let first: Value = app
        .get_as(&member, "/members?limit=3")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(names(&first).len(), 3);
    let cursor = first["next_cursor"].as_str().expect("cursor");
    let second: Value = app
        .get_as(&member, &format!("/members?limit=3&cursor={cursor}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(names(&second), ["Daan Mulder"]);

    let found: Value = app
        .get_as(&member, "/members?q=VISSER")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(names(&found), ["Bram Visser"]);
    let by_org: Value = app
        .get_as(&member, "/members?q=linde")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(names(&by_org).len(), 3);
    let facilitators: Value = app
        .get_as(&member, "/members?role=facilitator")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(names(&facilitators), ["Bram Visser"]);

    // Emails: hidden from members (but their own), shown to facilitators.
    assert!(all["items"][0].get("email").is_none());
    let as_facilitator: Value = app
        .get_as(&facilitator, "/members")
        .await
        .json()
        .await
        .expect("json");
    assert!(as_facilitator["items"][0]["email"].is_string());
    let me: Value = app
        .get_as(&member, &format!("/members/{}", member.id))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["email"], member.email);
}

#[actix_web::test]
async fn bad_list_parameters_are_400() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for query in [
        "limit=0",
        "limit=101",
        "limit=abc",
        "cursor=nonsense",
        "role=king",
        "network_id=1",
    ] {
        let res = app.get_as(&admin, &format!("/members?{query}")).await;
        assert_problem(res, StatusCode::BAD_REQUEST, "bad-request").await;
    }
}

#[actix_web::test]
async fn unknown_or_malformed_member_ids_are_404() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let res = app
        .get_as(&admin, &format!("/members/{}", uuid::Uuid::new_v4()))
        .await;
    assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;
    let res = app.get_as(&admin, "/members/not-a-uuid").await;
    assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;
}

#[actix_web::test]
async fn profile_edits_are_partial_versioned_and_conditional() {
    let app = spawn_app().await;
    let member = app.member("member").await;
    let res = app.get_as(&member, "/me").await;
    assert_eq!(res.headers()["etag"], "\"1\"");

    let res = app
        .patch_as(
            &member,
            "/me",
            &json!({"bio": "Netwerkkunde groeit al doende.", "organization": null}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["etag"], "\"2\"");
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["bio"], "Netwerkkunde groeit al doende.");
    assert!(body["organization"].is_null());
    assert_eq!(body["display_name"], "Fatima el Amrani");
    assert_eq!(body["version"], 2);

    let stale = app
        .as_user(&member, Method::PATCH, "/me")
        .header("If-Match", "\"1\"")
        .json(&json!({"display_name": "Iemand anders"}))
        .send()
        .await
        .expect("req");
    assert_problem(
        stale,
        StatusCode::PRECONDITION_FAILED,
        "precondition-failed",
    )
    .await;
    let current = app
        .as_user(&member, Method::PATCH, "/me")
        .header("If-Match", "\"2\"")
        .json(&json!({"display_name": "Fatima"}))
        .send()
        .await
        .expect("req");
    assert_eq!(current.status(), StatusCode::OK);

    let res = app
        .patch_as(
            &member,
            "/me",
            &json!({"display_name": "", "role": "admin"}),
        )
        .await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    let res = app
        .patch_as(&member, "/me", &json!({"display_name": "x".repeat(101)}))
        .await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    let me: Value = app.get_as(&member, "/me").await.json().await.expect("json");
    assert_eq!(me["display_name"], "Fatima");
    assert_eq!(me["role"], "member");
}

#[actix_web::test]
async fn password_change_needs_the_current_one_and_revokes_refresh_tokens() {
    let app = spawn_app().await;
    let member = app.member("member").await;
    let res = app
        .put_as(
            &member,
            "/me/password",
            &json!({"current_password": "niet het huidige", "new_password": "een nieuw lang wachtwoord"}),
        )
        .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = app
        .put_as(
            &member,
            "/me/password",
            &json!({"current_password": PASSWORD, "new_password": "kort"}),
        )
        .await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;

    let res = app
        .put_as(
            &member,
            "/me/password",
            &json!({"current_password": PASSWORD, "new_password": "een nieuw lang wachtwoord"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let refresh = app
        .post_json(
            "/auth/refresh",
            &json!({"refresh_token": member.refresh_token}),
        )
        .await;
    assert_eq!(refresh.status(), StatusCode::UNAUTHORIZED);
    let old = app
        .post_json(
            "/auth/login",
            &json!({"email": member.email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    app.login_as(&member.email, "een nieuw lang wachtwoord")
        .await;
}

#[actix_web::test]
async fn only_admins_change_roles_and_the_last_admin_stays() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let facilitator = app
        .invite_and_register(&admin, "facilitator", "Bram Visser")
        .await;
    let path = format!("/members/{}", facilitator.id);

    for user in [&facilitator] {
        let res = app
            .patch_as(
                user,
                &format!("/members/{}", admin.id),
                &json!({"role": "member"}),
            )
            .await;
        assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
        let res = app.get_as(user, "/audit").await;
        assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    }

    let self_demote = app
        .patch_as(
            &admin,
            &format!("/members/{}", admin.id),
            &json!({"role": "member"}),
        )
        .await;
    assert_problem(self_demote, StatusCode::CONFLICT, "conflict").await;
    let self_deactivate = app
        .patch_as(
            &admin,
            &format!("/members/{}", admin.id),
            &json!({"active": false}),
        )
        .await;
    assert_problem(self_deactivate, StatusCode::CONFLICT, "conflict").await;
    let me: Value = app.get_as(&admin, "/me").await.json().await.expect("json");
    assert_eq!(me["role"], "admin");

    let res = app.patch_as(&admin, &path, &json!({"role": "admin"})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .patch_as(
            &admin,
            &format!("/members/{}", admin.id),
            &json!({"role": "member"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    let res = app
        .patch_as(&admin, &path, &json!({"role": "member"}))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "no longer admin");

    let audit: Value = app
        .get_as(&facilitator, "/audit")
        .await
        .json()
        .await
        .expect("json");
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        actions,
        [
            "member.role_changed",
            "member.role_changed",
            "invitation.created"
        ]
    );
    assert_eq!(
        audit["items"][0]["details"],
        json!({"from": "admin", "to": "member"})
    );
    assert!(
        !audit.to_string().contains(&facilitator.email),
        "no personal data in the audit trail"
    );
}

#[actix_web::test]
async fn deactivated_members_leave_the_directory() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let member = app
        .invite_and_register(&admin, "member", "Celine de Wit")
        .await;
    let other = app
        .invite_and_register(&admin, "member", "Daan Mulder")
        .await;
    app.patch_as(
        &admin,
        &format!("/members/{}", member.id),
        &json!({"active": false}),
    )
    .await;
    let list: Value = app
        .get_as(&other, "/members")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(names(&list), ["Anne de Beheerder", "Daan Mulder"]);
    let res = app.get_as(&other, &format!("/members/{}", member.id)).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app.get_as(&admin, &format!("/members/{}", member.id)).await;
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["active"], false);
}

#[actix_web::test]
async fn create_admin_command_refuses_weak_passwords_and_taken_emails() {
    let app = spawn_app().await;
    let run = |email: &str, password: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_leergemeenschap"))
            .args(["create-admin", "--email", email, "--display-name", "Anne"])
            .arg("--database-url")
            .arg(app.settings.database_url.to_url())
            .env("LG_ADMIN_PASSWORD", password)
            .output()
            .expect("run create-admin")
    };
    let weak = run("anne@example.org", "kort");
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("12 to 128"));

    let ok = run("anne@example.org", PASSWORD);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    app.login_as("anne@example.org", PASSWORD).await;

    let taken = run("Anne@Example.org", PASSWORD);
    assert!(!taken.status.success());
    assert!(String::from_utf8_lossy(&taken.stderr).contains("exists already"));
    assert_eq!(app.count("members"), 1);
}
