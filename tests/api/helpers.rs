//! The test harness: every test gets the real app on a random loopback port, backed by a fresh
//! SQLite file in its own temporary folder, and talks to it over HTTP.

use std::sync::atomic::{AtomicUsize, Ordering};

use leergemeenschap::config::{DatabaseUrl, Secret, Settings};
use leergemeenschap::db::establish_postgres;
use leergemeenschap::Application;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};
use tempfile::TempDir;

pub const JWT_SECRET: &str = "test-secret-that-is-long-enough-for-hs256!";

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub settings: Settings,
    /// Removed (with the database) when the test ends.
    pub dir: TempDir,
    /// The test's own PostgreSQL database, dropped when the test ends.
    _postgres: Option<PostgresDb>,
}

/// Which backend the suite runs on: `LG_TEST_BACKEND=postgres` selects PostgreSQL (at
/// `LG_TEST_POSTGRES_URL`, default the local server's `test` database, where each test
/// creates a database of its own); anything else, the embedded SQLite default.
pub fn on_postgres() -> bool {
    std::env::var("LG_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

fn postgres_admin_url() -> String {
    std::env::var("LG_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A fresh database on the test PostgreSQL server, dropped on drop.
pub struct PostgresDb {
    name: String,
    pub url: String,
}

impl PostgresDb {
    pub fn create() -> Self {
        use diesel::RunQueryDsl;
        let admin = postgres_admin_url();
        let name = format!("lg_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = establish_postgres(&admin).expect("connect to PostgreSQL");
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .expect("create a test database");
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        let url = format!("{base}/{name}");
        PostgresDb { name, url }
    }
}

impl Drop for PostgresDb {
    fn drop(&mut self) {
        use diesel::RunQueryDsl;
        if let Ok(mut conn) = establish_postgres(&postgres_admin_url()) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut conn);
        }
    }
}

/// Starts the app with default settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the app after `adjust` has changed the settings.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let db_path = dir.path().join("test.db");
    let postgres = on_postgres().then(PostgresDb::create);
    let mut settings = Settings::defaults();
    settings.bind = "127.0.0.1:0".into();
    settings.database_url = match &postgres {
        Some(pg) => DatabaseUrl::Postgres(pg.url.clone()),
        None => DatabaseUrl::Sqlite(db_path.clone()),
    };
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
        settings,
        dir,
        _postgres: postgres,
    }
}

/// A member of the test community, logged in.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub email: String,
    pub password: String,
    pub token: String,
    pub refresh_token: String,
}

pub const PASSWORD: &str = "een lang genoeg wachtwoord";

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh email address.
pub fn unique_email(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}{n}@leergemeenschap.example")
}

impl TestApp {
    /// A new admin, made the way the first admin is (the `create-admin` logic), logged in.
    pub async fn admin(&self) -> User {
        let email = unique_email("admin");
        let pool = leergemeenschap::db::connect(&self.settings.database_url, 1).expect("pool");
        let password = Secret::new(PASSWORD);
        let id =
            leergemeenschap::members::create_admin(&pool, &email, "Anne de Beheerder", &password)
                .expect("create admin");
        let mut user = self.login_as(&email, PASSWORD).await;
        assert_eq!(user.id, id.to_string());
        user.password = PASSWORD.into();
        user
    }

    /// A new member with `role`, invited by a new admin and registered over HTTP.
    pub async fn member(&self, role: &str) -> User {
        let admin = self.admin().await;
        self.invite_and_register(&admin, role, "Fatima el Amrani")
            .await
    }

    /// `inviter` invites a new email with `role`; the invitee registers as `name`.
    pub async fn invite_and_register(&self, inviter: &User, role: &str, name: &str) -> User {
        let email = unique_email("lid");
        let res = self
            .post_as(
                inviter,
                "/invitations",
                &json!({"email": email, "role": role}),
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "{}",
            res.text().await.unwrap_or_default()
        );
        let invitation: Value = res.json().await.expect("invitation");
        let res = self
            .post_json(
                "/auth/register",
                &json!({
                    "invitation_code": invitation["code"],
                    "display_name": name,
                    "password": PASSWORD,
                    "member_kind": "professional",
                    "organization": "Woonstichting De Linde"
                }),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let body: Value = res.json().await.expect("tokens");
        user_from(&body, &email)
    }

    /// Logs in, expecting success.
    pub async fn login_as(&self, email: &str, password: &str) -> User {
        let res = self
            .post_json(
                "/auth/login",
                &json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "login of {email}");
        let body: Value = res.json().await.expect("tokens");
        let mut user = user_from(&body, email);
        user.password = password.into();
        user
    }

    pub fn as_user(&self, user: &User, method: Method, path: &str) -> RequestBuilder {
        self.request(method, path).bearer_auth(&user.token)
    }

    pub async fn get_as(&self, user: &User, path: &str) -> Response {
        self.as_user(user, Method::GET, path)
            .send()
            .await
            .expect("request")
    }

    pub async fn post_as(&self, user: &User, path: &str, body: &Value) -> Response {
        self.as_user(user, Method::POST, path)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn patch_as(&self, user: &User, path: &str, body: &Value) -> Response {
        self.as_user(user, Method::PATCH, path)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn put_as(&self, user: &User, path: &str, body: &Value) -> Response {
        self.as_user(user, Method::PUT, path)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn delete_as(&self, user: &User, path: &str) -> Response {
        self.as_user(user, Method::DELETE, path)
            .send()
            .await
            .expect("request")
    }

    /// A connection to the test database (either backend), to check stored state.
    pub fn db(&self) -> leergemeenschap::db::DbPool {
        leergemeenschap::db::connect(&self.settings.database_url, 1).expect("connect")
    }

    /// `SELECT COUNT(*)` of a table, optionally with a WHERE clause.
    pub fn count(&self, table_and_where: &str) -> i64 {
        use diesel::{QueryableByName, RunQueryDsl};
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let pool = self.db();
        let mut conn = pool.get().expect("connection");
        let rows: Vec<Row> =
            diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table_and_where}"))
                .load(&mut *conn)
                .expect("count");
        rows[0].n
    }

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

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.request(Method::POST, path)
            .json(body)
            .send()
            .await
            .expect("request")
    }
}

fn user_from(body: &Value, email: &str) -> User {
    User {
        id: body["member"]["id"].as_str().expect("member id").to_owned(),
        email: email.to_owned(),
        password: PASSWORD.to_owned(),
        token: body["access_token"]
            .as_str()
            .expect("access token")
            .to_owned(),
        refresh_token: body["refresh_token"]
            .as_str()
            .expect("refresh token")
            .to_owned(),
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

/// Direct database edits, for states the API reaches only slowly or through other features:
/// time passing, an erased account.
impl TestApp {
    /// Runs one SQL statement on the test database.
    pub fn execute(&self, sql: &str) {
        use diesel::RunQueryDsl;
        let pool = self.db();
        let mut conn = pool.get().expect("connection");
        diesel::sql_query(sql)
            .execute(&mut *conn)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// Marks a member erased the way erasure leaves them: no email, no password, inactive.
    pub fn erase_member(&self, id: &str) {
        self.execute(&format!(
            "UPDATE members SET erased_at = '2026-01-01 00:00:00', email = NULL, \
             password_hash = NULL, active = FALSE WHERE id = '{id}'"
        ));
    }
}

/// The JSON body of a response, after checking its status.
pub async fn json_body(res: Response, status: StatusCode) -> Value {
    let actual = res.status();
    let text = res.text().await.expect("body");
    assert_eq!(actual, status, "unexpected status; body: {text}");
    serde_json::from_str(&text).expect("a JSON body")
}

impl TestApp {
    /// A network row written straight into the database, for features that only need one to
    /// exist; returns its id.
    pub fn insert_network_row(&self, name: &str) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        let name = name.replace('\'', "''");
        self.execute(&format!(
            "INSERT INTO networks (id, name, name_key, description, task, value, focus_kind,
                 focus_label, future, created_at, updated_at)
             VALUES ('{id}', '{name}', lower('{name}'),
                 'Samen rond de huurder die tussen wal en schip valt.',
                 'Zelfstandig wonen na een verblijf in een instelling', 'direct', 'area',
                 'Wijk Oost', 'lasting', '2026-03-01 14:00:00', '2026-03-01 14:00:00')"
        ));
        id
    }

    /// A session row written straight into the database; returns its id.
    pub fn insert_session_row(&self, title: &str) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        let title = title.replace('\'', "''");
        self.execute(&format!(
            "INSERT INTO sessions (id, title, theme, starts_at, ends_at, created_at, updated_at)
             VALUES ('{id}', '{title}', 'autonomy', '2026-04-01 14:00:00',
                 '2026-04-01 16:00:00', '2026-03-01 14:00:00', '2026-03-01 14:00:00')"
        ));
        id
    }
}

impl TestApp {
    /// Another instance of the app on this app's database and settings (so the same JWT
    /// secret), on a port of its own: two instances behind one address, as deployed. The
    /// database stays this app's: it must outlive the instance returned.
    pub async fn second_instance(&self) -> TestApp {
        let mut settings = self.settings.clone();
        settings.bind = "127.0.0.1:0".into();
        let app = Application::build(settings.clone()).expect("build a second instance");
        let base = format!("http://127.0.0.1:{}", app.port());
        actix_web::rt::spawn(app.run_until_stopped());
        TestApp {
            base,
            client: self.client.clone(),
            settings,
            dir: tempfile::tempdir().expect("temp dir"),
            _postgres: None,
        }
    }
}
