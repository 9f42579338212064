//! Accounts made straight in the store, signed in, for tests and benchmarks of what comes after
//! registration (registration and sign-in are tested through the API on their own; hundreds of
//! argon2 hashes would only slow the others down).

use std::sync::OnceLock;

use chrono::Duration;
use prenota_domain::App;
use prenota_domain::accounts::registration::parse_registration;
use prenota_domain::accounts::{Account, AccountStatus, Holder};
use prenota_domain::ports::{Clock, Session, Store};
use prenota_domain::secrets::{Password, SessionToken};
use prenota_domain::time::today_in_rome;
use serde_json::Value;

use crate::samples::PASSWORD;

/// A signed-in account.
pub struct Client {
    pub session: String,
    pub email: String,
    pub account: Account,
}

/// An active account for a registration body (an organisation comes approved), with a session.
pub async fn signed_in<S: Store, M, K, C: Clock, D>(
    app: &App<S, M, K, C, D>,
    body: &Value,
) -> anyhow::Result<Client> {
    static HASH: OnceLock<String> = OnceLock::new();
    // One hash for every fixture account: argon2 is deliberately slow.
    let hash = HASH
        .get_or_init(|| {
            Password::typed(PASSWORD)
                .hash()
                .expect("hashing the sample password")
        })
        .clone();
    let now = app.clock.now();
    let registration =
        parse_registration(body, today_in_rome(now), now, &["milano", "alessandria"])
            .map_err(|e| anyhow::anyhow!("an invalid sample body: {e:?}"))?;
    let mut holder = registration.holder;
    if let Holder::Organisation(organisation) = &mut holder {
        organisation.email_verified = true;
        organisation.pec_verified = true;
    }
    let account = Account {
        id: uuid::Uuid::new_v4(),
        email: registration.email,
        password_hash: hash,
        status: AccountStatus::Active,
        language: registration.language,
        created_at: now,
        session_generation: 0,
        version: 1,
        holder,
        consents: Some(registration.consents),
        expires_at: None,
        last_seen_at: None,
        inactivity_warned_at: None,
        known_sources: Vec::new(),
        undeliverable: None,
    };
    app.store
        .create_account(&account, &[])
        .await
        .map_err(|e| anyhow::anyhow!("creating an account: {e:?}"))?;
    let session = open_session(app, &account, Duration::days(30)).await?;
    Ok(Client {
        session,
        email: account.email.as_str().to_owned(),
        account,
    })
}

/// Office staff of `office`, signed in (the administrator's command is tested on its own).
pub async fn office_staff<S: Store, M, K, C: Clock, D>(
    app: &App<S, M, K, C, D>,
    office: &str,
) -> anyhow::Result<Client> {
    let now = app.clock.now();
    let email = crate::samples::unique_email("ufficio");
    let account = Account {
        id: uuid::Uuid::new_v4(),
        email: prenota_domain::types::Email::parse(&email).map_err(|e| anyhow::anyhow!("{e:?}"))?,
        password_hash: String::new(),
        status: AccountStatus::Active,
        language: prenota_domain::Language::It,
        created_at: now,
        session_generation: 0,
        version: 1,
        holder: Holder::Office(prenota_domain::accounts::OfficeStaff {
            office: office.to_owned(),
            name: "Ispettrice Bianchi".into(),
        }),
        consents: None,
        expires_at: None,
        last_seen_at: None,
        inactivity_warned_at: None,
        known_sources: Vec::new(),
        undeliverable: None,
    };
    app.store
        .create_account(&account, &[])
        .await
        .map_err(|e| anyhow::anyhow!("creating an account: {e:?}"))?;
    let session = open_session(app, &account, Duration::days(1)).await?;
    Ok(Client {
        session,
        email,
        account,
    })
}

/// A session of `account`, straight in the store: its token.
async fn open_session<S: Store, M, K, C: Clock, D>(
    app: &App<S, M, K, C, D>,
    account: &Account,
    valid: Duration,
) -> anyhow::Result<String> {
    let now = app.clock.now();
    let token = SessionToken::generate(account.id);
    let session = Session {
        token_hash: token.hash(),
        account_id: account.id,
        generation: 0,
        created_at: now,
        expires_at: now + valid,
    };
    app.store.create_session(&session).await?;
    Ok(token.expose().to_owned())
}
