//! Full-text search (`GET /reflections?q=`): word prefixes over title, body and tags, Dutch
//! diacritics, hostile input, and search combined with filters and pages.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp, User};
use crate::reflections::{ids, list, reflect, reflection_body, with};

/// Three shared reflections by one author, newest last; returns their ids.
async fn three_reflections(app: &TestApp, author: &User) -> Vec<String> {
    let bodies = [
        json!({
            "title": "Één netwerk, drie organisaties",
            "body": "De corporatie, de zorgaanbieder en de gemeente delen één casustafel.",
            "tags": ["casustafel"],
            "tensions": ["identity"],
        }),
        json!({
            "title": "Wie is eigenaar van de opgave?",
            "body": "Over legitimatie: formeel én moreel. Wie verantwoordt het gezamenlijke geld?",
            "tags": ["coördinatie", "verantwoording"],
            "tensions": ["legitimacy"],
        }),
        json!({
            "title": "Autonomie afstaan in de wijk",
            "body": "Het netwerk beslist wie in onze woningen woont: spannend voor de coördinatie.",
            "tags": ["wijkteam"],
            "tensions": ["autonomy"],
        }),
    ];
    let mut written = Vec::new();
    for body in bodies {
        let created = reflect(app, author, &with(reflection_body(), body)).await;
        written.push(created["id"].as_str().expect("id").to_owned());
    }
    written
}

async fn search(app: &TestApp, user: &User, q: &str) -> Vec<String> {
    ids(&list(app, user, &[("q", q)]).await)
}

/// The ids on every page of `query`, following the cursors; no page holds more than `limit`.
async fn every_page(
    app: &TestApp,
    user: &User,
    query: &[(&str, &str)],
    limit: usize,
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut page = list(app, user, query).await;
    loop {
        let ids = ids(&page);
        assert!(ids.len() <= limit, "{ids:?}");
        seen.extend(ids);
        let Some(cursor) = page["next_cursor"].as_str().map(str::to_owned) else {
            return seen;
        };
        let mut next = query.to_vec();
        next.push(("cursor", &cursor));
        page = list(app, user, &next).await;
    }
}

#[actix_web::test]
async fn words_match_by_prefix_in_title_body_and_tags_newest_first() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let author = app
        .invite_and_register(&admin, "member", "Fatima el Amrani")
        .await;
    let reader = app
        .invite_and_register(&admin, "member", "Joost Bakker")
        .await;
    let [one, two, three]: [String; 3] = three_reflections(&app, &author)
        .await
        .try_into()
        .expect("three");
    // Title, body, tag; whole words and prefixes; every word must match.
    assert_eq!(search(&app, &reader, "eigenaar").await, [two.as_str()]);
    assert_eq!(search(&app, &reader, "zorgaanbied").await, [one.as_str()]);
    assert_eq!(
        search(&app, &reader, "verantwoording").await,
        [two.as_str()]
    );
    assert_eq!(search(&app, &reader, "casus").await, [one.as_str()]);
    assert_eq!(search(&app, &reader, "wo").await, [three.as_str()]);
    assert_eq!(
        search(&app, &reader, "netwerk").await,
        [three.clone(), one.clone()]
    );
    assert_eq!(
        search(&app, &reader, "netwerk woningen").await,
        [three.as_str()]
    );
    assert_eq!(
        search(&app, &reader, "netwerk onbekendwoord").await,
        Vec::<String>::new()
    );
    // Case does not matter.
    assert_eq!(search(&app, &reader, "AUTONOMIE").await, [three.as_str()]);
}

#[actix_web::test]
async fn dutch_diacritics_are_folded_both_ways() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let author = app
        .invite_and_register(&admin, "member", "Fatima el Amrani")
        .await;
    let [one, two, three]: [String; 3] = three_reflections(&app, &author)
        .await
        .try_into()
        .expect("three");
    assert_eq!(search(&app, &author, "één").await, [one.as_str()]);
    assert_eq!(
        search(&app, &author, "een casustafel").await,
        [one.as_str()]
    );
    assert_eq!(
        search(&app, &author, "coördinatie").await,
        [three.clone(), two.clone()]
    );
    assert_eq!(
        search(&app, &author, "coordinatie").await,
        [three.clone(), two.clone()]
    );
    assert_eq!(
        search(&app, &author, "coörd").await,
        [three.clone(), two.clone()]
    );
    // Decomposed input (o + combining diaeresis) is the same word.
    assert_eq!(
        search(&app, &author, "coo\u{308}rdinatie").await,
        [three.clone(), two.clone()]
    );
    assert_eq!(search(&app, &author, "moreel en").await, [two.as_str()]);
}

#[actix_web::test]
async fn whatever_is_typed_is_words_never_syntax() {
    let app = spawn_app().await;
    let member = app.member("member").await;
    let created = reflect(
        &app,
        &member,
        &with(
            reflection_body(),
            json!({"title": "NEAR de wijk: AND OR NOT", "body": "Een \"citaat\" over auto's en zo'n netwerk (1)."}),
        ),
    )
    .await;
    let rid = created["id"].as_str().expect("id").to_owned();
    // Operators, quotes and column filters are plain words; these all occur in the text.
    let found = [
        "\"citaat",
        "citaat\"",
        "\"\"citaat\"\"",
        "wijk AND (",
        "wijk*",
        "*wijk",
        "NEAR(wijk netwerk)",
        "AND",
        "OR",
        "NOT wijk",
        "-wijk",
        "wijk -netwerk",
        "^wijk",
        "wijk + netwerk",
        "auto's",
        "zo'n",
        "(1)",
        "wijk 🙂",
        "wijk' OR '1'='1",
        "%wijk_",
        "\\wijk",
    ];
    for q in found {
        assert_eq!(search(&app, &member, q).await, [rid.as_str()], "{q:?}");
    }
    // Words that do not occur find nothing, even when they look like syntax.
    for q in [
        "title:wijk",
        "{title body}: wijk",
        "NEAR/2",
        "wijk'; DROP TABLE reflections; --",
        "wijk OR organisatie",
    ] {
        assert_eq!(
            search(&app, &member, q).await,
            Vec::<String>::new(),
            "{q:?}"
        );
    }
    // No word at all: nothing matches (and nothing breaks).
    for q in [
        "*", "\"", "\"\"", "()", "🙂🙂", "***", "^", "-", ":", "'", "&&||",
    ] {
        assert_eq!(
            search(&app, &member, q).await,
            Vec::<String>::new(),
            "{q:?}"
        );
    }
    // Blank: no search at all.
    assert_eq!(search(&app, &member, "   ").await, [rid.as_str()]);
    assert_eq!(app.count("reflections"), 1);
}

#[actix_web::test]
async fn search_combines_with_filters_and_pages() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let fatima = app
        .invite_and_register(&admin, "member", "Fatima el Amrani")
        .await;
    let joost = app
        .invite_and_register(&admin, "member", "Joost Bakker")
        .await;
    let mut fatimas = Vec::new();
    for i in 0..5 {
        let body = json!({"title": format!("Wijkteam overleg {i}"), "tags": ["wijkteam"]});
        let created = reflect(&app, &fatima, &with(reflection_body(), body)).await;
        fatimas.push(created["id"].as_str().expect("id").to_owned());
        let body = json!({"title": format!("Wijkteam verslag {i}"), "tags": ["verslag"]});
        reflect(&app, &joost, &with(reflection_body(), body)).await;
    }
    fatimas.reverse();
    let query = [
        ("q", "wijkteam overleg"),
        ("author_id", fatima.id.as_str()),
        ("limit", "2"),
    ];
    assert_eq!(every_page(&app, &joost, &query, 2).await, fatimas);
    let tagged = ids(&list(&app, &joost, &[("q", "wijkteam"), ("tag", "verslag")]).await);
    assert_eq!(tagged.len(), 5);
    let none = ids(&list(&app, &joost, &[("q", "overleg"), ("tag", "verslag")]).await);
    assert!(none.is_empty());
}

#[actix_web::test]
async fn the_index_follows_edits_and_deletions() {
    let app = spawn_app().await;
    let member = app.member("member").await;
    let created = reflect(&app, &member, &reflection_body()).await;
    let path = format!("/reflections/{}", created["id"].as_str().expect("id"));
    let rid = created["id"].as_str().expect("id").to_owned();
    assert_eq!(search(&app, &member, "spiegel").await, [rid.as_str()]);
    let res = app
        .patch_as(
            &member,
            &path,
            &json!({"title": "Legitimatie van het netwerk", "body": "Formeel en moreel.", "tags": ["geld"]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(search(&app, &member, "spiegel").await.is_empty());
    assert!(search(&app, &member, "wijkteam").await.is_empty());
    assert_eq!(
        search(&app, &member, "legitimatie geld moreel").await,
        [rid.as_str()]
    );
    let res = app.delete_as(&member, &path).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(search(&app, &member, "legitimatie").await.is_empty());
    // The index itself holds nothing of it any more, not just the answer.
    let index = if crate::helpers::on_postgres() {
        "reflection_search WHERE document @@ to_tsquery('simple', 'legitimatie')"
    } else {
        "reflections_fts WHERE reflections_fts MATCH 'legitimatie'"
    };
    assert_eq!(app.count(index), 0);
}

/// A prefix that a search has just spelled out as the words it covers ("rol" as "rol") finds
/// a reflection written right after it with a new word it covers ("rolmodel"), and an edit
/// that brings one in.
#[actix_web::test]
async fn a_new_word_is_found_by_the_prefix_searched_just_before() {
    let app = spawn_app().await;
    let member = app.member("member").await;
    let titled = |title: &'static str| {
        let body = with(reflection_body(), json!({ "title": title }));
        let (app, member) = (&app, &member);
        async move {
            let created = reflect(app, member, &body).await;
            created["id"].as_str().expect("id").to_owned()
        }
    };
    let first = titled("De rol van de kwartiermaker").await;
    assert_eq!(search(&app, &member, "rol").await, [first.as_str()]);
    assert_eq!(search(&app, &member, "rol").await, [first.as_str()]);

    let second = titled("Een rolmodel in de wijk").await;
    assert_eq!(
        search(&app, &member, "rol").await,
        [second.as_str(), first.as_str()]
    );

    let third = titled("Spiegelen in de intervisie").await;
    assert_eq!(search(&app, &member, "rol").await.len(), 2);
    let res = app
        .patch_as(
            &member,
            &format!("/reflections/{third}"),
            &json!({"title": "Rolverdeling"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        search(&app, &member, "rol").await,
        [third.as_str(), second.as_str(), first.as_str()]
    );
}

#[actix_web::test]
async fn search_shows_only_what_the_viewer_may_read() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let author = app
        .invite_and_register(&admin, "member", "Fatima el Amrani")
        .await;
    let member = app
        .invite_and_register(&admin, "member", "Joost Bakker")
        .await;
    let mut by_visibility: Vec<(&str, String)> = Vec::new();
    for visibility in ["private", "facilitators", "community"] {
        let body = json!({"title": format!("Geheimzinnig {visibility}"), "visibility": visibility});
        let created = reflect(&app, &author, &with(reflection_body(), body)).await;
        by_visibility.push((visibility, created["id"].as_str().expect("id").to_owned()));
    }
    let id_of = |v: &str| -> String {
        by_visibility
            .iter()
            .find(|(w, _)| *w == v)
            .map(|(_, id)| id.clone())
            .expect("id")
    };
    let everything: Vec<String> = by_visibility
        .iter()
        .rev()
        .map(|(_, id)| id.clone())
        .collect();
    assert_eq!(search(&app, &author, "geheimzinnig").await, everything);
    assert_eq!(
        search(&app, &member, "geheimzinnig").await,
        [id_of("community")]
    );
    assert_eq!(
        search(&app, &admin, "geheimzinnig").await,
        [id_of("community"), id_of("facilitators")]
    );
    assert!(search(&app, &admin, "geheimzinnig private")
        .await
        .is_empty());
}

#[actix_web::test]
async fn search_response_has_the_full_reflection() {
    let app = spawn_app().await;
    let member = app.member("member").await;
    let created = reflect(&app, &member, &reflection_body()).await;
    let page: Value = list(&app, &member, &[("q", "spiegel")]).await;
    assert_eq!(page["items"][0], created);
    assert!(page["next_cursor"].is_null());
}

/// A common word whose newest matches are mostly not the reader's: the page fills from later
/// batches of the index's matches, and paging walks every visible match once, newest first.
#[actix_web::test]
async fn pages_fill_from_later_matches_when_the_newest_are_not_yours() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let author = app
        .invite_and_register(&admin, "member", "Fatima el Amrani")
        .await;
    let reader = app
        .invite_and_register(&admin, "member", "Joost Bakker")
        .await;
    let mut shared = Vec::new();
    for i in 0..160 {
        let visibility = if i % 8 == 0 { "community" } else { "private" };
        let body =
            json!({"title": format!("Kwartiermaker in de wijk {i}"), "visibility": visibility});
        let created = reflect(&app, &author, &with(reflection_body(), body)).await;
        if visibility == "community" {
            shared.push(created["id"].as_str().expect("id").to_owned());
        }
    }
    shared.reverse();
    let query = [("q", "kwartier"), ("limit", "15")];
    assert_eq!(every_page(&app, &reader, &query, 15).await, shared);
    assert_eq!(search(&app, &author, "kwartier").await.len(), 20);
}
