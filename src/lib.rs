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

use crate::config::Settings;
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
        let pool = db::readers(&settings.database_url, pool_size(workers))?;
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
        .worker_max_blocking_threads(blocking_threads(workers))
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

/// Read connections: enough for every worker plus the blocking pool's bursts; SQLite readers
/// do not block each other in WAL mode. Writes do not use them (see [`db::Writer`]).
fn pool_size(workers: usize) -> u32 {
    u32::try_from(workers * 4).unwrap_or(8).clamp(4, 32)
}

/// `/docs` → `/docs/`, where the interactive documentation lives.
async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((actix_web::http::header::LOCATION, "/docs/"))
        .finish()
}

/// Blocking threads per worker: together, as many as there are database connections.
fn blocking_threads(workers: usize) -> usize {
    let connections = usize::try_from(pool_size(workers)).unwrap_or(8);
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
