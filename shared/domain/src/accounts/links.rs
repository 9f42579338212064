//! E-mailed links: made, looked up, used once, and the mail that carries them.

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use tracing::warn;
use uuid::Uuid;

use crate::App;
use crate::accounts::Account;
use crate::error::{Code, Error, Problems, Result};
use crate::input::Form;
use crate::ports::{Clock, LinkPurpose, LinkToken, LinkUseError, Store};
use crate::secrets::LinkSecret;
use crate::types::Email;

/// How often a write that raced with another change of the same account is retried.
pub(crate) const ACCOUNT_WRITE_ATTEMPTS: usize = 3;

pub(crate) fn new_link(
    account_id: Uuid,
    purpose: LinkPurpose,
    expires_at: DateTime<Utc>,
    generation: u32,
) -> (LinkToken, LinkSecret) {
    let secret = LinkSecret::generate();
    (
        LinkToken {
            hash: secret.hash(),
            account_id,
            purpose,
            expires_at,
            generation,
        },
        secret,
    )
}

/// A link written where a registered address would get one, that opens nothing (no account
/// has the nil id) and whose secret nobody knows; it expires within the hour.
pub(crate) fn unusable_link(now: DateTime<Utc>) -> LinkToken {
    new_link(
        Uuid::nil(),
        LinkPurpose::ResetPassword,
        now + Duration::hours(1),
        0,
    )
    .0
}

/// The `token` of a link-following request: missing is 422, malformed is 410 like any dead link.
pub(crate) fn link_secret(body: &Value) -> Result<LinkSecret> {
    let form = Form::new(body)?;
    let mut problems = Problems::default();
    let token = form.text(&mut problems, "token");
    problems.into_result()?;
    token
        .and_then(LinkSecret::parse)
        .ok_or_else(|| Code::LinkInvalid.into())
}

impl<S, M, K, C, D> App<S, M, K, C, D>
where
    S: Store,
    C: Clock,
{
    /// The account a link request is for, after its limits. Both link requests do the same
    /// work whether or not there is an account (the same reads, one link written, one e-mail
    /// sent: for an address without an account, to the mail service's simulator), so that
    /// neither the answer
    /// nor its time tells whether an address is registered. The limits count per address and
    /// source, per source, and (loosely) per address, so that nobody can use up an owner's
    /// requests or flood mailboxes.
    pub(crate) async fn link_request(
        &self,
        what: &str,
        email: &Email,
        source_ip: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Account>> {
        let limits = &self.config.limits;
        self.limit(&[
            limits.link_requests_per_address_and_source.counter(
                &format!("{what}-address-source"),
                &format!("{}|{source_ip}", email.as_str()),
                now,
            ),
            limits
                .link_requests_per_source
                .counter(&format!("{what}-source"), source_ip, now),
            limits.link_requests_per_address.counter(
                &format!("{what}-address"),
                email.as_str(),
                now,
            ),
        ])
        .await?;
        let account = self.store.account_by_email(email).await?;
        if account.is_none() {
            // The read of an account that a registered address costs.
            self.store.account(Uuid::nil()).await?;
        }
        Ok(account.filter(|account| !account.expired(now)))
    }

    /// The language to write to an address in: its account's, or Italian.
    pub(crate) fn language_of(&self, account: Option<&Account>) -> crate::Language {
        account.map_or_else(Default::default, |account| account.language)
    }

    /// Sends a mail whose failure must not change the answer (it would tell whether the
    /// account exists): the failure is logged, and the person can ask again.
    pub(crate) async fn deliver(&self, sending: impl Future<Output = anyhow::Result<()>>) {
        if let Err(error) = sending.await {
            warn!(error = format!("{error:#}"), "link e-mail not sent");
        }
    }

    /// A stored, unexpired link and its account; anything else is 410.
    pub(crate) async fn live_link(
        &self,
        secret: &LinkSecret,
        now: DateTime<Utc>,
    ) -> Result<(LinkToken, Account)> {
        let link = self
            .store
            .link(&secret.hash())
            .await?
            .ok_or(Code::LinkInvalid)?;
        if link.expires_at <= now {
            return Err(Code::LinkInvalid.into());
        }
        let account = self
            .store
            .account(link.account_id)
            .await?
            .filter(|account| !account.expired(now))
            .ok_or(Code::LinkInvalid)?;
        Ok((link, account))
    }

    pub(crate) fn retry_or_fail(&self, error: LinkUseError, attempts: &mut usize) -> Result<()> {
        *attempts += 1;
        match error {
            LinkUseError::Gone => Err(Code::LinkInvalid.into()),
            LinkUseError::AccountChanged if *attempts < ACCOUNT_WRITE_ATTEMPTS => Ok(()),
            LinkUseError::AccountChanged => Err(Error::unavailable(anyhow::anyhow!(
                "the account kept changing"
            ))),
            LinkUseError::Failed(error) => Err(Error::unavailable(error)),
        }
    }
}
