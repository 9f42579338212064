//! `POST /register` and `POST /activate` (ACC-1, ACC-2, ACC-3): an account made inactive, with
//! its address proven by an e-mailed link.

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde_json::Value;
use tracing::{Span, instrument};
use uuid::Uuid;

use crate::App;
use crate::accounts::links::new_link;
use crate::accounts::registration::parse_registration;
use crate::accounts::{
    Account, AccountStatus, AddressKind, Unique, email_field, link_secret, unusable_link,
};
use crate::error::{Code, Error, Problem, Result};
use crate::ports::{Clock, CreateAccountError, LinkPurpose, LinkToken, Mailer, Store};
use crate::secrets::LinkSecret;
use crate::texts::mail::{Requested, SERVICE_NAME, compose};
use crate::time::today_in_rome;

pub struct Registered {
    pub account_id: Uuid,
    pub status: AccountStatus,
}

fn taken(unique: Unique) -> Error {
    match unique {
        Unique::Email => Error::new(Code::EmailTaken).field("email", Problem::AlreadyUsed),
        Unique::Document => {
            Error::new(Code::DocumentTaken).field("document.number", Problem::AlreadyUsed)
        }
        Unique::FiscalCode => {
            Error::new(Code::FiscalCodeTaken).field("fiscal_code", Problem::AlreadyUsed)
        }
    }
}

impl<S, M, K, C, D> App<S, M, K, C, D>
where
    S: Store,
    M: Mailer,
    C: Clock,
{
    /// `POST /register`: the account, its unique claims and its activation links are written in
    /// one transaction; if the activation e-mail cannot be sent, all of it is removed again.
    #[instrument(skip_all, fields(account_id))]
    pub async fn register(&self, body: &Value, source_ip: &str) -> Result<Registered> {
        let now = self.clock.now();
        let catalogue = self.store.catalogue().await?;
        let offices: Vec<&str> = catalogue
            .offices
            .iter()
            .map(|office| office.id.as_str())
            .collect();
        let registration = parse_registration(body, today_in_rome(now), now, &offices)?;
        let limits = &self.config.limits;
        self.limit(&[limits
            .registrations_per_source
            .counter("register-ip", source_ip, now)])
            .await?;

        let account = Account {
            id: Uuid::new_v4(),
            email: registration.email,
            password_hash: registration.password.hash().map_err(Error::internal)?,
            status: AccountStatus::PendingActivation,
            language: registration.language,
            created_at: now,
            session_generation: 0,
            version: 1,
            holder: registration.holder,
            consents: Some(registration.consents),
            expires_at: Some(now + self.config.activation_link_valid),
            last_seen_at: None,
            inactivity_warned_at: None,
            known_sources: Vec::new(),
            undeliverable: None,
        };
        Span::current().record("account_id", tracing::field::display(account.id));
        let links = self.activation_links(&account, now);
        let tokens: Vec<LinkToken> = links.iter().map(|(token, _, _)| token.clone()).collect();
        self.create_account_and_tell(
            &account,
            &tokens,
            self.send_activation_mails(&account, &links),
        )
        .await?;
        Ok(Registered {
            account_id: account.id,
            status: account.status,
        })
    }

    /// `POST /activate`: follows an activation link (ACC-3). Answers the account's new status.
    #[instrument(skip_all)]
    pub async fn activate(&self, body: &Value) -> Result<AccountStatus> {
        let secret = link_secret(body)?;
        let mut attempts = 0;
        loop {
            let now = self.clock.now();
            let (link, account) = self.live_link(&secret, now).await?;
            let LinkPurpose::Activate(address) = link.purpose else {
                return Err(Code::LinkInvalid.into());
            };
            let activated = account.with_address_verified(address);
            match self
                .store
                .save_account_using_link(&link, now, &activated)
                .await
            {
                Ok(()) => return Ok(activated.status),
                Err(error) => self.retry_or_fail(error, &mut attempts)?,
            }
        }
    }

    /// `POST /activate/resend`: new links for the addresses not yet verified. The answer, and
    /// the work behind it, are the same whether or not the e-mail is registered (see
    /// `link_request`).
    #[instrument(skip_all)]
    pub async fn resend_activation(&self, body: &Value, source_ip: &str) -> Result<()> {
        let email = email_field(body)?;
        let now = self.clock.now();
        let account = self.link_request("resend", &email, source_ip, now).await?;
        let pending = account.as_ref().map(|a| self.activation_links(a, now));
        match (&account, pending) {
            (Some(account), Some(links)) if !links.is_empty() => {
                let tokens: Vec<LinkToken> = links.iter().map(|(t, _, _)| t.clone()).collect();
                self.store.add_links(&tokens).await?;
                self.deliver(self.send_activation_mails(account, &links))
                    .await;
            }
            _ => {
                // Nothing to activate: the same writes and one e-mail all the same. An active
                // account's holder is told to sign in instead; a note for an address with no
                // account goes to the mail service's simulator (`Config::decoy_recipient`),
                // never to a stranger (no bounces to spoil the sender's reputation).
                self.store.add_links(&[unusable_link(now)]).await?;
                let active = account.is_some();
                let recipient = if active {
                    &email
                } else {
                    &self.config.decoy_recipient
                };
                let mail = compose(
                    SERVICE_NAME,
                    recipient,
                    "",
                    self.language_of(account.as_ref()),
                    Requested::MaybeBySomeoneElse,
                    |t| t.no_activation_needed(active, &self.config.portal_url),
                );
                self.deliver(self.mailer.send(&mail)).await;
            }
        }
        Ok(())
    }

    fn activation_links(
        &self,
        account: &Account,
        now: DateTime<Utc>,
    ) -> Vec<(LinkToken, LinkSecret, AddressKind)> {
        // Never past the registration's own expiry.
        let expires_at = (now + self.config.activation_link_valid)
            .min(account.expires_at.unwrap_or(DateTime::<Utc>::MAX_UTC));
        account
            .unverified_addresses()
            .into_iter()
            .map(|address| {
                let (token, secret) = new_link(
                    account.id,
                    LinkPurpose::Activate(address),
                    expires_at,
                    account.session_generation,
                );
                (token, secret, address)
            })
            .collect()
    }

    /// Writes a new account with its links, then sends its first e-mails (`tell`, which runs
    /// only once the account is written). If they cannot be sent, the account, its claims and
    /// its links are removed again: nothing is left half-made, and the request can be repeated.
    pub(crate) async fn create_account_and_tell(
        &self,
        account: &Account,
        links: &[LinkToken],
        tell: impl Future<Output = anyhow::Result<()>>,
    ) -> Result<()> {
        match self.store.create_account(account, links).await {
            Ok(()) => {}
            Err(CreateAccountError::Taken(unique)) => return Err(taken(unique)),
            Err(CreateAccountError::Failed(error)) => return Err(Error::unavailable(error)),
        }
        if let Err(error) = tell.await {
            self.store
                .delete_account(account, links)
                .await
                .context("removing an account whose first e-mail could not be sent")
                .map_err(Error::internal)?;
            // (Nothing can have changed a registration nobody has the link of yet.)
            return Err(Error::unavailable(
                error.context("sending a new account's first e-mail"),
            ));
        }
        Ok(())
    }

    async fn send_activation_mails(
        &self,
        account: &Account,
        links: &[(LinkToken, LinkSecret, AddressKind)],
    ) -> anyhow::Result<()> {
        let hours = self.config.activation_link_valid.num_hours();
        for (_, secret, address) in links {
            let link = self.config.link("activate", secret.expose());
            let mail = compose(
                SERVICE_NAME,
                account.address(*address),
                &account.display_name(),
                account.language,
                Requested::MaybeBySomeoneElse,
                |t| t.activation(*address, &link, hours),
            );
            self.mailer.send(&mail).await?;
        }
        Ok(())
    }
}
