//! The reflection log: create, read, edit, delete, comments, filters, and who may read and do
//! what (the authorization matrix).

use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, TestApp, User};

/// A valid reflection body, in the words of the domain.
pub fn reflection_body() -> Value {
    json!({
        "title": "Puber in huis: het netwerk houdt ons de spiegel voor",
        "body": "In het wijkteam merkten we dat het netwerk **eigen regels** maakt.\n\n\
                 De corporatie wil zelf bepalen wie waar woont; de zorgaanbieder kijkt naar de cliënt.",
        "tensions": ["identity", "autonomy"],
        "tags": ["wijkteam", "coördinatie"],
        "competence": {"awareness": 3, "capability": 2},
        "visibility": "community"
    })
}

/// `body` with `changes` merged in.
pub fn with(mut body: Value, changes: Value) -> Value {
    if let (Some(body), Some(changes)) = (body.as_object_mut(), changes.as_object()) {
        for (key, value) in changes {
            body.insert(key.clone(), value.clone());
        }
    }
    body
}

/// `user` writes a reflection; expects 201.
pub async fn reflect(app: &TestApp, user: &User, body: &Value) -> Value {
    let res = app.post_as(user, "/reflections", body).await;
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap_or_default()
    );
    res.json().await.expect("reflection")
}

/// `GET /reflections` with query parameters, expecting 200.
pub async fn list(app: &TestApp, user: &User, query: &[(&str, &str)]) -> Value {
    let res = app
        .as_user(user, Method::GET, "/reflections")
        .query(query)
        .send()
        .await
        .expect("request");
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{query:?}: {}",
        res.text().await.unwrap_or_default()
    );
    res.json().await.expect("page")
}

pub fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect()
}

fn id(resource: &Value) -> String {
    resource["id"].as_str().expect("id").to_owned()
}

async fn json_of(res: Response) -> Value {
    res.json().await.expect("json")
}

/// A 422 naming exactly `fields`, in any order.
async fn assert_invalid(res: Response, fields: &[&str]) {
    let problem = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    let mut got: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect();
    got.sort_unstable();
    let mut expected = fields.to_vec();
    expected.sort_unstable();
    assert_eq!(got, expected, "{problem}");
}

async fn create_invalid(changes: Value, fields: &[&str]) {
    let app = spawn_app().await;
    let member = app.member("member").await;
    let res = app
        .post_as(&member, "/reflections", &with(reflection_body(), changes))
        .await;
    assert_invalid(res, fields).await;
    assert_eq!(app.count("reflections"), 0);
}

// ---- create and read ----

#[actix_web::test]
async fn create_answers_201_with_location_etag_and_the_reflection() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let fatima = app
        .invite_and_register(&admin, "member", "Fatima el Amrani")
        .await;
    let network = app.insert_network_row("Thuis in de Wijk");
    let session = app.insert_session_row("Autonomie afstaan: wie beslist?");
    let body = with(
        reflection_body(),
        json!({
            "session_id": session,
            "network_id": network,
            "tags": ["Wijkteam", " coördinatie ", "wijkteam"],
            "tensions": ["identity", "autonomy", "identity"],
        }),
    );
    let res = app.post_as(&fatima, "/reflections", &body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"].to_str().expect("text").to_owned();
    assert_eq!(res.headers()["etag"], "\"1\"");
    let created: Value = res.json().await.expect("json");
    assert_eq!(
        location,
        format!(
            "/api/v1/reflections/{}",
            created["id"].as_str().expect("id")
        )
    );
    assert_eq!(
        created["author"],
        json!({"id": fatima.id, "display_name": "Fatima el Amrani"})
    );
    assert_eq!(created["session_id"], session);
    assert_eq!(created["network_id"], network);
    assert_eq!(
        created["title"],
        "Puber in huis: het netwerk houdt ons de spiegel voor"
    );
    assert_eq!(created["tensions"], json!(["identity", "autonomy"]));
    assert_eq!(created["tags"], json!(["wijkteam", "coördinatie"]));
    assert_eq!(
        created["competence"],
        json!({"awareness": 3, "capability": 2})
    );
    assert_eq!(created["visibility"], "community");
    assert_eq!(created["comment_count"], 0);
    assert_eq!(created["version"], 1);
    assert_eq!(created["created_at"], created["updated_at"]);

    let res = app.get_as(&fatima, &location).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["etag"], "\"1\"");
    assert_eq!(json_of(res).await, created);
    // The lookup tables follow the JSON columns.
    assert_eq!(app.count("reflection_tags"), 2);
    assert_eq!(app.count("reflection_tensions"), 2);
}

#[actix_web::test]
async fn a_minimal_reflection_is_private_without_links_or_competence() {
    let app = spawn_app().await;
    let member = app.member("member").await;
    let created = reflect(
        &app,
        &member,
        &json!({"title": "Legitimatie", "body": "Van wie is de opgave?"}),
    )
    .await;
    assert_eq!(created["visibility"], "private");
    assert_eq!(created["tensions"], json!([]));
    assert_eq!(created["tags"], json!([]));
    assert!(created["competence"].is_null());
    assert!(created["session_id"].is_null());
    assert!(created["network_id"].is_null());
}

#[actix_web::test]
async fn unknown_or_malformed_reflection_ids_are_404() {
    let app = spawn_app().await;
    let member = app.member("member").await;
    let unknown = uuid::Uuid::new_v4();
    for path in [
        format!("/reflections/{unknown}"),
        "/reflections/geen-uuid".into(),
    ] {
        assert_problem(
            app.get_as(&member, &path).await,
            StatusCode::NOT_FOUND,
            "not-found",
        )
        .await;
    }
    let res = app
        .patch_as(
            &member,
            &format!("/reflections/{unknown}"),
            &json!({"title": "x"}),
        )
        .await;
    assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;
    let res = app
        .delete_as(&member, &format!("/reflections/{unknown}"))
        .await;
    assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;
}

#[actix_web::test]
async fn the_spec_shows_enum_values_as_served() {
    let app = spawn_app().await;
    let spec: Value = app
        .get("/api/v1/openapi.json")
        .await
        .json()
        .await
        .expect("spec");
    let schemas = &spec["components"]["schemas"];
    assert_eq!(
        schemas["Visibility"]["enum"],
        json!(["private", "facilitators", "community"])
    );
    assert_eq!(
        schemas["Tension"]["enum"],
        json!(["identity", "autonomy", "legitimacy"])
    );
}

#[actix_web::test]
async fn reflections_need_a_token() {
    let app = spawn_app().await;
    let res = app.get("/reflections").await;
    assert_problem(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let res = app.post_json("/reflections", &reflection_body()).await;
    assert_problem(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

// ---- bad input: one test each ----

#[actix_web::test]
async fn empty_title_is_422() {
    create_invalid(json!({"title": "   "}), &["title"]).await;
}

#[actix_web::test]
async fn over_long_title_is_422() {
    create_invalid(json!({"title": "é".repeat(201)}), &["title"]).await;
}

#[actix_web::test]
async fn title_of_200_characters_is_fine() {
    let app = spawn_app().await;
    let member = app.member("member").await;
    reflect(
        &app,
        &member,
        &with(reflection_body(), json!({"title": "ö".repeat(200)})),
    )
    .await;
}

#[actix_web::test]
async fn empty_body_is_422() {
    create_invalid(json!({"body": "\n  \n"}), &["body"]).await;
}

#[actix_web::test]
async fn over_long_body_is_422() {
    create_invalid(json!({"body": "x".repeat(20_001)}), &["body"]).await;
}

#[actix_web::test]
async fn empty_tag_is_422() {
    create_invalid(
        json!({"tags": ["wijkteam", "", "  "]}),
        &["tags[1]", "tags[2]"],
    )
    .await;
}

#[actix_web::test]
async fn over_long_tag_is_422() {
    create_invalid(json!({"tags": ["wijkteam", "w".repeat(41)]}), &["tags[1]"]).await;
}

#[actix_web::test]
async fn too_many_tags_is_422() {
    let tags: Vec<String> = (1..=11).map(|i| format!("thema{i}")).collect();
    create_invalid(json!({ "tags": tags }), &["tags"]).await;
}

#[actix_web::test]
async fn unknown_tension_is_422() {
    create_invalid(
        json!({"tensions": ["identity", "puberteit"]}),
        &["tensions[1]"],
    )
    .await;
}

#[actix_web::test]
async fn unknown_visibility_is_422() {
    create_invalid(json!({"visibility": "public"}), &["visibility"]).await;
}

#[actix_web::test]
async fn competence_outside_1_to_5_is_422() {
    create_invalid(
        json!({"competence": {"awareness": 0, "capability": 6}}),
        &["competence.awareness", "competence.capability"],
    )
    .await;
}

#[actix_web::test]
async fn incomplete_competence_is_422() {
    create_invalid(
        json!({"competence": {"awareness": 3}}),
        &["competence.capability"],
    )
    .await;
}

#[actix_web::test]
async fn session_that_does_not_exist_is_422() {
    create_invalid(json!({"session_id": uuid::Uuid::new_v4()}), &["session_id"]).await;
}

#[actix_web::test]
async fn network_that_does_not_exist_is_422() {
    create_invalid(json!({"network_id": uuid::Uuid::new_v4()}), &["network_id"]).await;
}

#[actix_web::test]
async fn every_invalid_value_is_reported_in_one_422() {
    create_invalid(
        json!({
            "title": "",
            "body": "",
            "tags": ["", "ok", "x".repeat(41)],
            "competence": {"awareness": 9, "capability": 1},
            "session_id": uuid::Uuid::new_v4(),
            "network_id": uuid::Uuid::new_v4(),
        }),
        &[
            "title",
            "body",
            "tags[0]",
            "tags[2]",
            "competence.awareness",
            "session_id",
            "network_id",
        ],
    )
    .await;
}

/// A body that does not even have the right shape (unknown fields, wrong types, values outside
/// an enum) is reported field by field too; its values are checked once the shape is right.
#[actix_web::test]
async fn every_malformed_field_is_reported_in_one_422() {
    create_invalid(
        json!({
            "title": 5,
            "network_id": "geen-uuid",
            "visibility": "iedereen",
            "tensions": ["identity", "onbekend"],
            "tags": "wijkteam",
            "kleur": "rood",
        }),
        &[
            "title",
            "network_id",
            "visibility",
            "tensions[1]",
            "tags",
            "kleur",
        ],
    )
    .await;
}

#[actix_web::test]
async fn missing_title_and_body_are_422() {
    let app = spawn_app().await;
    let member = app.member("member").await;
    let res = app.post_as(&member, "/reflections", &json!({})).await;
    assert_invalid(res, &["title", "body"]).await;
}

#[actix_web::test]
async fn body_that_is_not_json_is_400() {
    let app = spawn_app().await;
    let member = app.member("member").await;
    let res = app
        .as_user(&member, Method::POST, "/reflections")
        .header("content-type", "application/json")
        .body("{\"title\": ")
        .send()
        .await
        .expect("request");
    assert_problem(res, StatusCode::BAD_REQUEST, "bad-request").await;
}

// ---- edit ----

#[actix_web::test]
async fn author_edits_with_version_etag_and_partial_fields() {
    let app = spawn_app().await;
    let member = app.member("member").await;
    let session = app.insert_session_row("Puber in huis");
    let created = reflect(
        &app,
        &member,
        &with(reflection_body(), json!({"session_id": session})),
    )
    .await;
    let path = format!("/reflections/{}", id(&created));

    let res = app
        .as_user(&member, Method::PATCH, &path)
        .header("if-match", "\"1\"")
        .json(&json!({
            "title": "Autonomie afstaan",
            "tags": ["wijkbeheer"],
            "tensions": ["autonomy"],
            "session_id": null,
            "competence": {"awareness": 4, "capability": 3},
        }))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["etag"], "\"2\"");
    let edited = json_of(res).await;
    assert_eq!(edited["version"], 2);
    assert_eq!(edited["title"], "Autonomie afstaan");
    assert_eq!(edited["body"], created["body"]);
    assert_eq!(edited["visibility"], "community");
    assert_eq!(edited["tags"], json!(["wijkbeheer"]));
    assert_eq!(edited["tensions"], json!(["autonomy"]));
    assert!(edited["session_id"].is_null());
    assert_eq!(
        edited["competence"],
        json!({"awareness": 4, "capability": 3})
    );
    assert_eq!(edited["created_at"], created["created_at"]);
    assert_ne!(edited["updated_at"], created["updated_at"]);
    assert_eq!(app.count("reflection_tags WHERE tag = 'wijkbeheer'"), 1);
    assert_eq!(app.count("reflection_tags"), 1);

    // Without If-Match the write is unconditional; null clears the competence.
    let res = app
        .patch_as(
            &member,
            &path,
            &json!({"competence": null, "visibility": "private"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let edited = json_of(res).await;
    assert!(edited["competence"].is_null());
    assert_eq!(edited["visibility"], "private");
    assert_eq!(edited["version"], 3);
}

#[actix_web::test]
async fn stale_if_match_is_412_and_nothing_changes() {
    let app = spawn_app().await;
    let member = app.member("member").await;
    let created = reflect(&app, &member, &reflection_body()).await;
    let path = format!("/reflections/{}", id(&created));
    let res = app
        .patch_as(
            &member,
            &path,
            &json!({"body": "Eerste versie bijgewerkt."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    let res = app
        .as_user(&member, Method::PATCH, &path)
        .header("if-match", "\"1\"")
        .json(&json!({"body": "Overschrijft de nieuwere versie."}))
        .send()
        .await
        .expect("request");
    assert_problem(res, StatusCode::PRECONDITION_FAILED, "precondition-failed").await;
    let now = json_of(app.get_as(&member, &path).await).await;
    assert_eq!(now["body"], "Eerste versie bijgewerkt.");
    assert_eq!(now["version"], 2);
}

#[actix_web::test]
async fn invalid_edits_are_422_and_change_nothing() {
    let app = spawn_app().await;
    let member = app.member("member").await;
    let created = reflect(&app, &member, &reflection_body()).await;
    let path = format!("/reflections/{}", id(&created));
    let res = app
        .patch_as(
            &member,
            &path,
            &json!({
                "title": null,
                "body": "",
                "tags": ["x".repeat(41)],
                "visibility": null,
                "network_id": uuid::Uuid::new_v4(),
                "competence": {"awareness": 6, "capability": 0},
            }),
        )
        .await;
    assert_invalid(
        res,
        &[
            "title",
            "body",
            "tags[0]",
            "visibility",
            "network_id",
            "competence.awareness",
            "competence.capability",
        ],
    )
    .await;
    let res = app
        .patch_as(
            &member,
            &path,
            &json!({"visibility": "geheim", "auteur": "ik"}),
        )
        .await;
    assert_invalid(res, &["visibility", "auteur"]).await;
    let now = json_of(app.get_as(&member, &path).await).await;
    assert_eq!(now, created);
}

#[actix_web::test]
async fn editing_someone_elses_reflection_is_404_when_hidden_and_403_when_visible() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let author = app
        .invite_and_register(&admin, "member", "Fatima el Amrani")
        .await;
    let other = app
        .invite_and_register(&admin, "member", "Joost Bakker")
        .await;
    let facilitator = app
        .invite_and_register(&admin, "facilitator", "Bram Visser")
        .await;
    let mut by_visibility = Vec::new();
    for visibility in ["private", "facilitators", "community"] {
        let created = reflect(
            &app,
            &author,
            &with(reflection_body(), json!({"visibility": visibility})),
        )
        .await;
        by_visibility.push((visibility, created));
    }
    let change = json!({"title": "Overgenomen door een ander"});
    for (visibility, created) in &by_visibility {
        let path = format!("/reflections/{}", id(created));
        for (who, user) in [
            ("member", &other),
            ("facilitator", &facilitator),
            ("admin", &admin),
        ] {
            let sees = match *visibility {
                "private" => false,
                "facilitators" => who != "member",
                _ => true,
            };
            let res = app.patch_as(user, &path, &change).await;
            if sees {
                assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
            } else {
                assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;
            }
        }
        let now = json_of(app.get_as(&author, &path).await).await;
        assert_eq!(&now, created, "{visibility}");
    }
}

// ---- delete ----

#[actix_web::test]
async fn author_deletes_a_reflection_with_its_comments() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let author = app
        .invite_and_register(&admin, "member", "Fatima el Amrani")
        .await;
    let other = app
        .invite_and_register(&admin, "member", "Joost Bakker")
        .await;
    let created = reflect(&app, &author, &reflection_body()).await;
    let path = format!("/reflections/{}", id(&created));
    let res = app
        .post_as(
            &other,
            &format!("{path}/comments"),
            &json!({"body": "Herkenbaar!"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);

    let res = app.delete_as(&author, &path).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_problem(
        app.get_as(&author, &path).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    assert_eq!(app.count("reflections"), 0);
    assert_eq!(app.count("comments"), 0);
    assert_eq!(app.count("reflection_tags"), 0);
    assert_eq!(app.count("reflection_tensions"), 0);
    // The author's own deletion is no moderation.
    assert_eq!(
        app.count("audit_events WHERE action = 'reflection.moderated'"),
        0
    );
}

#[actix_web::test]
async fn admin_moderates_non_private_reflections_and_the_audit_trail_records_it() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let author = app
        .invite_and_register(&admin, "member", "Fatima el Amrani")
        .await;
    for visibility in ["facilitators", "community"] {
        let created = reflect(
            &app,
            &author,
            &with(reflection_body(), json!({"visibility": visibility})),
        )
        .await;
        let res = app
            .delete_as(&admin, &format!("/reflections/{}", id(&created)))
            .await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT, "{visibility}");
        let target = format!(
            "audit_events WHERE action = 'reflection.moderated' AND target_id = '{}' AND actor_id = '{}'",
            id(&created),
            admin.id
        );
        assert_eq!(app.count(&target), 1);
    }
    // A private one does not exist for the admin.
    let private = reflect(
        &app,
        &author,
        &with(reflection_body(), json!({"visibility": "private"})),
    )
    .await;
    let res = app
        .delete_as(&admin, &format!("/reflections/{}", id(&private)))
        .await;
    assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;
    assert_eq!(app.count("reflections"), 1);
}

#[actix_web::test]
async fn others_cannot_delete_a_reflection_they_can_read() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let author = app
        .invite_and_register(&admin, "member", "Fatima el Amrani")
        .await;
    let other = app
        .invite_and_register(&admin, "member", "Joost Bakker")
        .await;
    let facilitator = app
        .invite_and_register(&admin, "facilitator", "Bram Visser")
        .await;
    let community = reflect(&app, &author, &reflection_body()).await;
    let staff_only = reflect(
        &app,
        &author,
        &with(reflection_body(), json!({"visibility": "facilitators"})),
    )
    .await;
    let path = |r: &Value| format!("/reflections/{}", id(r));
    let res = app.delete_as(&other, &path(&community)).await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = app.delete_as(&facilitator, &path(&community)).await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = app.delete_as(&facilitator, &path(&staff_only)).await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = app.delete_as(&other, &path(&staff_only)).await;
    assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;
    assert_eq!(app.count("reflections"), 2);
}

// ---- comments ----

#[actix_web::test]
async fn comments_are_listed_oldest_first_with_pages() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let author = app
        .invite_and_register(&admin, "member", "Fatima el Amrani")
        .await;
    let other = app
        .invite_and_register(&admin, "member", "Joost Bakker")
        .await;
    let created = reflect(&app, &author, &reflection_body()).await;
    let comments_path = format!("/reflections/{}/comments", id(&created));
    let mut written = Vec::new();
    for (i, user) in [&other, &author, &other].into_iter().enumerate() {
        let res = app
            .post_as(
                user,
                &comments_path,
                &json!({"body": format!("Reactie {i}: herkenbaar!")}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let location = res.headers()["location"].to_str().expect("text").to_owned();
        let comment = json_of(res).await;
        assert_eq!(location, format!("/api/v1/comments/{}", id(&comment)));
        assert_eq!(comment["reflection_id"], created["id"]);
        assert_eq!(comment["author"]["id"], user.id.as_str());
        assert_eq!(json_of(app.get_as(&other, &location).await).await, comment);
        written.push(id(&comment));
    }
    let first = json_of(
        app.get_as(&other, &format!("{comments_path}?limit=2"))
            .await,
    )
    .await;
    assert_eq!(ids(&first), written[..2]);
    assert_eq!(first["items"][0]["author"]["display_name"], "Joost Bakker");
    let cursor = first["next_cursor"].as_str().expect("cursor");
    let second = json_of(
        app.get_as(&other, &format!("{comments_path}?limit=2&cursor={cursor}"))
            .await,
    )
    .await;
    assert_eq!(ids(&second), written[2..]);
    assert!(second["next_cursor"].is_null());

    let reflection = json_of(
        app.get_as(&other, &format!("/reflections/{}", id(&created)))
            .await,
    )
    .await;
    assert_eq!(reflection["comment_count"], 3);
    let res = app
        .get_as(&other, &format!("{comments_path}?limit=0"))
        .await;
    assert_problem(res, StatusCode::BAD_REQUEST, "bad-request").await;
}

#[actix_web::test]
async fn comment_body_must_be_1_to_5000_characters() {
    let app = spawn_app().await;
    let member = app.member("member").await;
    let created = reflect(&app, &member, &reflection_body()).await;
    let path = format!("/reflections/{}/comments", id(&created));
    for body in [json!({"body": "  "}), json!({"body": "x".repeat(5001)})] {
        assert_invalid(app.post_as(&member, &path, &body).await, &["body"]).await;
    }
    assert_invalid(app.post_as(&member, &path, &json!({})).await, &["body"]).await;
    let res = app
        .post_as(&member, &path, &json!({"body": "é".repeat(5000)}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

#[actix_web::test]
async fn a_private_reflection_takes_no_comments_not_even_from_its_author() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let author = app
        .invite_and_register(&admin, "member", "Fatima el Amrani")
        .await;
    let private = reflect(
        &app,
        &author,
        &with(reflection_body(), json!({"visibility": "private"})),
    )
    .await;
    let path = format!("/reflections/{}/comments", id(&private));
    let comment = json!({"body": "Notitie aan mezelf"});
    let res = app.post_as(&author, &path, &comment).await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = app.post_as(&admin, &path, &comment).await;
    assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;
    assert_eq!(app.count("comments"), 0);
}

#[actix_web::test]
async fn comments_are_deleted_by_their_author_or_moderated_by_an_admin() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let author = app
        .invite_and_register(&admin, "member", "Fatima el Amrani")
        .await;
    let commenter = app
        .invite_and_register(&admin, "member", "Joost Bakker")
        .await;
    let bystander = app
        .invite_and_register(&admin, "facilitator", "Bram Visser")
        .await;
    let created = reflect(&app, &author, &reflection_body()).await;
    let path = format!("/reflections/{}/comments", id(&created));
    let mut comments = Vec::new();
    for _ in 0..2 {
        let res = app
            .post_as(
                &commenter,
                &path,
                &json!({"body": "Bij ons hielp een casustafel."}),
            )
            .await;
        comments.push(id(&json_of(res).await));
    }

    // Neither the reflection's author nor a facilitator deletes someone else's comment.
    for user in [&author, &bystander] {
        let res = app
            .delete_as(user, &format!("/comments/{}", comments[0]))
            .await;
        assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let res = app
        .delete_as(&commenter, &format!("/comments/{}", comments[0]))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.count("audit_events WHERE action = 'comment.moderated'"),
        0
    );

    let res = app
        .delete_as(&admin, &format!("/comments/{}", comments[1]))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let moderated = format!(
        "audit_events WHERE action = 'comment.moderated' AND target_id = '{}' AND actor_id = '{}'",
        comments[1], admin.id
    );
    assert_eq!(app.count(&moderated), 1);
    assert_eq!(app.count("comments"), 0);
    let res = app
        .delete_as(&admin, &format!("/comments/{}", comments[1]))
        .await;
    assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;
}

#[actix_web::test]
async fn comments_on_a_reflection_you_cannot_read_are_404() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let author = app
        .invite_and_register(&admin, "member", "Fatima el Amrani")
        .await;
    let member = app
        .invite_and_register(&admin, "member", "Joost Bakker")
        .await;
    let created = reflect(&app, &author, &reflection_body()).await;
    let res = app
        .post_as(
            &member,
            &format!("/reflections/{}/comments", id(&created)),
            &json!({"body": "Mooi verwoord."}),
        )
        .await;
    let comment = id(&json_of(res).await);
    // The author narrows the audience: the commenter can no longer reach the comment.
    let res = app
        .patch_as(
            &author,
            &format!("/reflections/{}", id(&created)),
            &json!({"visibility": "facilitators"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.get_as(&member, &format!("/comments/{comment}")).await;
    assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;
    let res = app
        .delete_as(&member, &format!("/comments/{comment}"))
        .await;
    assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;
    // Private: not even the admin reaches it.
    app.patch_as(
        &author,
        &format!("/reflections/{}", id(&created)),
        &json!({"visibility": "private"}),
    )
    .await;
    let res = app.delete_as(&admin, &format!("/comments/{comment}")).await;
    assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;
    assert_eq!(app.count("comments"), 1);
    let res = app
        .get_as(&admin, &format!("/comments/{}", uuid::Uuid::new_v4()))
        .await;
    assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;
}

// ---- lists ----

#[actix_web::test]
async fn list_is_newest_first_and_pages_neither_skip_nor_repeat() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let author = app
        .invite_and_register(&admin, "member", "Fatima el Amrani")
        .await;
    let reader = app
        .invite_and_register(&admin, "member", "Joost Bakker")
        .await;
    let mut written = Vec::new();
    for i in 0..5 {
        let visibility = if i == 2 { "private" } else { "community" };
        let created = reflect(
            &app,
            &author,
            &with(
                reflection_body(),
                json!({"title": format!("Bijeenkomst {i}"), "visibility": visibility}),
            ),
        )
        .await;
        if visibility == "community" {
            written.push(id(&created));
        }
    }
    written.reverse();
    let first = list(&app, &reader, &[("limit", "2")]).await;
    assert_eq!(ids(&first), written[..2]);
    // New reflections meanwhile do not shift the following pages.
    reflect(&app, &author, &reflection_body()).await;
    let cursor = first["next_cursor"].as_str().expect("cursor").to_owned();
    let second = list(&app, &reader, &[("limit", "2"), ("cursor", &cursor)]).await;
    assert_eq!(ids(&second), written[2..]);
    assert!(second["next_cursor"].is_null());
    // The author also sees their private one, in its place.
    let own = list(&app, &author, &[]).await;
    assert_eq!(ids(&own).len(), 6);
    let item = &own["items"][0];
    assert_eq!(item["author"]["display_name"], "Fatima el Amrani");
    assert_eq!(item["comment_count"], 0);
}

#[actix_web::test]
async fn filters_combine_with_each_other() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let fatima = app
        .invite_and_register(&admin, "member", "Fatima el Amrani")
        .await;
    let joost = app
        .invite_and_register(&admin, "member", "Joost Bakker")
        .await;
    let network = app.insert_network_row("Thuis in de Wijk");
    let session = app.insert_session_row("Legitimatie: van wie is de opgave?");
    let a = reflect(
        &app,
        &fatima,
        &with(
            reflection_body(),
            json!({"network_id": network, "session_id": session, "tensions": ["legitimacy", "identity"], "tags": ["Wijkteam"]}),
        ),
    )
    .await;
    let b = reflect(
        &app,
        &fatima,
        &with(reflection_body(), json!({"network_id": network, "tensions": ["autonomy", "identity"], "tags": ["huurders"]})),
    )
    .await;
    let c = reflect(
        &app,
        &joost,
        &with(reflection_body(), json!({"session_id": session, "tensions": ["identity", "legitimacy"], "tags": ["wijkteam"]})),
    )
    .await;
    let (a, b, c) = (id(&a), id(&b), id(&c));
    type Case<'a> = (Vec<(&'a str, &'a str)>, Vec<&'a String>);
    let cases: Vec<Case> = vec![
        (vec![("author_id", &fatima.id)], vec![&b, &a]),
        (vec![("network_id", &network)], vec![&b, &a]),
        (vec![("session_id", &session)], vec![&c, &a]),
        (vec![("tension", "legitimacy")], vec![&c, &a]),
        (vec![("tag", " WIJKTEAM ")], vec![&c, &a]),
        (
            vec![("tag", "wijkteam"), ("author_id", &joost.id)],
            vec![&c],
        ),
        (
            vec![("tension", "legitimacy"), ("network_id", &network)],
            vec![&a],
        ),
        (vec![("tension", "identity")], vec![&c, &b, &a]),
        (vec![("tag", "huurders"), ("session_id", &session)], vec![]),
        (vec![("author_id", &admin.id)], vec![]),
    ];
    for (query, expected) in cases {
        let page = list(&app, &joost, &query).await;
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        assert_eq!(ids(&page), expected, "{query:?}");
    }
    // Filters and cursors combine too.
    let first = list(&app, &joost, &[("tension", "identity"), ("limit", "2")]).await;
    assert_eq!(ids(&first), [c.clone(), b.clone()]);
    let cursor = first["next_cursor"].as_str().expect("cursor").to_owned();
    let rest = list(
        &app,
        &joost,
        &[("tension", "identity"), ("limit", "2"), ("cursor", &cursor)],
    )
    .await;
    assert_eq!(ids(&rest), [a.as_str()]);
}

#[actix_web::test]
async fn bad_filter_values_are_400() {
    let app = spawn_app().await;
    let member = app.member("member").await;
    for query in [
        "author_id=fatima",
        "session_id=12",
        "network_id=",
        "tension=puberteit",
        "tension=",
        "tag=",
        "tag=%20%20",
        &format!("tag={}", "t".repeat(41)),
        "limit=0",
        "limit=101",
        "limit=veel",
        "cursor=niet-van-ons",
        "kleur=rood",
        &format!("q={}", "woord ".repeat(100)),
    ] {
        let res = app.get_as(&member, &format!("/reflections?{query}")).await;
        assert_problem(res, StatusCode::BAD_REQUEST, "bad-request").await;
    }
}

// ---- the authorization matrix ----

/// For each visibility and each kind of viewer, every read path shows exactly what the
/// contract allows: get, list, list with each filter, search, comment count, the comments
/// list, a single comment, and writing a comment.
#[actix_web::test]
async fn authorization_matrix_of_every_read_path() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let author = app
        .invite_and_register(&admin, "member", "Fatima el Amrani")
        .await;
    let member = app
        .invite_and_register(&admin, "member", "Joost Bakker")
        .await;
    let facilitator = app
        .invite_and_register(&admin, "facilitator", "Bram Visser")
        .await;
    let network = app.insert_network_row("Thuis in de Wijk");
    let session = app.insert_session_row("Puber in huis");

    // One reflection per visibility, each with one comment written while it was shared.
    let mut reflections = Vec::new();
    for visibility in ["private", "facilitators", "community"] {
        let created = reflect(
            &app,
            &author,
            &with(
                reflection_body(),
                json!({
                    "title": format!("Matrix {visibility}: autonomie afstaan"),
                    "session_id": session,
                    "network_id": network,
                    "tensions": ["legitimacy"],
                    "tags": ["matrix"],
                    "visibility": "community",
                }),
            ),
        )
        .await;
        let rid = id(&created);
        let res = app
            .post_as(
                &author,
                &format!("/reflections/{rid}/comments"),
                &json!({"body": "Aanvulling van de auteur."}),
            )
            .await;
        let comment = id(&json_of(res).await);
        let res = app
            .patch_as(
                &author,
                &format!("/reflections/{rid}"),
                &json!({"visibility": visibility}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        reflections.push((visibility, rid, comment));
    }

    let viewers = [
        ("author", &author),
        ("member", &member),
        ("facilitator", &facilitator),
        ("admin", &admin),
    ];
    let allowed = |visibility: &str, viewer: &str| match visibility {
        "private" => viewer == "author",
        "facilitators" => viewer != "member",
        _ => true,
    };
    let filters: Vec<Vec<(&str, &str)>> = vec![
        vec![],
        vec![("author_id", &author.id)],
        vec![("session_id", &session)],
        vec![("network_id", &network)],
        vec![("tension", "legitimacy")],
        vec![("tag", "matrix")],
        vec![("q", "matrix autonomie")],
        vec![
            ("q", "Matrix"),
            ("tag", "matrix"),
            ("tension", "legitimacy"),
            ("author_id", &author.id),
        ],
    ];

    for (who, viewer) in viewers {
        let mut lists = Vec::new();
        for filter in &filters {
            lists.push((filter, list(&app, viewer, filter).await));
        }
        for (visibility, rid, comment) in &reflections {
            let sees = allowed(visibility, who);
            let case = format!("{visibility} reflection, {who}");

            let res = app.get_as(viewer, &format!("/reflections/{rid}")).await;
            if sees {
                assert_eq!(res.status(), StatusCode::OK, "get: {case}");
                assert_eq!(
                    json_of(res).await["comment_count"],
                    1,
                    "comment_count: {case}"
                );
            } else {
                assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;
            }

            for (filter, page) in &lists {
                let item = page["items"]
                    .as_array()
                    .expect("items")
                    .iter()
                    .find(|r| r["id"] == rid.as_str());
                assert_eq!(item.is_some(), sees, "list {filter:?}: {case}");
                if let Some(item) = item {
                    assert_eq!(item["comment_count"], 1, "list comment_count: {case}");
                }
            }

            let res = app
                .get_as(viewer, &format!("/reflections/{rid}/comments"))
                .await;
            if sees {
                assert_eq!(res.status(), StatusCode::OK, "comments: {case}");
                assert_eq!(
                    ids(&json_of(res).await),
                    [comment.as_str()],
                    "comments: {case}"
                );
            } else {
                assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;
            }

            let res = app.get_as(viewer, &format!("/comments/{comment}")).await;
            let expected = if sees {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(res.status(), expected, "comment: {case}");
        }
    }

    // Writing a comment last, so the counts above stay put.
    for (who, viewer) in viewers {
        for (visibility, rid, _) in &reflections {
            let case = format!("comment on {visibility} reflection by {who}");
            let res = app
                .post_as(
                    viewer,
                    &format!("/reflections/{rid}/comments"),
                    &json!({"body": "Herkenbaar."}),
                )
                .await;
            match (allowed(visibility, who), *visibility) {
                (false, _) => {
                    assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;
                }
                (true, "private") => {
                    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
                }
                (true, _) => assert_eq!(res.status(), StatusCode::CREATED, "{case}"),
            }
        }
    }
    // private: none; facilitators: author, facilitator, admin; community: all four.
    let counts: Vec<i64> = reflections
        .iter()
        .map(|(_, rid, _)| app.count(&format!("comments WHERE reflection_id = '{rid}'")))
        .collect();
    assert_eq!(counts, [1, 4, 5]);
}

#[actix_web::test]
async fn deactivated_members_read_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let author = app
        .invite_and_register(&admin, "member", "Fatima el Amrani")
        .await;
    let reader = app
        .invite_and_register(&admin, "member", "Joost Bakker")
        .await;
    let created = reflect(&app, &author, &reflection_body()).await;
    let res = app
        .patch_as(
            &admin,
            &format!("/members/{}", reader.id),
            &json!({"active": false}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .get_as(&reader, &format!("/reflections/{}", id(&created)))
        .await;
    assert_problem(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let res = app.get_as(&reader, "/reflections").await;
    assert_problem(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
}
