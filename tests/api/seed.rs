//! `seed-demo`: a demo community a frontend developer can log in to at once.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::spawn_app;

const DEMO_PASSWORD: &str = "een demo wachtwoord";

fn seed(app: &crate::helpers::TestApp, force: bool) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_leergemeenschap"));
    command
        .arg("seed-demo")
        .arg("--database-url")
        .arg(app.settings.database_url.to_url())
        .env("LG_DEMO_PASSWORD", DEMO_PASSWORD);
    if force {
        command.arg("--force");
    }
    command.output().expect("run seed-demo")
}

#[actix_web::test]
async fn seed_demo_makes_a_community_to_log_in_to_and_refuses_to_run_twice() {
    let app = spawn_app().await;
    let out = seed(&app, false);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        printed.contains("fatima@leergemeenschap.example"),
        "{printed}"
    );
    assert!(printed.contains(DEMO_PASSWORD));

    let fatima = app
        .login_as("fatima@leergemeenschap.example", DEMO_PASSWORD)
        .await;
    let anne = app
        .login_as("anne@leergemeenschap.example", DEMO_PASSWORD)
        .await;
    let networks: Value = app
        .get_as(&fatima, "/networks")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(networks["items"].as_array().map(Vec::len), Some(2));
    let direct: Value = app
        .get_as(&fatima, "/networks?value=direct")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(direct["items"][0]["name"], "Thuis na opname");
    let sessions: Value = app
        .get_as(&fatima, "/sessions?limit=100")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(sessions["items"].as_array().map(Vec::len), Some(4));
    let full = sessions["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|s| s["waitlist_count"] == 1)
        .expect("a full session with a waitlist");
    assert_eq!(full["registered_count"], 2);
    // Every visibility is there: Fatima sees her private one, Anne (admin) does not.
    let mine: Value = app
        .get_as(&fatima, "/reflections?limit=100")
        .await
        .json()
        .await
        .expect("json");
    let as_admin: Value = app
        .get_as(&anne, "/reflections?limit=100")
        .await
        .json()
        .await
        .expect("json");
    let count = |page: &Value| page["items"].as_array().map_or(0, Vec::len);
    assert_eq!(count(&mine), 4);
    assert_eq!(count(&as_admin), 5);
    let growth: Value = app
        .get_as(&fatima, "/me/growth")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(growth["points"].as_array().map(Vec::len), Some(2));
    let insights = app.get_as(&anne, "/insights/tensions").await;
    assert_eq!(insights.status(), StatusCode::OK);

    let again = seed(&app, false);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    let forced = seed(&app, true);
    assert!(
        forced.status.success(),
        "{}",
        String::from_utf8_lossy(&forced.stderr)
    );
    assert_eq!(app.count("members"), 12);
}
