//! The service's own endpoints and the behaviour every endpoint shares: problem details,
//! request ids, security headers, the spec and backups.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{assert_problem, spawn_app};

#[actix_web::test]
async fn health_and_ready_answer_ok() {
    let app = spawn_app().await;
    for path in ["/health", "/ready"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), StatusCode::OK);
        let body: Value = res.json().await.expect("json");
        assert_eq!(body["status"], "ok");
    }
}

#[actix_web::test]
async fn unknown_route_is_problem_404() {
    let app = spawn_app().await;
    assert_problem(
        app.get("/api/v1/nothing-here").await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
}

#[actix_web::test]
async fn wrong_method_is_problem_405() {
    let app = spawn_app().await;
    let res = app
        .request(Method::DELETE, "/health")
        .send()
        .await
        .expect("request");
    assert_problem(res, StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed").await;
}

#[actix_web::test]
async fn request_id_is_echoed_or_generated() {
    let app = spawn_app().await;
    let res = app
        .request(Method::GET, "/health")
        .header("X-Request-Id", "trace-me-123")
        .send()
        .await
        .expect("request");
    assert_eq!(res.headers()["x-request-id"], "trace-me-123");

    let res = app.get("/health").await;
    let generated = res.headers()["x-request-id"].to_str().expect("ascii");
    assert_eq!(generated.len(), 36, "a UUID: {generated}");

    // A header that could smuggle control characters into logs is replaced, not echoed.
    let res = app
        .request(Method::GET, "/health")
        .header("X-Request-Id", "x".repeat(500))
        .send()
        .await
        .expect("request");
    assert_ne!(res.headers()["x-request-id"], "x".repeat(500).as_str());
}

#[actix_web::test]
async fn security_headers_are_set() {
    let app = spawn_app().await;
    let res = app.get("/health").await;
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    assert!(res.headers().contains_key("content-security-policy"));
}

#[actix_web::test]
async fn cors_allows_configured_origins_only() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.cors_origins = vec!["https://leer.example".into()];
    })
    .await;
    let preflight = |origin: &'static str| {
        app.request(Method::OPTIONS, "/health")
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "GET")
            .send()
    };
    let allowed = preflight("https://leer.example").await.expect("request");
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://leer.example"
    );
    assert!(!allowed
        .headers()
        .contains_key("access-control-allow-credentials"));
    let refused = preflight("https://evil.example").await.expect("request");
    assert!(!refused
        .headers()
        .contains_key("access-control-allow-origin"));
}

#[actix_web::test]
async fn spec_and_docs_are_served() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/openapi.json").await;
    assert_eq!(res.status(), StatusCode::OK);
    let spec: Value = res.json().await.expect("json");
    assert_eq!(spec["openapi"], "3.1.0");
    assert!(spec["components"]["securitySchemes"]["bearer"].is_object());

    let res = app.get("/docs").await;
    assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT);
    let res = app.get("/docs/").await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.expect("html");
    assert!(html.contains("swagger"), "{html}");
    // The UI's assets are served by us, not a CDN.
    let res = app.get("/docs/swagger-ui-bundle.js").await;
    assert_eq!(res.status(), StatusCode::OK);
    let init = app.get("/docs/swagger-initializer.js").await;
    let init = init.text().await.expect("js");
    assert!(init.contains("/api/v1/openapi.json"), "{init}");
}

#[test]
fn committed_spec_is_current() {
    let generated = leergemeenschap::openapi::render(&leergemeenschap::api_doc());
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date; regenerate it with \
         `cargo run --quiet -- openapi > openapi/openapi.json` and commit it"
    );
}

#[actix_web::test]
async fn backup_while_serving_passes_integrity_check() {
    let app = spawn_app().await;
    let target = app.dir.path().join("backup.db");
    let backup = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_leergemeenschap"))
            .args(["backup", "--to"])
            .arg(&target)
            .arg("--database-url")
            .arg(app.settings.database_url.to_url())
            .output()
            .expect("run backup")
    };
    let out = backup();
    if crate::helpers::on_postgres() {
        // PostgreSQL has pg_dump for this; the command says so instead of half-doing it.
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
        return;
    }
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let check = crate::helpers::integrity_check(&target);
    assert_eq!(check, "ok");
    // The service still answers, and a second backup to the same file is refused.
    assert_eq!(app.get("/ready").await.status(), StatusCode::OK);
    assert!(!backup().status.success());
}
