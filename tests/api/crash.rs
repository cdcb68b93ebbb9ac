//! Crash safety: the real binary is killed with SIGKILL in the middle of sustained writes, and
//! every write it acknowledged must survive; a backup taken under write load must restore to a
//! working service.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{integrity_check, JWT_SECRET, PASSWORD};

/// The binary serving `db` on a free loopback port.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    async fn start(db: &Path) -> Server {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_leergemeenschap"))
            .arg("serve")
            .env("LG_DATABASE_URL", db)
            .env("LG_BIND", format!("127.0.0.1:{port}"))
            .env("LG_JWT_SECRET", JWT_SECRET)
            .env("LG_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the server");
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(res) = client.get(format!("{}/ready", server.base)).send().await {
                if res.status() == StatusCode::OK {
                    return server;
                }
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server did not become ready");
    }

    fn kill(mut self) {
        // std's kill is SIGKILL on Unix: no shutdown hook, no flush, no checkpoint.
        self.child.kill().expect("kill");
        self.child.wait().expect("reap");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn create_admin(db: &Path, email: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_leergemeenschap"))
        .args(["create-admin", "--email", email, "--display-name", "Anne"])
        .env("LG_DATABASE_URL", db)
        .env("LG_ADMIN_PASSWORD", PASSWORD)
        .output()
        .expect("create-admin");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn token(client: &reqwest::Client, base: &str, email: &str) -> String {
    let res: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    res["access_token"].as_str().expect("token").to_owned()
}

/// Writes invitations from `writers` concurrent loops until `stop`; returns the ids of those
/// acknowledged with 201. Failures after the kill are expected and ignored.
async fn write_until(base: &str, token: &str, writers: usize, stop: Instant) -> Vec<String> {
    let mut tasks = Vec::new();
    for w in 0..writers {
        let base = base.to_owned();
        let token = token.to_owned();
        tasks.push(actix_web::rt::spawn(async move {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .expect("client");
            let mut acknowledged = Vec::new();
            let mut n = 0;
            while Instant::now() < stop {
                n += 1;
                let sent = client
                    .post(format!("{base}/api/v1/invitations"))
                    .bearer_auth(&token)
                    .json(&json!({"email": format!("w{w}-{n}@crash.example"), "role": "member"}))
                    .send()
                    .await;
                match sent {
                    Ok(res) if res.status() == StatusCode::CREATED => {
                        if let Ok(body) = res.json::<Value>().await {
                            acknowledged.push(body["id"].as_str().unwrap_or_default().to_owned());
                        }
                    }
                    Ok(_) => {}
                    Err(_) => actix_web::rt::time::sleep(Duration::from_millis(5)).await,
                }
            }
            acknowledged
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("writer"));
    }
    all
}

/// Every invitation id the service lists, following cursors.
async fn listed_ids(base: &str, token: &str) -> Vec<String> {
    let client = reqwest::Client::new();
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{base}/api/v1/invitations?limit=100");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page: Value = client
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .expect("list")
            .json()
            .await
            .expect("json");
        for item in page["items"].as_array().expect("items") {
            ids.push(item["id"].as_str().unwrap_or_default().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return ids,
        }
    }
}

fn temp_db(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

#[actix_web::test]
async fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().expect("dir");
    let db = temp_db(&dir, "crash.db");
    create_admin(&db, "anne@crash.example");
    let server = Server::start(&db).await;
    let client = reqwest::Client::new();
    let token = token(&client, &server.base, "anne@crash.example").await;

    // Writers run for 1.5 s; the server dies after 0.8 s, in the middle of them.
    let stop = Instant::now() + Duration::from_millis(1500);
    let writers = actix_web::rt::spawn({
        let base = server.base.clone();
        let token = token.clone();
        async move { write_until(&base, &token, 8, stop).await }
    });
    actix_web::rt::time::sleep(Duration::from_millis(800)).await;
    server.kill();
    let acknowledged = writers.await.expect("writers");
    assert!(
        acknowledged.len() > 20,
        "too few writes before the kill: {}",
        acknowledged.len()
    );

    let server = Server::start(&db).await;
    let token = self::token(&client, &server.base, "anne@crash.example").await;
    let listed = listed_ids(&server.base, &token).await;
    let missing: Vec<&String> = acknowledged
        .iter()
        .filter(|id| !listed.contains(id))
        .collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged writes lost",
        missing.len()
    );
    drop(server);
    assert_eq!(integrity_check(&db), "ok");
}

#[actix_web::test]
async fn backup_under_write_load_restores_to_a_working_service() {
    let dir = tempfile::tempdir().expect("dir");
    let db = temp_db(&dir, "live.db");
    let backup = temp_db(&dir, "backup.db");
    create_admin(&db, "anne@backup.example");
    let server = Server::start(&db).await;
    let client = reqwest::Client::new();
    let token = token(&client, &server.base, "anne@backup.example").await;

    let stop = Instant::now() + Duration::from_millis(1200);
    let writers = actix_web::rt::spawn({
        let base = server.base.clone();
        let token = token.clone();
        async move { write_until(&base, &token, 4, stop).await }
    });
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let before_backup = listed_ids(&server.base, &token).await;
    let out = Command::new(env!("CARGO_BIN_EXE_leergemeenschap"))
        .args(["backup", "--to"])
        .arg(&backup)
        .env("LG_DATABASE_URL", &db)
        .output()
        .expect("backup");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = writers.await.expect("writers");
    drop(server);
    assert!(written.len() > before_backup.len());
    assert_eq!(integrity_check(&backup), "ok");

    // The copy serves: the admin logs in and sees at least what was there before the backup.
    let restored = Server::start(&backup).await;
    let token = self::token(&client, &restored.base, "anne@backup.example").await;
    let listed = listed_ids(&restored.base, &token).await;
    assert!(before_backup.iter().all(|id| listed.contains(id)));
    assert!(listed.len() <= written.len());
}
