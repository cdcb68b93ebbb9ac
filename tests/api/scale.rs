//! Several instances on one database, as deployed behind one address: the invariants that
//! `db::write` guards hold across instances, not only within one, and nothing a request needs
//! lives in one instance's memory (a token from one is good on the other).
//!
//! Runs on both backends: on PostgreSQL the write lock is a transaction-scoped advisory lock
//! every instance takes; on SQLite two processes (here two apps) share the file through WAL and
//! `BEGIN IMMEDIATE`.

use std::collections::HashSet;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{json_body, spawn_app, TestApp, User};
use crate::sessions::{create_session, id_of, queue, registrations, session_body};

type Queue = Vec<(String, String, Option<i64>)>;

/// `(status, waitlist position)` of `member` in a listed queue.
fn status_of(list: &Queue, member: &str) -> (String, Option<i64>) {
    list.iter()
        .find(|(m, _, _)| m == member)
        .map(|(_, s, p)| (s.clone(), *p))
        .unwrap_or_else(|| panic!("{member} is not listed"))
}

/// The waitlisted members of a listed queue with their positions, in queue order.
fn waiting(list: &Queue) -> Vec<(String, i64)> {
    list.iter()
        .filter(|(_, s, _)| s == "waitlisted")
        .map(|(m, _, p)| (m.clone(), p.expect("a waitlist position")))
        .collect()
}

#[actix_web::test]
async fn registration_race_across_two_instances_keeps_capacity_and_queue() {
    const MEMBERS: usize = 60;
    const CAPACITY: usize = 17;
    const WAITING: usize = MEMBERS - CAPACITY;
    let first = spawn_app().await;
    let second = first.second_instance().await;
    let instances: [&TestApp; 2] = [&first, &second];

    // Everyone is made up front, half through each instance, with the admin's token from the
    // first: the instances share the signing key through configuration, nothing else.
    let admin = first.admin().await;
    let facilitator = second
        .invite_and_register(&admin, "facilitator", "Bram Visser")
        .await;
    let mut users: Vec<User> = Vec::with_capacity(MEMBERS);
    for i in 0..MEMBERS {
        users.push(
            instances[i % 2]
                .invite_and_register(&admin, "member", &format!("Deelnemer {i:03}"))
                .await,
        );
    }
    let session = create_session(
        &second,
        &facilitator,
        &session_body("Heldhaftig samenwerken", 60, Some(CAPACITY as i64)),
    )
    .await;
    let id = id_of(&session);
    let path = format!("/sessions/{id}/registration");

    // Every request is built first, then all are sent at once, alternating between instances.
    let requests: Vec<_> = users
        .iter()
        .enumerate()
        .map(|(i, user)| {
            instances[i % 2]
                .as_user(user, Method::POST, &path)
                .json(&json!({}))
        })
        .collect();
    let handles: Vec<_> = requests
        .into_iter()
        .map(|request| {
            actix_web::rt::spawn(async move {
                let res = request.send().await.expect("request");
                let status = res.status();
                let text = res.text().await.expect("body");
                (status, text)
            })
        })
        .collect();
    let mut answers: Vec<Value> = Vec::with_capacity(MEMBERS);
    for handle in handles {
        let (status, text) = handle.await.expect("task");
        assert_eq!(status, StatusCode::CREATED, "{text}");
        answers.push(serde_json::from_str(&text).expect("a JSON body"));
    }

    // The answers: each member once, exactly CAPACITY places, positions 1..=WAITING.
    for (user, answer) in users.iter().zip(&answers) {
        assert_eq!(answer["member"]["id"], user.id.as_str());
        assert_eq!(answer["session_id"], id.as_str());
    }
    let answered: HashSet<&str> = answers
        .iter()
        .map(|a| a["member"]["id"].as_str().expect("member id"))
        .collect();
    assert_eq!(answered.len(), MEMBERS);
    let registered = answers
        .iter()
        .filter(|a| a["status"] == "registered")
        .count();
    assert_eq!(registered, CAPACITY);
    let mut positions: Vec<i64> = answers
        .iter()
        .filter(|a| a["status"] == "waitlisted")
        .map(|a| a["waitlist_position"].as_i64().expect("position"))
        .collect();
    positions.sort();
    let expected: Vec<i64> = (1..=WAITING as i64).collect();
    assert_eq!(positions, expected);

    // Stored: one row per member, CAPACITY places, and a queue order no two rows share (two
    // writers reading the same `max(seq)` would have stored a tie).
    let of_session = format!("registrations WHERE session_id = '{id}'");
    assert_eq!(first.count(&of_session), MEMBERS as i64);
    assert_eq!(
        first.count(&format!(
            "(SELECT DISTINCT member_id FROM registrations WHERE session_id = '{id}') AS m"
        )),
        MEMBERS as i64
    );
    assert_eq!(
        first.count(&format!(
            "(SELECT DISTINCT seq FROM registrations WHERE session_id = '{id}') AS q"
        )),
        MEMBERS as i64
    );
    assert_eq!(
        first.count(&format!("{of_session} AND status = 'registered'")),
        CAPACITY as i64
    );
    assert_eq!(
        first.count(&format!("{of_session} AND status = 'waitlisted'")),
        WAITING as i64
    );

    // Both instances list the same queue, and it agrees with what each member was told.
    let list = queue(&registrations(&first, &facilitator, &id).await);
    assert_eq!(
        queue(&registrations(&second, &facilitator, &id).await),
        list
    );
    assert_eq!(list.len(), MEMBERS);
    let listed: HashSet<&str> = list.iter().map(|(m, _, _)| m.as_str()).collect();
    assert_eq!(listed.len(), MEMBERS);
    assert!(list[..CAPACITY]
        .iter()
        .all(|(_, s, p)| s == "registered" && p.is_none()));
    let listed_positions: Vec<i64> = waiting(&list).into_iter().map(|(_, p)| p).collect();
    assert_eq!(listed_positions, expected);
    for (user, answer) in users.iter().zip(&answers) {
        let (status, position) = status_of(&list, &user.id);
        assert_eq!(answer["status"], status.as_str());
        assert_eq!(answer["waitlist_position"].as_i64(), position);
    }

    // A leave on one instance promotes the first waitlisted as the other sees it, both ways.
    let mut queue_now = list;
    for (leave_on, seen_from) in [(&first, &second), (&second, &first)] {
        let leaver_id = queue_now
            .iter()
            .find(|(_, s, _)| s == "registered")
            .map(|(m, _, _)| m.clone())
            .expect("a registered member");
        let leaver = users.iter().find(|u| u.id == leaver_id).expect("a member");
        let before = waiting(&queue_now);
        let res = leave_on.delete_as(leaver, &path).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);

        let after = queue(&registrations(seen_from, &facilitator, &id).await);
        assert_eq!(status_of(&after, &leaver_id), ("cancelled".into(), None));
        let (promoted_id, _) = &before[0];
        assert_eq!(status_of(&after, promoted_id), ("registered".into(), None));
        let moved_up: Vec<(String, i64)> = before[1..]
            .iter()
            .zip(1..)
            .map(|((m, _), p)| (m.clone(), p))
            .collect();
        assert_eq!(waiting(&after), moved_up);

        // The promoted member sees the place on the other instance too.
        let promoted = users
            .iter()
            .find(|u| &u.id == promoted_id)
            .expect("a member");
        let seen = json_body(
            seen_from.get_as(promoted, &format!("/sessions/{id}")).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(seen["registered_count"], CAPACITY as i64);
        assert_eq!(seen["waitlist_count"], moved_up.len() as i64);
        assert_eq!(seen["my_registration"]["status"], "registered");
        assert!(seen["my_registration"]["waitlist_position"].is_null());
        queue_now = after;
    }
    assert_eq!(
        first.count(&format!("{of_session} AND status = 'registered'")),
        CAPACITY as i64
    );
    assert_eq!(
        first.count(&format!("{of_session} AND status = 'waitlisted'")),
        (WAITING - 2) as i64
    );
}
