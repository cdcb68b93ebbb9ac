use clap::Parser;

use leergemeenschap::cli::{Cli, Command};
use leergemeenschap::config::Secret;
use leergemeenschap::{api_doc, db, health, members, openapi, seed, telemetry, Application};

/// mimalloc instead of glibc's allocator: each Argon2 hash allocates a 19 MiB block, which
/// glibc kept in its per-thread arenas after the hash (hundreds of MiB after a login storm);
/// mimalloc gives large blocks back to the system. It is also faster on the many small
/// allocations of request handling.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve(cli.settings)) {
        Command::Serve(settings) => {
            telemetry::init(&settings.log);
            let app = Application::build(settings.clone())?;
            tracing::info!(bind = %settings.bind, port = app.port(), "serving");
            app.run_until_stopped().await?;
        }
        Command::Migrate(settings) => {
            telemetry::init(&settings.log);
            let pool = db::connect(&settings.database_url, 1)?;
            let applied = db::migrate(&pool)?;
            println!("applied {applied} migration(s)");
        }
        Command::CreateAdmin {
            email,
            display_name,
            settings,
        } => {
            telemetry::init(&settings.log);
            let password = match std::env::var("LG_ADMIN_PASSWORD") {
                Ok(password) => Secret::new(password),
                Err(_) => Secret::new(rpassword::prompt_password("Password for the new admin: ")?),
            };
            let pool = db::connect(&settings.database_url, 1)?;
            db::migrate(&pool)?;
            let id = members::create_admin(&pool, &email, &display_name, &password)?;
            println!("created admin {id} ({email})");
        }
        Command::Healthcheck(settings) => {
            if let Err(err) = health::probe(&settings.bind) {
                eprintln!("unhealthy: {err:#}");
                std::process::exit(1);
            }
        }
        Command::SeedDemo { force, settings } => {
            telemetry::init(&settings.log);
            let password = match std::env::var("LG_DEMO_PASSWORD") {
                Ok(password) => password,
                Err(_) => format!("demo-{}", uuid::Uuid::new_v4().simple()),
            };
            if let Some(problem) = leergemeenschap::auth::password::length_problem(&password) {
                anyhow::bail!("LG_DEMO_PASSWORD {problem}");
            }
            let pool = db::connect(&settings.database_url, 1)?;
            db::migrate(&pool)?;
            let logins = seed::demo(&pool, &Secret::new(password.clone()), force)?;
            println!("The demo community is ready. Every login uses the password: {password}");
            println!();
            for login in logins {
                println!(
                    "  {:<11} {:<40} {}",
                    login.role, login.email, login.display_name
                );
            }
        }
        Command::Openapi => print!("{}", openapi::render(&api_doc())),
        Command::Backup { to, settings } => {
            telemetry::init(&settings.log);
            let pool = db::connect(&settings.database_url, 1)?;
            db::backup(&pool, &to)?;
            println!("backup written to {}", to.display());
        }
    }
    Ok(())
}
