//! Networks (organisatienetwerken): creating, reading, listing, editing, deleting, and who
//! takes part in them.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, json_body, spawn_app, TestApp, User};

pub fn network_body(name: &str, value: &str) -> Value {
    json!({
        "name": name,
        "description": "Huurders krijgen op maat gesneden hulp van corporatie, zorg en gemeente samen.",
        "task": "Zorgen dat iedere huurder de juiste ondersteuning krijgt.",
        "value": value,
        "focus": {"kind": "target_group", "label": "Huurders na opname"},
        "future": "lasting",
        "legitimacy": [
            {"kind": "formal", "description": "Convenant met de gemeente"},
            {"kind": "moral", "description": "Steun van de huurdersvereniging"}
        ],
        "organizations": ["Woonstichting De Linde", "Zorggroep Oost", "Gemeente Zuiderveld"]
    })
}

pub async fn create_network(app: &TestApp, user: &User, name: &str, value: &str) -> Value {
    let res = app
        .post_as(user, "/networks", &network_body(name, value))
        .await;
    json_body(res, StatusCode::CREATED).await
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|n| n["name"].as_str().expect("name").to_owned())
        .collect()
}

fn member_names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|n| {
            n["member"]["display_name"]
                .as_str()
                .expect("name")
                .to_owned()
        })
        .collect()
}

#[actix_web::test]
async fn facilitator_creates_a_network_that_members_read() {
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
            &facilitator,
            "/networks",
            &network_body("Thuis na opname", "direct"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.headers()["etag"], "\"1\"");
    let location = res.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let created: Value = res.json().await.expect("json");
    assert_eq!(
        location,
        format!("/api/v1/networks/{}", created["id"].as_str().expect("id"))
    );
    assert_eq!(created["name"], "Thuis na opname");
    assert_eq!(created["value"], "direct");
    assert_eq!(
        created["focus"],
        json!({"kind": "target_group", "label": "Huurders na opname"})
    );
    assert_eq!(created["future"], "lasting");
    assert_eq!(created["legitimacy"][1]["kind"], "moral");
    assert_eq!(created["organizations"][2], "Gemeente Zuiderveld");
    assert_eq!(created["member_count"], 0);
    assert_eq!(created["version"], 1);

    let res = app.get_as(&member, &location).await;
    assert_eq!(res.headers()["etag"], "\"1\"");
    let read = json_body(res, StatusCode::OK).await;
    assert_eq!(read, created);

    // Optional fields have defaults.
    let minimal = json!({
        "name": "Leerkring wijkteams",
        "task": "Professionals leren van elkaar",
        "value": "indirect",
        "focus": {"kind": "area", "label": "Zuiderveld"},
        "future": "transitional"
    });
    let res = app.post_as(&admin, "/networks", &minimal).await;
    let body = json_body(res, StatusCode::CREATED).await;
    assert_eq!(body["description"], "");
    assert_eq!(body["legitimacy"], json!([]));
    assert_eq!(body["organizations"], json!([]));
}

#[actix_web::test]
async fn members_cannot_create_networks() {
    let app = spawn_app().await;
    let member = app.member("member").await;
    let res = app
        .post_as(
            &member,
            "/networks",
            &network_body("Thuis na opname", "direct"),
        )
        .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(app.count("networks"), 0);
}

#[actix_web::test]
async fn network_names_are_unique_whatever_their_case() {
    let app = spawn_app().await;
    let facilitator = app.member("facilitator").await;
    create_network(&app, &facilitator, "Thuis na opname", "direct").await;
    let res = app
        .post_as(
            &facilitator,
            "/networks",
            &network_body("  THUIS NA OPNAME ", "both"),
        )
        .await;
    assert_problem(res, StatusCode::CONFLICT, "conflict").await;

    // Unicode case, not just ASCII.
    create_network(&app, &facilitator, "Één wijk, één plan", "direct").await;
    let res = app
        .post_as(
            &facilitator,
            "/networks",
            &network_body("één WIJK, één plan", "direct"),
        )
        .await;
    assert_problem(res, StatusCode::CONFLICT, "conflict").await;
    assert_eq!(app.count("networks"), 2);

    // Renaming onto a taken name is refused too, and changes nothing.
    let other = create_network(&app, &facilitator, "Leerkring wijkteams", "indirect").await;
    let res = app
        .patch_as(
            &facilitator,
            &format!("/networks/{}", other["id"].as_str().expect("id")),
            &json!({"name": "thuis na opname"}),
        )
        .await;
    assert_problem(res, StatusCode::CONFLICT, "conflict").await;
    assert_eq!(
        app.count("networks WHERE name = 'Leerkring wijkteams' AND version = 1"),
        1
    );
}

#[actix_web::test]
async fn invalid_networks_are_422_naming_every_field() {
    let app = spawn_app().await;
    let facilitator = app.member("facilitator").await;
    let res = app
        .post_as(
            &facilitator,
            "/networks",
            &json!({
                "name": " ",
                "task": "Een opgave",
                "value": "heel direct",
                "focus": {"kind": "city", "label": "Zuiderveld"},
                "future": "forever",
                "legitimacy": [{"kind": "formal", "description": ""}],
                "organizations": ["Zorggroep Oost"],
                "colour": "blue"
            }),
        )
        .await;
    let body = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    let mut fields: Vec<String> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field").to_owned())
        .collect();
    fields.sort();
    // Unknown, mistyped and rule-breaking fields, all in one answer.
    assert_eq!(
        fields,
        [
            "colour",
            "focus.kind",
            "future",
            "legitimacy[0].description",
            "name",
            "value"
        ]
    );
    assert_eq!(app.count("networks"), 0);

    // Once the shape is right, the content rules apply, again all at once.
    let mut body = network_body(" ", "direct");
    body["focus"]["label"] = json!("");
    body["legitimacy"] = json!([{"kind": "formal", "description": ""}]);
    let res = app.post_as(&facilitator, "/networks", &body).await;
    let problem = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(problem["errors"].as_array().expect("errors").len(), 3);
    assert_eq!(app.count("networks"), 0);
}

#[actix_web::test]
async fn network_list_filters_orders_and_paginates() {
    let app = spawn_app().await;
    let facilitator = app.member("facilitator").await;
    create_network(&app, &facilitator, "Thuis na opname", "direct").await;
    create_network(&app, &facilitator, "leerkring wijkteams", "indirect").await;
    create_network(&app, &facilitator, "Buurtzorg Zuiderveld", "both").await;
    let mut odd = network_body("Anders organiseren", "indirect");
    odd["description"] = json!("Procedures verbeteren in de WIJK en daarbuiten");
    let res = app.post_as(&facilitator, "/networks", &odd).await;
    assert_eq!(res.status(), StatusCode::CREATED);

    let list = |query: &'static str| {
        let app = &app;
        let user = &facilitator;
        async move {
            json_body(
                app.get_as(user, &format!("/networks{query}")).await,
                StatusCode::OK,
            )
            .await
        }
    };

    // By name, case-insensitive.
    assert_eq!(
        names(&list("").await),
        [
            "Anders organiseren",
            "Buurtzorg Zuiderveld",
            "leerkring wijkteams",
            "Thuis na opname"
        ]
    );
    // `direct` and `indirect` include `both`.
    assert_eq!(
        names(&list("?value=direct").await),
        ["Buurtzorg Zuiderveld", "Thuis na opname"]
    );
    assert_eq!(
        names(&list("?value=indirect").await),
        [
            "Anders organiseren",
            "Buurtzorg Zuiderveld",
            "leerkring wijkteams"
        ]
    );
    assert_eq!(names(&list("?value=both").await), ["Buurtzorg Zuiderveld"]);
    // `q` matches name and description, case-insensitive.
    assert_eq!(
        names(&list("?q=Wijk").await),
        ["Anders organiseren", "leerkring wijkteams"]
    );
    assert_eq!(
        names(&list("?q=wijk&value=indirect&limit=1").await),
        ["Anders organiseren"]
    );

    // Pages follow one another without gaps or repeats, even when a network is added between.
    let first = list("?limit=2").await;
    assert_eq!(names(&first).len(), 2);
    create_network(&app, &facilitator, "Aanpak dak- en thuislozen", "direct").await;
    let cursor = first["next_cursor"].as_str().expect("cursor");
    let res = app
        .get_as(&facilitator, &format!("/networks?limit=2&cursor={cursor}"))
        .await;
    let second = json_body(res, StatusCode::OK).await;
    assert_eq!(names(&second), ["leerkring wijkteams", "Thuis na opname"]);
    assert!(second["next_cursor"].is_null());

    for query in [
        "value=heel",
        "limit=0",
        "limit=101",
        "cursor=nonsense",
        "colour=blue",
    ] {
        let res = app
            .get_as(&facilitator, &format!("/networks?{query}"))
            .await;
        assert_problem(res, StatusCode::BAD_REQUEST, "bad-request").await;
    }
}

#[actix_web::test]
async fn coordinators_edit_their_own_network_only() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let facilitator = app
        .invite_and_register(&admin, "facilitator", "Bram Visser")
        .await;
    let coordinator = app
        .invite_and_register(&admin, "member", "Celine de Wit")
        .await;
    let participant = app
        .invite_and_register(&admin, "member", "Daan Mulder")
        .await;
    let own = create_network(&app, &facilitator, "Thuis na opname", "direct").await;
    let other = create_network(&app, &facilitator, "Leerkring wijkteams", "indirect").await;
    let own_path = format!("/networks/{}", own["id"].as_str().expect("id"));
    let other_path = format!("/networks/{}", other["id"].as_str().expect("id"));
    for (user, role) in [(&coordinator, "coordinator"), (&participant, "participant")] {
        let res = app
            .put_as(
                &facilitator,
                &format!("{own_path}/members/{}", user.id),
                &json!({"role": role}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    app.put_as(
        &facilitator,
        &format!("{other_path}/members/{}", coordinator.id),
        &json!({"role": "participant"}),
    )
    .await;

    // The coordinator edits their network.
    let res = app
        .patch_as(
            &coordinator,
            &own_path,
            &json!({"future": "undecided", "organizations": ["Zorggroep Oost"]}),
        )
        .await;
    assert_eq!(res.headers()["etag"], "\"2\"");
    let edited = json_body(res, StatusCode::OK).await;
    assert_eq!(edited["future"], "undecided");
    assert_eq!(edited["organizations"], json!(["Zorggroep Oost"]));
    assert_eq!(edited["name"], "Thuis na opname");
    assert_eq!(edited["version"], 2);
    assert_eq!(edited["member_count"], 2);

    // A coordinator of another network, a participant: 403, and nothing changes.
    let res = app
        .patch_as(&coordinator, &other_path, &json!({"future": "undecided"}))
        .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = app
        .patch_as(&participant, &own_path, &json!({"future": "transitional"}))
        .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = app
        .patch_as(&participant, &own_path, &json!({"name": ""}))
        .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(
        app.count("networks WHERE future = 'lasting' AND version = 1"),
        1
    );
    assert_eq!(
        app.count("networks WHERE future = 'undecided' AND version = 2"),
        1
    );

    // Nor may they manage the other network's members.
    let res = app
        .put_as(
            &coordinator,
            &format!("{other_path}/members/{}", participant.id),
            &json!({"role": "participant"}),
        )
        .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(
        app.count(&format!(
            "network_members WHERE member_id = '{}'",
            participant.id
        )),
        1
    );

    // A stale If-Match: 412, nothing changes; invalid values: 422.
    let res = app
        .as_user(&coordinator, Method::PATCH, &own_path)
        .header("If-Match", "\"1\"")
        .json(&json!({"value": "both"}))
        .send()
        .await
        .expect("request");
    assert_problem(res, StatusCode::PRECONDITION_FAILED, "precondition-failed").await;
    let res = app
        .patch_as(
            &coordinator,
            &own_path,
            &json!({"value": "everything", "name": ""}),
        )
        .await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(
        app.count("networks WHERE value = 'direct' AND version = 2"),
        1
    );

    let res = app
        .patch_as(
            &admin,
            &format!("/networks/{}", uuid::Uuid::new_v4()),
            &json!({}),
        )
        .await;
    assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;
}

#[actix_web::test]
async fn network_membership_follows_the_rules() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let facilitator = app
        .invite_and_register(&admin, "facilitator", "Bram Visser")
        .await;
    let coordinator = app
        .invite_and_register(&admin, "member", "Celine de Wit")
        .await;
    let zeynep = app
        .invite_and_register(&admin, "member", "Zeynep Kaya")
        .await;
    let ans = app
        .invite_and_register(&admin, "member", "Ans Jansen")
        .await;
    let network = create_network(&app, &facilitator, "Thuis na opname", "direct").await;
    let id = network["id"].as_str().expect("id").to_owned();
    let members_path = format!("/networks/{id}/members");

    // A member cannot add themself; a facilitator makes them coordinator.
    let res = app
        .put_as(
            &coordinator,
            &format!("{members_path}/{}", coordinator.id),
            &json!({"role": "coordinator"}),
        )
        .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = app
        .put_as(
            &facilitator,
            &format!("{members_path}/{}", coordinator.id),
            &json!({"role": "coordinator"}),
        )
        .await;
    let added = json_body(res, StatusCode::CREATED).await;
    assert_eq!(added["role"], "coordinator");
    assert_eq!(added["member"]["id"], coordinator.id.as_str());
    assert!(added["since"].is_string());

    // The coordinator adds others, and changes a role (200).
    let mut joined = Vec::new();
    for user in [&zeynep, &ans] {
        let res = app
            .put_as(
                &coordinator,
                &format!("{members_path}/{}", user.id),
                &json!({"role": "participant"}),
            )
            .await;
        joined.push(json_body(res, StatusCode::CREATED).await);
    }
    let res = app
        .put_as(
            &coordinator,
            &format!("{members_path}/{}", ans.id),
            &json!({"role": "coordinator"}),
        )
        .await;
    let changed = json_body(res, StatusCode::OK).await;
    assert_eq!(changed["role"], "coordinator");
    assert_eq!(changed["since"], joined[1]["since"]);
    let res = app
        .put_as(
            &coordinator,
            &format!("{members_path}/{}", ans.id),
            &json!({"role": "chair"}),
        )
        .await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    let res = app
        .put_as(
            &coordinator,
            &format!("{members_path}/{}", uuid::Uuid::new_v4()),
            &json!({"role": "participant"}),
        )
        .await;
    assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;

    // Listed by display name, with roles; the directory filters by network.
    let res = app.get_as(&zeynep, &members_path).await;
    let list = json_body(res, StatusCode::OK).await;
    assert_eq!(
        member_names(&list),
        ["Ans Jansen", "Celine de Wit", "Zeynep Kaya"]
    );
    assert_eq!(list["items"][0]["role"], "coordinator");
    assert_eq!(list["items"][2]["role"], "participant");
    assert_eq!(list["items"][2]["member"]["network_ids"], json!([id]));
    let page = json_body(
        app.get_as(&zeynep, &format!("{members_path}?limit=2"))
            .await,
        StatusCode::OK,
    )
    .await;
    let cursor = page["next_cursor"].as_str().expect("cursor");
    let rest = json_body(
        app.get_as(&zeynep, &format!("{members_path}?limit=2&cursor={cursor}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(member_names(&rest), ["Zeynep Kaya"]);
    let directory = json_body(
        app.get_as(&zeynep, &format!("/members?network_id={id}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(directory["items"].as_array().expect("items").len(), 3);
    let network = json_body(
        app.get_as(&zeynep, &format!("/networks/{id}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(network["member_count"], 3);

    // A participant may not remove someone else, but may leave.
    let res = app
        .delete_as(&zeynep, &format!("{members_path}/{}", ans.id))
        .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = app
        .delete_as(&zeynep, &format!("{members_path}/{}", zeynep.id))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app
        .delete_as(&zeynep, &format!("{members_path}/{}", zeynep.id))
        .await;
    assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;
    // A coordinator removes others.
    let res = app
        .delete_as(&coordinator, &format!("{members_path}/{}", ans.id))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.count(&format!("network_members WHERE network_id = '{id}'")),
        1
    );

    let res = app
        .get_as(
            &zeynep,
            &format!("/networks/{}/members", uuid::Uuid::new_v4()),
        )
        .await;
    assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;
}

#[actix_web::test]
async fn erased_members_are_not_listed_but_still_counted() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let network = create_network(&app, &admin, "Thuis na opname", "direct").await;
    let id = network["id"].as_str().expect("id");
    let mut users = Vec::new();
    for name in ["Ans Jansen", "Bram Visser"] {
        let user = app.invite_and_register(&admin, "member", name).await;
        app.put_as(
            &admin,
            &format!("/networks/{id}/members/{}", user.id),
            &json!({"role": "participant"}),
        )
        .await;
        users.push(user);
    }
    app.erase_member(&users[0].id);

    let list = json_body(
        app.get_as(&users[1], &format!("/networks/{id}/members"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(member_names(&list), ["Bram Visser"]);
    let as_admin = json_body(
        app.get_as(&admin, &format!("/networks/{id}/members")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(member_names(&as_admin), ["Bram Visser"]);
    let network = json_body(
        app.get_as(&admin, &format!("/networks/{id}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(network["member_count"], 2);
}

#[actix_web::test]
async fn admins_delete_networks_and_reflections_stay() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let facilitator = app
        .invite_and_register(&admin, "facilitator", "Bram Visser")
        .await;
    let network = create_network(&app, &facilitator, "Thuis na opname", "direct").await;
    let id = network["id"].as_str().expect("id").to_owned();
    app.put_as(
        &facilitator,
        &format!("/networks/{id}/members/{}", facilitator.id),
        &json!({"role": "coordinator"}),
    )
    .await;
    app.execute(&format!(
        "INSERT INTO reflections (id, author_id, network_id, title, body, visibility, \
         created_at, updated_at) VALUES ('{}', '{}', '{id}', 'Puber in huis', \
         'Het netwerk wil alles anders.', 'community', '2026-03-01 14:00:00', \
         '2026-03-01 14:00:00')",
        uuid::Uuid::new_v4(),
        facilitator.id
    ));

    // Facilitators and coordinators may not delete.
    let res = app
        .delete_as(&facilitator, &format!("/networks/{id}"))
        .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(app.count("networks"), 1);

    let res = app.delete_as(&admin, &format!("/networks/{id}")).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.count("networks"), 0);
    assert_eq!(app.count("network_members"), 0);
    assert_eq!(app.count("reflections WHERE network_id IS NULL"), 1);
    assert_eq!(
        app.count(&format!(
            "audit_events WHERE action = 'network.deleted' AND target_type = 'network' \
             AND target_id = '{id}' AND actor_id = '{}'",
            admin.id
        )),
        1
    );
    let res = app.get_as(&admin, &format!("/networks/{id}")).await;
    assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;
    let res = app.delete_as(&admin, &format!("/networks/{id}")).await;
    assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;
}
