//! Liveness and readiness.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::{db, AppState};

#[derive(Serialize, ToSchema)]
pub struct HealthResponse {
    #[schema(example = "ok")]
    pub status: String,
}

/// Liveness: the process answers.
#[utoipa::path(tag = "service", responses((status = 200, body = HealthResponse)))]
#[get("/health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(HealthResponse {
        status: "ok".into(),
    })
}

/// Readiness: the database answers a query.
#[utoipa::path(
    tag = "service",
    responses(
        (status = 200, body = HealthResponse),
        (status = 503, response = crate::openapi::Unavailable)
    )
)]
#[get("/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let pool = state.pool.clone();
    let up = web::block(move || db::ping(&pool)).await.unwrap_or(false);
    if up {
        Ok(HttpResponse::Ok().json(HealthResponse {
            status: "ok".into(),
        }))
    } else {
        Err(ApiError::Unavailable(
            "The database does not answer.".into(),
        ))
    }
}

/// Asks the service listening on `bind` whether it is ready, with a bare HTTP/1.0 request over
/// loopback (the container image carries no HTTP client).
pub fn probe(bind: &str) -> anyhow::Result<()> {
    use std::io::{Read, Write};
    use std::net::{SocketAddr, TcpStream};
    use std::time::Duration;

    use anyhow::Context;

    let mut addr: SocketAddr = bind.parse().with_context(|| format!("parse {bind}"))?;
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    let timeout = Duration::from_secs(3);
    let mut stream = TcpStream::connect_timeout(&addr, timeout).context("connect")?;
    stream.set_read_timeout(Some(timeout))?;
    stream.write_all(b"GET /ready HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
    let mut head = [0u8; 12];
    stream
        .read_exact(&mut head)
        .context("read the status line")?;
    let status = String::from_utf8_lossy(&head);
    anyhow::ensure!(status.ends_with(" 200"), "status line {status:?}");
    Ok(())
}
