use clap::Parser;

use leergemeenschap::cli::{Cli, Command};
use leergemeenschap::{api_doc, db, openapi, telemetry, Application};

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
