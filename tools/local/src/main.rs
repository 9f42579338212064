//! `prenota-local`: the local stack's commands (moto standing in for AWS; settings in
//! `LocalSettings`).
//!
//! - `prenota-local serve`: creates the table and the SES sender identity in moto, then serves
//!   the API on `http://127.0.0.1:$PORT` (3000) through the Lambdas' handlers.
//! - `prenota-local mailbox [ADDRESS]`: prints the e-mails sent (to ADDRESS), with their links.
//! - `prenota-local seed [--dir DIR]`: loads the catalogue (`services.json`, `offices.json`; the
//!   repository's copy unless `--dir`) into the local table.
//! - `prenota-local export [--date D]`, `prenota-local end-of-day [--date D]`: the nightly export
//!   and the end-of-day pass for a day (by default the days due through yesterday), as
//!   the scheduled Lambdas run them; `prenota-local reminders [--date D]`: the reminders of the
//!   appointments two days on;
//!   `prenota-local retention`: the nightly retention pass (PD-1).
//! - `prenota-local designate --office ID --fiscal-code CODE`: an organisation the office
//!   designates to book the places reserved for vulnerable persons (CAT-4).
//! - `prenota-local office-user --office ID --email E --name N`: an office account (the only
//!   way one is made); the link to choose its password is e-mailed.
//! - `prenota-local camera-video RECEIPT.pdf OUT.y4m`: a fake camera's video of a receipt's QR
//!   code, for the browser tests of the verifier; prints the code (what a USB scanner types).
//!
//! `seed` and `office-user` against AWS are the administrator's command: `prenota-admin`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use prenota_admin::{OfficeUser, Seed};
use prenota_local::portal::Site;
use prenota_local::{LocalSettings, local_app, server};
use prenota_testing::{Stack, mailbox};

/// The local stack's commands: moto stands in for AWS, and every endpoint is served through
/// the very handlers the Lambdas run.
#[derive(Parser, Debug)]
#[command(name = "prenota-local")]
struct Command {
    #[command(subcommand)]
    action: Action,
}

#[derive(Subcommand, Debug)]
enum Action {
    /// Serves the API, the built portal and the mailbox page on http://127.0.0.1:$PORT.
    Serve,
    /// Prints the e-mails sent (to ADDRESS), with their links.
    Mailbox { address: Option<String> },
    /// Loads the catalogue into the local table.
    Seed(Seed),
    /// The nightly export to each office, for a day.
    Export(Day),
    /// The end-of-day pass (no-shows), for a day.
    EndOfDay(Day),
    /// The reminders of the appointments two days after a day.
    Reminders(Day),
    /// The nightly retention pass (PD-1).
    Retention(Day),
    /// Makes an office account; the link to choose its password is e-mailed.
    OfficeUser(OfficeUser),
    /// Designates an organisation to book an office's places reserved for vulnerable persons.
    Designate {
        #[arg(long, value_name = "ID")]
        office: String,
        #[arg(long, value_name = "CODE")]
        fiscal_code: String,
    },
    /// SES's word that mail to ADDRESS bounced for good (or, with --complaint, was reported as
    /// spam), as its SNS event reaches the mail-feedback function.
    Bounce {
        address: String,
        #[arg(long)]
        complaint: bool,
    },
    /// A fake camera's video of a receipt's QR code (Y4M); prints the code.
    CameraVideo { receipt: PathBuf, out: PathBuf },
}

#[derive(Args, Debug)]
struct Day {
    /// The day (YYYY-MM-DD); by default every day due through yesterday (those since the last
    /// completed).
    #[arg(long, value_name = "DATE")]
    date: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,aws_config=warn".into()),
        )
        .init();
    let command = Command::parse();
    let settings = LocalSettings::from_env()?;
    match command.action {
        Action::Serve => serve(&settings).await,
        Action::Mailbox { address } => print_mailbox(&settings, address.as_deref()).await,
        Action::Seed(seed) => {
            let stack = Stack::connect(&settings.endpoint).await;
            stack.create_table(&settings.table).await?;
            seed.run(&stack.sdk, &settings.table).await
        }
        Action::Export(day) => scheduled(&settings, Scheduled::Export, day).await,
        Action::EndOfDay(day) => scheduled(&settings, Scheduled::EndOfDay, day).await,
        Action::Reminders(day) => scheduled(&settings, Scheduled::Reminders, day).await,
        Action::Retention(day) => scheduled(&settings, Scheduled::Retention, day).await,
        Action::OfficeUser(office_user) => office_user.run(&local_app(&settings).await?.1).await,
        Action::Designate {
            office,
            fiscal_code,
        } => designate(&settings, &office, &fiscal_code).await,
        Action::Bounce { address, complaint } => {
            let event = prenota_testing::samples::ses_feedback_event(&address, complaint);
            let (_, app) = local_app(&settings).await?;
            let answer = mail_feedback::handle(&app, event)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{answer}");
            Ok(())
        }
        Action::CameraVideo { receipt, out } => camera_video(&receipt, &out),
    }
}

/// `camera-video RECEIPT.pdf OUT.y4m`: what Chromium's fake camera plays in the verifier's tests.
fn camera_video(pdf: &std::path::Path, out: &std::path::Path) -> anyhow::Result<()> {
    let (code, video) =
        prenota_testing::camera::receipt_video(&std::fs::read(pdf).context("the receipt")?)?;
    std::fs::write(out, video).context("the video")?;
    println!("{code}");
    Ok(())
}

async fn serve(settings: &LocalSettings) -> anyhow::Result<()> {
    let (stack, app) = local_app(settings).await?;
    let address = SocketAddr::from(([127, 0, 0, 1], settings.port));
    println!("Prenota is serving on http://{address} (mailbox: http://{address}/_local/mailbox)");
    tokio::select! {
        served = server::serve(Arc::new(app), address, Site::new(settings.portal_dir.clone(), &stack.endpoint)) => served,
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

enum Scheduled {
    Export,
    EndOfDay,
    Reminders,
    Retention,
}

/// The nightly export, the end-of-day or the retention pass, run by hand for `--date` (the days
/// due through yesterday by default), through the very handlers the scheduled Lambdas run.
async fn scheduled(settings: &LocalSettings, which: Scheduled, day: Day) -> anyhow::Result<()> {
    let (_, app) = local_app(settings).await?;
    let event = match day.date {
        Some(date) => serde_json::json!({ "date": date }),
        None => serde_json::json!({}),
    };
    let outcome = match which {
        Scheduled::Export => export::handle(&app, event).await,
        Scheduled::Retention => retention::handle(&app, event).await,
        Scheduled::EndOfDay => end_of_day::handle(&app, event).await,
        Scheduled::Reminders => reminders::handle(&app, event).await,
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&outcome.map_err(|e| anyhow::anyhow!("{e}"))?)?
    );
    Ok(())
}

/// Designates an organisation (by its fiscal code) to book an office's places reserved for
/// vulnerable persons (CAT-4), in the local stack's catalogue.
async fn designate(settings: &LocalSettings, office: &str, code: &str) -> anyhow::Result<()> {
    use prenota_domain::ports::CatalogueStore;
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
