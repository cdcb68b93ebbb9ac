//! Login, tokens, refresh rotation, logout, registration and brute-force protection.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, spawn_app_with, unique_email, PASSWORD};

#[actix_web::test]
async fn login_returns_tokens_and_own_profile() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let res = app
        .post_json(
            "/auth/login",
            &json!({"email": admin.email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["member"]["email"], admin.email);
    assert_eq!(body["member"]["role"], "admin");
    assert!(body["member"].get("password_hash").is_none());
    let me = app.get_as(&admin, "/me").await;
    assert_eq!(me.status(), StatusCode::OK);
}

#[actix_web::test]
async fn wrong_password_and_unknown_email_get_the_same_401() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let wrong = app
        .post_json(
            "/auth/login",
            &json!({"email": admin.email, "password": "niet het wachtwoord"}),
        )
        .await;
    assert_eq!(wrong.headers()["www-authenticate"], "Bearer");
    let wrong = assert_problem(wrong, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let unknown = app
        .post_json(
            "/auth/login",
            &json!({"email": "niemand@example.org", "password": PASSWORD}),
        )
        .await;
    let unknown = assert_problem(unknown, StatusCode::UNAUTHORIZED, "unauthorized").await;
    assert_eq!(wrong, unknown);
}

#[actix_web::test]
async fn email_is_case_insensitive() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let res = app
        .post_json(
            "/auth/login",
            &json!({"email": admin.email.to_uppercase(), "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[actix_web::test]
async fn five_failures_lock_the_email_even_for_the_right_password() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for _ in 0..5 {
        let res = app
            .post_json(
                "/auth/login",
                &json!({"email": admin.email, "password": "fout fout fout"}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = app
        .post_json(
            "/auth/login",
            &json!({"email": admin.email, "password": PASSWORD}),
        )
        .await;
    let retry_after: u64 = res.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    assert_problem(res, StatusCode::TOO_MANY_REQUESTS, "rate-limited").await;
    // Another email is not affected.
    let other = app.admin().await;
    assert_eq!(app.get_as(&other, "/me").await.status(), StatusCode::OK);
}

#[actix_web::test]
async fn lockout_threshold_and_window_are_configurable_and_expire() {
    let app = spawn_app_with(|s| {
        s.lockout_threshold = 2;
        s.lockout_window = 1;
    })
    .await;
    let admin = app.admin().await;
    for _ in 0..2 {
        app.post_json(
            "/auth/login",
            &json!({"email": admin.email, "password": "fout fout fout"}),
        )
        .await;
    }
    let locked = app
        .post_json(
            "/auth/login",
            &json!({"email": admin.email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    actix_web::rt::time::sleep(Duration::from_millis(1100)).await;
    let res = app
        .post_json(
            "/auth/login",
            &json!({"email": admin.email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[actix_web::test]
async fn refresh_rotates_and_reuse_revokes_the_login() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let first = app
        .post_json(
            "/auth/refresh",
            &json!({"refresh_token": admin.refresh_token}),
        )
        .await;
    assert_eq!(first.status(), StatusCode::OK);
    let first: Value = first.json().await.expect("json");
    let rotated = first["refresh_token"].as_str().expect("token").to_owned();
    assert_ne!(rotated, admin.refresh_token);

    // The old token again: theft. 401, and the new one dies with it.
    let reuse = app
        .post_json(
            "/auth/refresh",
            &json!({"refresh_token": admin.refresh_token}),
        )
        .await;
    assert_problem(reuse, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let after = app
        .post_json("/auth/refresh", &json!({"refresh_token": rotated}))
        .await;
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("logins WHERE revoked_at IS NOT NULL"), 1);
}

#[actix_web::test]
async fn logout_ends_the_login_only() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let other_login = app.login_as(&admin.email, PASSWORD).await;
    let res = app
        .post_json(
            "/auth/logout",
            &json!({"refresh_token": admin.refresh_token}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app
        .post_json(
            "/auth/refresh",
            &json!({"refresh_token": admin.refresh_token}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = app
        .post_json(
            "/auth/refresh",
            &json!({"refresh_token": other_login.refresh_token}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // An unknown token is fine too: logging out twice is not an error.
    let res = app
        .post_json("/auth/logout", &json!({"refresh_token": "onbekend"}))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
}

fn forge(claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .expect("encode")
}

fn claims_for(id: &str, exp_offset: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "sub": id, "role": "admin", "iat": now, "exp": now + exp_offset,
        "iss": "leergemeenschap", "aud": "leergemeenschap-api"
    })
}

#[actix_web::test]
async fn forged_expired_altered_and_unsigned_tokens_are_refused() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let secret = crate::helpers::JWT_SECRET.as_bytes();
    // Sanity: a token we sign ourselves with the right key works.
    let good = forge(&claims_for(&admin.id, 60), secret);
    let ok = app
        .request(Method::GET, "/me")
        .bearer_auth(&good)
        .send()
        .await
        .expect("req");
    assert_eq!(ok.status(), StatusCode::OK);

    let other_key = forge(
        &claims_for(&admin.id, 60),
        b"another-secret-that-is-long-enough!!",
    );
    let expired = forge(&claims_for(&admin.id, -60), secret);
    let mut wrong_audience = claims_for(&admin.id, 60);
    wrong_audience["aud"] = json!("someone-else");
    let wrong_audience = forge(&wrong_audience, secret);
    let header_none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims_for(&admin.id, 60).to_string());
    let unsigned = format!("{header_none}.{payload}.");
    let mut parts: Vec<String> = admin.token.split('.').map(str::to_owned).collect();
    let mut altered_claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).expect("b64")).expect("json");
    altered_claims["sub"] = json!(uuid::Uuid::new_v4().to_string());
    parts[1] = URL_SAFE_NO_PAD.encode(altered_claims.to_string());
    let altered = parts.join(".");

    for token in [
        other_key,
        expired,
        wrong_audience,
        unsigned,
        altered,
        "garbage".into(),
    ] {
        let res = app
            .request(Method::GET, "/me")
            .bearer_auth(&token)
            .send()
            .await
            .expect("req");
        assert_eq!(res.headers()["www-authenticate"], "Bearer");
        assert_problem(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }
    let none = app.get("/me").await;
    assert_problem(none, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[actix_web::test]
async fn deactivation_and_role_changes_apply_on_the_next_request() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let member = app
        .invite_and_register(&admin, "member", "Joost Jansen")
        .await;
    assert_eq!(
        app.get_as(&member, "/invitations").await.status(),
        StatusCode::FORBIDDEN
    );

    let path = format!("/members/{}", member.id);
    let res = app
        .patch_as(&admin, &path, &json!({"role": "facilitator"}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // The same, older token now acts as a facilitator.
    assert_eq!(
        app.get_as(&member, "/invitations").await.status(),
        StatusCode::OK
    );

    let res = app.patch_as(&admin, &path, &json!({"active": false})).await;
    assert_eq!(res.status(), StatusCode::OK);
    // The lists check the member inside their own query; the rest before the handler runs.
    for path in ["/me", "/sessions", "/reflections", "/members"] {
        assert_eq!(
            app.get_as(&member, path).await.status(),
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
    }
    let login = app
        .post_json(
            "/auth/login",
            &json!({"email": member.email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(login.status(), StatusCode::UNAUTHORIZED);
    let refresh = app
        .post_json(
            "/auth/refresh",
            &json!({"refresh_token": member.refresh_token}),
        )
        .await;
    assert_eq!(refresh.status(), StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn register_with_an_invitation_code_works_once() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let email = unique_email("nieuw");
    let invitation: Value = app
        .post_as(
            &admin,
            "/invitations",
            &json!({"email": email, "role": "facilitator"}),
        )
        .await
        .json()
        .await
        .expect("json");
    let body = json!({
        "invitation_code": invitation["code"],
        "display_name": "Ingrid Bakker",
        "password": PASSWORD,
        "member_kind": "executive",
        "job_title": "Bestuurder"
    });
    let res = app.post_json("/auth/register", &body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let created: Value = res.json().await.expect("json");
    assert_eq!(created["member"]["email"], email);
    assert_eq!(created["member"]["role"], "facilitator");
    assert_eq!(created["member"]["member_kind"], "executive");
    assert_eq!(
        location,
        format!(
            "/api/v1/members/{}",
            created["member"]["id"].as_str().unwrap_or_default()
        )
    );

    let again = app.post_json("/auth/register", &body).await;
    assert_problem(again, StatusCode::NOT_FOUND, "not-found").await;
    assert_eq!(app.count("members"), 2);
}

#[actix_web::test]
async fn unknown_revoked_and_expired_codes_are_404() {
    let app = spawn_app_with(|s| s.invitation_ttl = 1).await;
    let admin = app.admin().await;
    let register = |code: Value| {
        json!({
            "invitation_code": code, "display_name": "Kees", "password": PASSWORD,
            "member_kind": "professional"
        })
    };
    let res = app
        .post_json("/auth/register", &register(json!("onbekende-code")))
        .await;
    assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;

    let revoked: Value = app
        .post_as(
            &admin,
            "/invitations",
            &json!({"email": unique_email("x"), "role": "member"}),
        )
        .await
        .json()
        .await
        .expect("json");
    let res = app
        .delete_as(
            &admin,
            &format!(
                "/invitations/{}",
                revoked["id"].as_str().unwrap_or_default()
            ),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app
        .post_json("/auth/register", &register(revoked["code"].clone()))
        .await;
    assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;

    let expiring: Value = app
        .post_as(
            &admin,
            "/invitations",
            &json!({"email": unique_email("y"), "role": "member"}),
        )
        .await
        .json()
        .await
        .expect("json");
    actix_web::rt::time::sleep(Duration::from_millis(1100)).await;
    let res = app
        .post_json("/auth/register", &register(expiring["code"].clone()))
        .await;
    assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;
    assert_eq!(app.count("members"), 1);
}

#[actix_web::test]
async fn register_reports_every_invalid_field() {
    let app = spawn_app().await;
    let res = app
        .post_json(
            "/auth/register",
            &json!({
                "invitation_code": "x", "display_name": "", "password": "kort",
                "member_kind": "bestuurder", "organization": "o".repeat(201)
            }),
        )
        .await;
    let body = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    let mut fields: Vec<&str> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().unwrap_or_default())
        .collect();
    fields.sort_unstable();
    // A wrong enum value and the value rules of the other fields, all in one answer.
    assert_eq!(
        fields,
        ["display_name", "member_kind", "organization", "password"]
    );

    let res = app
        .post_json(
            "/auth/register",
            &json!({
                "invitation_code": "x", "display_name": "", "password": "kort",
                "member_kind": "executive", "organization": "o".repeat(201), "typo": 1
            }),
        )
        .await;
    let body = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(body["errors"].as_array().map(Vec::len), Some(4), "{body}");
    assert!(body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .any(|e| e["field"] == "typo"));

    let res = app
        .post_json(
            "/auth/register",
            &json!({
                "invitation_code": "x", "display_name": "", "password": "kort",
                "member_kind": "executive", "organization": "o".repeat(201)
            }),
        )
        .await;
    let body = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    let mut fields: Vec<&str> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().unwrap_or_default())
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["display_name", "organization", "password"]);

    let res = app.post_json("/auth/register", &json!({})).await;
    let body = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(body["errors"].as_array().map(Vec::len), Some(4), "{body}");
    assert_eq!(app.count("members"), 0);
}

#[actix_web::test]
async fn bodies_that_are_not_json_or_too_big_are_refused() {
    let app = spawn_app().await;
    let res = app
        .request(Method::POST, "/auth/login")
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .expect("req");
    assert_problem(res, StatusCode::BAD_REQUEST, "bad-request").await;

    let res = app
        .request(Method::POST, "/auth/login")
        .header("content-type", "text/plain")
        .body("email=x")
        .send()
        .await
        .expect("req");
    assert_problem(
        res,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
    )
    .await;

    let huge = json!({"email": "a@b.nl", "password": "x".repeat(70 * 1024)});
    let res = app.post_json("/auth/login", &huge).await;
    assert_problem(res, StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large").await;

    let res = app
        .post_json(
            "/auth/login",
            &json!({"email": "a@b.nl", "password": 5, "remember": true}),
        )
        .await;
    let body = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    let mut fields: Vec<&str> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().unwrap_or_default())
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["password", "remember"]);
}
