//! The local stack's commands.
//!
//! - `prenota-local serve`: creates the table and the SES sender identity in moto, then serves
//!   the API on `http://127.0.0.1:$PORT` (3000) through the Lambdas' handlers.
//! - `prenota-local mailbox [ADDRESS]`: prints the e-mails sent (to ADDRESS), with their links.
//! - `prenota-local seed [--dir DIR] [--aws]`: loads the catalogue (`services.json`,
//!   `offices.json`; the repository's copy unless `--dir`) into the table; with `--aws`, into
//!   the table `TABLE_NAME` of the AWS account of the environment's credentials.
//!
//! - `prenota-local export [--date D]`, `prenota-local end-of-day [--date D]`: the nightly export
//!   and the end-of-day pass for a day (today by default), as the scheduled Lambdas run them;
//!   `prenota-local retention`: the nightly retention pass (PD-1).
//! - `prenota-local designate --office ID --fiscal-code CODE`: an organisation the office
//!   designates to book the places reserved for vulnerable persons (CAT-4).
//! - `prenota-local office-user --office ID --email E --name N [--aws]`: an office account (the
//!   only way one is made); the link to choose its password is e-mailed.
//! - `prenota-local camera-video RECEIPT.pdf OUT.y4m`: a fake camera's video of a receipt's QR
//!   code, for the browser tests of the verifier; prints the code (what a USB scanner types).
//!
//! Settings (environment): `PRENOTA_AWS_ENDPOINT` (moto, default `http://127.0.0.1:4566`),
//! `TABLE_NAME` (`prenota`), `SENDER_ADDRESS` (`prenota@prenota.local`), `PORT` (3000),
//! `PORTAL_URL` (where e-mailed links point: the portal this server serves,
//! `http://127.0.0.1:$PORT`), `PORTAL_DIR` (the built portal, `portal/dist`).

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use prenota_domain::catalogue::Catalogue;
use prenota_domain::ports::SystemClock;
use prenota_local::portal::Site;
use prenota_local::{Stack, mailbox, router};
use prenota_platform::dynamo::DynamoStore;
use prenota_platform::{AwsApp, Settings};

struct LocalSettings {
    endpoint: String,
    table: String,
    sender: String,
    port: u16,
    portal_url: String,
    portal_dir: Option<std::path::PathBuf>,
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
            portal_url: var("PORTAL_URL", &format!("http://127.0.0.1:{port}")),
            portal_dir: std::env::var_os("PORTAL_DIR").map(std::path::PathBuf::from),
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
        Some(which @ ("export" | "end-of-day" | "retention")) => {
            scheduled(&settings, which, &args[1..]).await
        }
        Some("office-user") => office_user(&settings, &args[1..]).await,
        Some("designate") => designate(&settings, &args[1..]).await,
        Some("camera-video") => camera_video(&args[1..]),
        _ => {
            eprintln!(
                "usage: prenota-local serve | mailbox [ADDRESS] | seed [--dir DIR] [--aws] \
                 | export [--date D] | end-of-day [--date D] | retention | office-user --office ID --email E --name N [--aws] \
                 | designate --office ID --fiscal-code CODE | camera-video RECEIPT.pdf OUT.y4m"
            );
            std::process::exit(2);
        }
    }
}

/// `camera-video RECEIPT.pdf OUT.y4m`: what Chromium's fake camera plays in the verifier's tests.
fn camera_video(args: &[String]) -> anyhow::Result<()> {
    let [pdf, out] = args else {
        anyhow::bail!("usage: prenota-local camera-video RECEIPT.pdf OUT.y4m");
    };
    let (code, video) =
        prenota_local::camera::receipt_video(&std::fs::read(pdf).context("the receipt")?)?;
    std::fs::write(out, video).context("the video")?;
    println!("{code}");
    Ok(())
}

/// The local stack ready (table, catalogue, sender, receipt key) and the application on it.
async fn local_app(settings: &LocalSettings) -> anyhow::Result<(Stack, AwsApp)> {
    let stack = Stack::connect(&settings.endpoint).await;
    stack.create_table(&settings.table).await?;
    // The repository's catalogue, unless this version is stored already (with the office's
    // own changes, such as designated organisations).
    let repository = prenota_local::stack::repository_catalogue();
    let stored = {
        use prenota_domain::ports::CatalogueStore;
        DynamoStore::new(aws_sdk_dynamodb::Client::new(&stack.sdk), &settings.table)
            .catalogue()
            .await
            .ok()
    };
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
    let app = stack.app(&app_settings, SystemClock);
    Ok((stack, app))
}

async fn serve(settings: &LocalSettings) -> anyhow::Result<()> {
    let (stack, app) = local_app(settings).await?;
    let address = SocketAddr::from(([127, 0, 0, 1], settings.port));
    println!("Prenota is serving on http://{address} (mailbox: http://{address}/_local/mailbox)");
    tokio::select! {
        served = router::serve(Arc::new(app), address, Site::new(settings.portal_dir.clone(), &stack.endpoint)) => served,
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

/// The value after `--name` in `args`.
fn option<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

/// The nightly export or the end-of-day pass, run by hand for `--date` (today by default),
/// through the very handlers the scheduled Lambdas run.
async fn scheduled(settings: &LocalSettings, which: &str, args: &[String]) -> anyhow::Result<()> {
    let (_, app) = local_app(settings).await?;
    let event = match option(args, "--date") {
        Some(date) => serde_json::json!({ "date": date }),
        None => serde_json::json!({}),
    };
    let outcome = match which {
        "export" => export::handle(&app, event).await,
        "retention" => retention::handle(&app, event).await,
        _ => end_of_day::handle(&app, event).await,
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&outcome.map_err(|e| anyhow::anyhow!("{e}"))?)?
    );
    Ok(())
}

/// An office account, by an administrator: `office-user --office ID --email E --name N [--aws]`.
async fn office_user(settings: &LocalSettings, args: &[String]) -> anyhow::Result<()> {
    let (office, email, name) = match (
        option(args, "--office"),
        option(args, "--email"),
        option(args, "--name"),
    ) {
        (Some(office), Some(email), Some(name)) => (office, email, name),
        _ => anyhow::bail!(
            "usage: prenota-local office-user --office ID --email ADDRESS --name NAME [--aws]"
        ),
    };
    let account = if args.iter().any(|a| a == "--aws") {
        let app = prenota_platform::build_app(
            &administrator_sdk().await,
            &Settings::from_env()?,
            SystemClock,
        );
        app.create_office_account(office, email, name).await
    } else {
        local_app(settings)
            .await?
            .1
            .create_office_account(office, email, name)
            .await
    };
    let account = account.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    println!(
        "Office account {} created for {office}: the link to choose a password was e-mailed.",
        account.id
    );
    Ok(())
}

/// Designates an organisation (by its fiscal code) to book an office's places reserved for
/// vulnerable persons (CAT-4), in the local stack's catalogue.
async fn designate(settings: &LocalSettings, args: &[String]) -> anyhow::Result<()> {
    use prenota_domain::ports::CatalogueStore;
    let (Some(office), Some(code)) = (option(args, "--office"), option(args, "--fiscal-code"))
    else {
        anyhow::bail!("usage: prenota-local designate --office ID --fiscal-code CODE");
    };
    let code = prenota_domain::types::FiscalCode::parse(code)
        .map_err(|_| anyhow::anyhow!("not a fiscal code: {code}"))?;
    let (_, app) = local_app(settings).await?;
    let mut catalogue = (*app.store.catalogue().await?).clone();
    let entry = catalogue
        .offices
        .iter_mut()
        .find(|o| o.id == office)
        .with_context(|| format!("no office {office}"))?;
    if !entry
        .designated_organisations
        .iter()
        .any(|c| c == code.as_str())
    {
        entry
            .designated_organisations
            .push(code.as_str().to_owned());
    }
    app.store.put_catalogue(&catalogue).await?;
    println!("{} designated at {office}", code.as_str());
    Ok(())
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
        let sdk = administrator_sdk().await;
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

/// The SDK as a person at a terminal needs it (`--aws`): the system's trust store, proxies from
/// the environment, SSO profiles. The functions trust Amazon's roots only (`sdk_config`).
async fn administrator_sdk() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await
}
