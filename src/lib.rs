//! leergemeenschap: the backend of a learning community for the people who organize
//! organisatienetwerken. This crate builds the configured HTTP service; `main.rs` only parses
//! the command line, and the integration tests run exactly what production runs.

pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod extract;
pub mod health;
pub mod insights;
pub mod invitations;
pub mod members;
pub mod middleware;
pub mod networks;
pub mod openapi;
pub mod pagination;
pub mod privacy;
pub mod reflections;
pub mod schema;
pub mod seed;
pub mod sessions;
pub mod telemetry;
pub mod tensions;
pub mod validation;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, Compat};
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use anyhow::Context;
use utoipa::OpenApi;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{scope, AppExt};
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

use crate::config::{DatabaseUrl, Settings};
use crate::db::DbPool;
use crate::error::ApiError;

/// Request bodies larger than this are answered 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What every handler can reach.
pub struct AppState {
    /// Reads: any number at once.
    pub pool: DbPool,
    /// Short reads, on the request's own thread where that is cheaper (see [`db::Near`]).
    pub near: db::Near,
    /// Writes: one at a time, committed in groups (see [`db::write`]).
    pub writer: db::Writer,
    /// The full-text index's words that searches looked up (SQLite).
    pub vocabulary: std::sync::Arc<reflections::search::Vocabulary>,
    pub settings: Settings,
    pub keys: auth::token::Keys,
}

/// Registers every documented route. The spec and the server are both built from this one
/// function, so nothing can be served that is not documented.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(health::health).service(health::ready).service(
        scope::scope("/api/v1")
            .service(openapi::get_openapi)
            .service(tensions::routes::list_tensions)
            .configure(auth::routes::configure)
            .configure(members::routes::configure)
            .configure(invitations::routes::configure)
            .configure(networks::routes::configure)
            .configure(sessions::routes::configure)
            .configure(sessions::registration::configure)
            .configure(sessions::calendar::configure)
            .configure(reflections::routes::configure)
            .configure(privacy::routes::configure)
            .configure(insights::routes::configure)
            .configure(audit::routes::configure),
    );
}

/// The OpenAPI document, as the code describes it.
pub fn api_doc() -> utoipa::openapi::OpenApi {
    App::new()
        .into_utoipa_app()
        .openapi(openapi::ApiDoc::openapi())
        .configure(routes)
        .split_for_parts()
        .1
}

/// A bound, ready-to-run service.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Connects to the database, applies pending migrations and binds `settings.bind`.
    pub fn build(settings: Settings) -> anyhow::Result<Self> {
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let keys = auth::token::Keys::load(&settings)?;
        db::migrate(&db::connect(&settings.database_url, 1)?)?;
        let connections = pool_size(workers, &settings.database_url);
        let pool = db::readers(&settings.database_url, connections)?;
        let writer = db::Writer::start(&settings.database_url)?;
        let listener =
            TcpListener::bind(&settings.bind).with_context(|| format!("bind {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let doc = api_doc();
        let route_table = web::Data::new(openapi::RouteTable::new(&doc));
        let spec = web::Data::new(openapi::SpecJson(openapi::render(&doc)));
        let cors_origins = settings.cors_origins.clone();
        let near = db::Near::new(&settings.database_url, pool.clone());
        let state = web::Data::new(AppState {
            pool,
            near,
            writer,
            vocabulary: std::sync::Arc::default(),
            settings,
            keys,
        });
        let server = HttpServer::new(move || {
            let (app, _) = App::new()
                .into_utoipa_app()
                .openapi(openapi::ApiDoc::openapi())
                .app_data(state.clone())
                .app_data(spec.clone())
                .app_data(route_table.clone())
                .app_data(
                    web::JsonConfig::default()
                        .limit(MAX_BODY_BYTES)
                        .error_handler(error::json_error),
                )
                .app_data(web::PayloadConfig::default().limit(MAX_BODY_BYTES))
                .app_data(web::QueryConfig::default().error_handler(error::query_error))
                .app_data(web::PathConfig::default().error_handler(error::path_error))
                .configure(routes)
                .split_for_parts();
            app.route("/docs", web::get().to(docs_redirect))
                .service(
                    SwaggerUi::new("/docs/{_:.*}")
                        .config(SwaggerConfig::from("/api/v1/openapi.json")),
                )
                .default_service(web::to(unmatched))
                .wrap(Compat::new(middleware::cors(&cors_origins)))
                .wrap(from_fn(middleware::security_headers))
                .wrap(from_fn(middleware::request_context))
        })
        .workers(workers)
        // Queries run on the blocking pool (short SQLite reads on the workers, db::Near);
        // threads beyond the connection pool would only wait for a connection, each holding
        // its own stack.
        .worker_max_blocking_threads(blocking_threads(workers, connections))
        .listen(listener)?
        .run();
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Read connections in the pool (writes do not use them, see [`db::Writer`]).
///
/// SQLite reads run in this process and keep a core busy while they run: one connection per
/// worker (each worker also keeps its own, see [`db::Near`]) and one more fill the cores, and
/// every connection beyond that only adds another page cache and another search's memory (R3,
/// two cores: 80 MiB with eight connections, 47 MiB with three, the same requests/s).
/// PostgreSQL reads mostly wait for round trips, so there four per worker keep it busy.
fn pool_size(workers: usize, url: &DatabaseUrl) -> u32 {
    let connections = match url {
        DatabaseUrl::Sqlite(_) => workers + 1,
        DatabaseUrl::Postgres(_) => workers * 4,
    };
    u32::try_from(connections).unwrap_or(8).clamp(2, 32)
}

/// `/docs` → `/docs/`, where the interactive documentation lives.
async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((actix_web::http::header::LOCATION, "/docs/"))
        .finish()
}

/// Blocking threads per worker: together, as many as there are pooled connections, and at
/// least two each (a password hash may hold one).
fn blocking_threads(workers: usize, connections: u32) -> usize {
    let connections = usize::try_from(connections).unwrap_or(8);
    connections.div_ceil(workers.max(1)).max(2)
}

/// Unknown path: 404; known path with a method it does not take: 405.
async fn unmatched(
    req: HttpRequest,
    routes: web::Data<openapi::RouteTable>,
) -> Result<HttpResponse, ApiError> {
    match routes.allowed(req.path()) {
        Some(allowed) => Err(ApiError::MethodNotAllowed(allowed)),
        None => Err(ApiError::NotFound("There is nothing at this path.".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_pools_fill_the_cores_postgresql_pools_cover_round_trips() {
        let sqlite = DatabaseUrl::Sqlite("data/lg.db".into());
        let postgres = DatabaseUrl::Postgres("postgres://127.0.0.1/lg".into());
        assert_eq!(pool_size(2, &sqlite), 3);
        assert_eq!(pool_size(8, &sqlite), 9);
        assert_eq!(pool_size(1, &postgres), 4);
        assert_eq!(pool_size(2, &postgres), 8);
        assert_eq!(pool_size(64, &postgres), 32);
        // Every pooled connection has a thread to run on, and a hash never takes the last.
        assert_eq!(blocking_threads(2, 3), 2);
        assert_eq!(blocking_threads(1, 4), 4);
        assert_eq!(blocking_threads(8, 9), 2);
    }
}
