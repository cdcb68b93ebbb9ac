//! The test harness: every test gets the real app on a random loopback port, backed by a fresh
//! SQLite file in its own temporary folder, and talks to it over HTTP.

use std::path::PathBuf;

use leergemeenschap::config::{DatabaseUrl, Secret, Settings};
use leergemeenschap::Application;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::Value;
use tempfile::TempDir;

pub const JWT_SECRET: &str = "test-secret-that-is-long-enough-for-hs256!";

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db_path: PathBuf,
    #[allow(dead_code)]
    pub settings: Settings,
    /// Removed (with the database) when the test ends.
    pub dir: TempDir,
}

/// Starts the app with default settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the app after `adjust` has changed the settings.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let db_path = dir.path().join("test.db");
    let mut settings = Settings::defaults();
    settings.bind = "127.0.0.1:0".into();
    settings.database_url = DatabaseUrl::Sqlite(db_path.clone());
    settings.jwt_secret = Some(Secret::new(JWT_SECRET));
    settings.log = std::env::var("TEST_LOG").unwrap_or_else(|_| "off".into());
    adjust(&mut settings);
    leergemeenschap::telemetry::init(&settings.log);
    let app = Application::build(settings.clone()).expect("build the app");
    let base = format!("http://127.0.0.1:{}", app.port());
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        base,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        db_path,
        settings,
        dir,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A request to `path`; paths without a leading `/api/v1` or root prefix get `/api/v1`.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(&api_path(path)))
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path)
            .send()
            .await
            .expect("request")
    }

    #[allow(dead_code)]
    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.request(Method::POST, path)
            .json(body)
            .send()
            .await
            .expect("request")
    }
}

/// `/sessions` → `/api/v1/sessions`; `/health`, `/ready`, `/docs…` and `/api/…` stay as given.
pub fn api_path(path: &str) -> String {
    let root = ["/health", "/ready", "/docs", "/api/", "/nothing"];
    if root.iter().any(|r| path.starts_with(r)) {
        path.to_owned()
    } else {
        format!("/api/v1{path}")
    }
}

/// Reads a problem+json response and checks its status and problem type.
pub async fn assert_problem(res: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(res.status(), status, "unexpected status");
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = res.json().await.expect("problem body");
    assert_eq!(body["type"], format!("/problems/{code}"), "{body}");
    assert_eq!(body["status"], status.as_u16());
    body
}

/// `PRAGMA integrity_check` of the SQLite file at `path`.
pub fn integrity_check(path: &std::path::Path) -> String {
    use diesel::{Connection, QueryableByName, RunQueryDsl};
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        integrity_check: String,
    }
    let mut conn = diesel::SqliteConnection::establish(path.to_str().expect("utf-8 path"))
        .expect("open the database");
    let rows: Vec<Row> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut conn)
        .expect("integrity_check");
    rows.into_iter()
        .map(|r| r.integrity_check)
        .collect::<Vec<_>>()
        .join("\n")
}
