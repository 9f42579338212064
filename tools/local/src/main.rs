//! The local stack's commands.
//!
//! - `prenota-local serve`: creates the table and the SES sender identity in moto, then serves
//!   the API on `http://127.0.0.1:$PORT` (3000) through the Lambdas' handlers.
//! - `prenota-local mailbox [ADDRESS]`: prints the e-mails sent (to ADDRESS), with their links.
//! - `prenota-local seed [--dir DIR] [--aws]`: loads the catalogue (`services.json`,
//!   `offices.json`; the repository's copy unless `--dir`) into the table; with `--aws`, into
//!   the table `TABLE_NAME` of the AWS account of the environment's credentials.
//!
//! Settings (environment): `PRENOTA_AWS_ENDPOINT` (moto, default `http://127.0.0.1:4566`),
//! `TABLE_NAME` (`prenota`), `SENDER_ADDRESS` (`prenota@prenota.local`), `PORT` (3000),
//! `PORTAL_URL` (the local portal pages, `http://127.0.0.1:$PORT/portal`).

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use prenota_domain::catalogue::Catalogue;
use prenota_domain::ports::SystemClock;
use prenota_local::{Stack, mailbox, router};
use prenota_platform::Settings;
use prenota_platform::dynamo::DynamoStore;

struct LocalSettings {
    endpoint: String,
    table: String,
    sender: String,
    port: u16,
    portal_url: String,
}

impl LocalSettings {
    fn from_env() -> anyhow::Result<LocalSettings> {
        let var =
            |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
        let port: u16 = var("PORT", "3000").parse().context("PORT")?;
        Ok(LocalSettings {
            endpoint: var("PRENOTA_AWS_ENDPOINT", "http://127.0.0.1:4566"),
            table: var("TABLE_NAME", "prenota"),
            sender: var("SENDER_ADDRESS", "prenota@prenota.local"),
            port,
            portal_url: var("PORTAL_URL", &format!("http://127.0.0.1:{port}/portal")),
        })
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,aws_config=warn".into()),
        )
        .init();
    let settings = LocalSettings::from_env()?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("serve") => serve(&settings).await,
        Some("mailbox") => print_mailbox(&settings, args.get(1).map(String::as_str)).await,
        Some("seed") => seed(&settings, &args[1..]).await,
        _ => {
            eprintln!("usage: prenota-local serve | mailbox [ADDRESS] | seed [--dir DIR] [--aws]");
            std::process::exit(2);
        }
    }
}

async fn serve(settings: &LocalSettings) -> anyhow::Result<()> {
    let stack = Stack::connect(&settings.endpoint).await;
    stack.create_table(&settings.table).await?;
    stack
        .seed(
            &settings.table,
            &prenota_local::stack::repository_catalogue(),
        )
        .await?;
    stack.verify_sender(&settings.sender).await?;
    let receipt_key = stack.receipt_key("alias/prenota-receipts").await?;
    let app_settings = Settings {
        table: settings.table.clone(),
        sender: settings.sender.clone(),
        portal_url: settings.portal_url.clone(),
        receipt_key_ids: vec![receipt_key],
    };
    let app = Arc::new(stack.app(&app_settings, SystemClock));
    let address = SocketAddr::from(([127, 0, 0, 1], settings.port));
    println!("Prenota is serving on http://{address} (mailbox: http://{address}/_local/mailbox)");
    tokio::select! {
        served = router::serve(app, address, stack.endpoint.clone()) => served,
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

async fn seed(settings: &LocalSettings, args: &[String]) -> anyhow::Result<()> {
    let catalogue = match args
        .iter()
        .position(|a| a == "--dir")
        .and_then(|i| args.get(i + 1))
    {
        Some(dir) => {
            let read = |name: &str| {
                std::fs::read_to_string(std::path::Path::new(dir).join(name))
                    .with_context(|| format!("{dir}/{name}"))
            };
            Catalogue::from_files(&read("services.json")?, &read("offices.json")?)
                .map_err(|e| anyhow::anyhow!(e))?
        }
        None => prenota_local::stack::repository_catalogue(),
    };
    if args.iter().any(|a| a == "--aws") {
        let sdk = prenota_platform::sdk_config().await;
        DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), &settings.table)
            .put_catalogue(&catalogue)
            .await?;
    } else {
        let stack = Stack::connect(&settings.endpoint).await;
        stack.create_table(&settings.table).await?;
        stack.seed(&settings.table, &catalogue).await?;
    }
    println!("Seeded {} into {}", catalogue.version, settings.table);
    Ok(())
}

async fn print_mailbox(settings: &LocalSettings, address: Option<&str>) -> anyhow::Result<()> {
    let mails = mailbox::read(settings.endpoint.trim_end_matches('/')).await?;
    for mail in mails
        .iter()
        .filter(|mail| address.is_none_or(|a| mail.is_for(a)))
    {
        println!("To: {}\nSubject: {}\n", mail.to.join(", "), mail.subject);
        println!("{}", mail.text.trim_end());
        for attachment in &mail.attachments {
            println!(
                "[attachment: {} ({}, {} bytes)]",
                attachment.filename,
                attachment.content_type,
                attachment.content.len()
            );
        }
        println!("\n{}\n", "=".repeat(72));
    }
    Ok(())
}
