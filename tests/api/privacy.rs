//! `/me/export`, `/me/growth` and `DELETE /me`.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, unique_email};

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
