//! `prenota-admin`: the administrator's command against a deployment in AWS, with the
//! credentials of the environment (profiles, SSO, credential processes: the SDK's defaults).
//!
//! - `prenota-admin seed [--dir DIR]`: loads the catalogue (`services.json`, `offices.json`; the
//!   repository's copy unless `--dir`) into the table `TABLE_NAME`; the functions pick it up
//!   within a minute.
//! - `prenota-admin office-user --office ID --email ADDRESS --name NAME`: an office account
//!   (the only way one is made); the link to choose its password is e-mailed. It needs the
//!   stack's settings, as a function has them: `TABLE_NAME`, `SENDER_ADDRESS`, `PORTAL_URL`.
//!
//! The same operations on the local stack: `prenota-local seed`, `prenota-local office-user`.

use anyhow::Context;
use clap::{Parser, Subcommand};
use prenota_admin::{OfficeUser, Seed};
use prenota_domain::ports::SystemClock;
use prenota_platform::{SesMailer, Settings};

/// The administrator's command against a deployment in AWS (the environment's credentials).
#[derive(Parser, Debug)]
#[command(name = "prenota-admin", version)]
struct Command {
    #[command(subcommand)]
    action: Action,
}

#[derive(Subcommand, Debug)]
enum Action {
    /// Loads the catalogue into the table TABLE_NAME.
    Seed(Seed),
    /// Makes an office account (TABLE_NAME, SENDER_ADDRESS, PORTAL_URL as the stack's); the link
    /// to choose its password is e-mailed.
    OfficeUser(OfficeUser),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    // The settings are read before the SDK looks for credentials: a missing one is said first.
    match Command::parse().action {
        Action::Seed(seed) => {
            let table = std::env::var("TABLE_NAME")
                .context("TABLE_NAME: the table of the stack to seed")?;
            seed.run(&administrator_sdk().await, &table).await
        }
        Action::OfficeUser(office_user) => {
            let settings = Settings::from_env()?;
            let sdk = administrator_sdk().await;
            office_user
                .run(&prenota_platform::build_app::<SesMailer, (), (), _>(
                    &sdk,
                    &settings,
                    SystemClock,
                ))
                .await
        }
    }
}

/// The SDK as a person at a terminal needs it: the system's trust store, proxies from the
/// environment, SSO profiles, credential processes. The functions trust Amazon's roots only
/// (`sdk_config`).
async fn administrator_sdk() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await
}
