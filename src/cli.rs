//! The command line of the one binary.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::Settings;

#[derive(Debug, Parser)]
#[command(
    name = "leergemeenschap",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Settings for the default command, `serve`.
    #[command(flatten)]
    pub settings: Settings,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations, then serve the API (the default).
    Serve(Settings),
    /// Apply pending migrations and exit.
    Migrate(Settings),
    /// Create an admin (the first one can only be made here). The password comes from
    /// `LG_ADMIN_PASSWORD`, or a prompt.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        display_name: String,
        #[command(flatten)]
        settings: Settings,
    },
    /// Exit 0 when the service at `--bind` answers `/ready` with 200 (for container health
    /// checks, where no HTTP client is installed).
    Healthcheck(Settings),
    /// Fill the database with a small example community and print its logins. Refuses a
    /// database that already has members unless `--force`. The password of every demo login
    /// comes from `LG_DEMO_PASSWORD`, or is generated and printed.
    SeedDemo {
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        settings: Settings,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Write a consistent copy of the database while the service runs.
    Backup {
        /// The new file to write; it must not exist yet.
        #[arg(long)]
        to: PathBuf,
        #[command(flatten)]
        settings: Settings,
    },
}
