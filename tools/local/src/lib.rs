//! The local dev server: moto stands in for AWS (`prenota_testing::stack`), and every endpoint
//! is served over HTTP through the very handlers the Lambdas run (`server`), beside the built
//! portal and the local mailbox page (`portal`). `LocalSettings` and `local_app` are how the
//! `prenota-local` command (`main.rs`) sets the stack up; the AWS-side administrator's command
//! is `tools/admin`, what the tests build on is `tools/testing`.

pub mod portal;
pub mod server;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};
use prenota_domain::ports::{CatalogueStore, Clock};
use prenota_platform::Settings;
use prenota_platform::dynamo::DynamoStore;
use prenota_testing::Stack;
use prenota_testing::stack::LocalApp;
use prenota_testing::stack::repository_catalogue;

/// The local stack's settings (environment): `PRENOTA_AWS_ENDPOINT` (moto, default
/// `http://127.0.0.1:4566`), `TABLE_NAME` (`prenota`), `SENDER_ADDRESS`
/// (`prenota@prenota.local`), `PORT` (3000), `PORTAL_URL` (where e-mailed links point: the
/// portal this server serves, `http://127.0.0.1:$PORT`), `PORTAL_DIR` (the built portal,
/// `portal/dist`).
pub struct LocalSettings {
    pub endpoint: String,
    pub table: String,
    pub sender: String,
    pub port: u16,
    pub portal_url: String,
    pub portal_dir: Option<std::path::PathBuf>,
}

impl LocalSettings {
    pub fn from_env() -> anyhow::Result<LocalSettings> {
        use anyhow::Context;
        let var =
            |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
        let port: u16 = var("PORT", "3000").parse().context("PORT")?;
        Ok(LocalSettings {
            endpoint: var("PRENOTA_AWS_ENDPOINT", "http://127.0.0.1:4566"),
            table: var("TABLE_NAME", "prenota"),
            sender: var("SENDER_ADDRESS", "prenota@prenota.local"),
            port,
            portal_url: var("PORTAL_URL", &format!("http://127.0.0.1:{port}")),
            portal_dir: std::env::var_os("PORTAL_DIR").map(std::path::PathBuf::from),
        })
    }
}

/// The local stack's clock: the system's, moved forward by what `POST /_local/clock` asked, so
/// that a draw's entry window can be closed without waiting for it (the portal's browser tests,
/// a demonstration). Local only: in AWS every function reads the system clock.
#[derive(Clone, Default)]
pub struct LocalClock(Arc<AtomicI64>);

/// The most `POST /_local/clock` moves the clock in one step.
pub const MAX_ADVANCE_SECONDS: i64 = 7 * 24 * 3600;

impl LocalClock {
    /// Moves the clock `seconds` forward (never back: what was written stays in the past).
    pub fn advance(&self, seconds: i64) {
        self.0
            .fetch_add(seconds.clamp(0, MAX_ADVANCE_SECONDS), Ordering::SeqCst);
    }
}

impl Clock for LocalClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::seconds(self.0.load(Ordering::SeqCst))
    }
}

/// The local stack ready (table, catalogue, sender, receipt key) and the application on it.
pub async fn local_app(settings: &LocalSettings) -> anyhow::Result<(Stack, LocalApp<LocalClock>)> {
    let stack = Stack::connect(&settings.endpoint).await;
    stack.create_table(&settings.table).await?;
    // The repository's catalogue, unless this version is stored already (with the office's
    // own changes, such as designated organisations).
    let repository = repository_catalogue();
    let stored = DynamoStore::new(aws_sdk_dynamodb::Client::new(&stack.sdk), &settings.table)
        .catalogue()
        .await
        .ok();
    if stored.is_none_or(|stored| stored.version != repository.version) {
        stack.seed(&settings.table, &repository).await?;
    }
    stack.verify_sender(&settings.sender).await?;
    let receipt_key = stack.receipt_key("alias/prenota-receipts").await?;
    let app_settings = Settings {
        table: settings.table.clone(),
        sender: settings.sender.clone(),
        portal_url: settings.portal_url.clone(),
        receipt_key_ids: vec![receipt_key],
        ..Default::default()
    };
    let app = stack.app(&app_settings, LocalClock::default());
    Ok((stack, app))
}
