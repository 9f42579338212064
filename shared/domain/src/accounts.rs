//! The account use cases (ACC-1 to ACC-6): register, activate, sign in and out, reset the
//! password. Each reads top to bottom: parse, check limits, change the store, send the mail.

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use tracing::{Span, instrument, warn};
use uuid::Uuid;

use crate::App;
use crate::account::{Account, AccountStatus, AccountView, Holder};
use crate::error::{Code, Error, Problem, Problems, Result};
use crate::input::Form;
use crate::mail::{Requested, compose};
use crate::ports::{
    Clock, CreateAccountError, LinkPurpose, LinkToken, LinkUseError, Mailer, Session, Signer,
    Store, Unique,
};
use crate::rate_limit::Counter;
use crate::registration::parse_registration;
use crate::secrets::{LinkSecret, Password, SessionToken};
use crate::texts::AddressKind;
use crate::time::today_in_rome;
use crate::types::Email;

/// How often a write that raced with another change of the same account is retried.
const ACCOUNT_WRITE_ATTEMPTS: usize = 3;

pub struct Registered {
    pub account_id: Uuid,
    pub status: AccountStatus,
}

pub struct SignedIn {
    pub token: SessionToken,
    pub expires_at: DateTime<Utc>,
    pub account: Account,
}

/// The signed-in caller of a request.
pub struct Caller {
    pub account: Account,
    pub session: Session,
}

impl<S, M, K, C> App<S, M, K, C>
where
    S: Store,
    M: Mailer,
    K: Signer,
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

    /// `POST /login` (ACC-5). Failures are counted per account and per source IP.
    #[instrument(skip_all, fields(account_id))]
    pub async fn sign_in(&self, body: &Value, source_ip: &str) -> Result<SignedIn> {
        let form = Form::new(body)?;
        let mut problems = Problems::default();
        let email = form.parse(&mut problems, "email", Email::parse);
        let password = form.text(&mut problems, "password").map(Password::typed);
        problems.into_result()?;
        let (Some(email), Some(password)) = (email, password) else {
            unreachable!("checked above")
        };

        let now = self.clock.now();
        // Counted before the password is checked, and conditionally, so that parallel guesses
        // cannot pass a limit; given back when the password is right. The tight limit is per
        // account and source: a stranger who knows an e-mail locks only themselves out.
        let limits = &self.config.limits;
        let mut attempts = vec![
            limits.sign_in_per_account_and_source.counter(
                "sign-in-account-source",
                &format!("{}|{source_ip}", email.as_str()),
                now,
            ),
            limits
                .sign_in_per_source
                .counter("sign-in-ip", source_ip, now),
        ];
        // The slow limit on guesses from anywhere spares the holder's own recent networks.
        let known = self
            .store
            .account_by_email(&email)
            .await?
            .filter(|account| !account.expired(now));
        if !known.as_ref().is_some_and(|a| a.knows_source(source_ip)) {
            attempts.push(limits.sign_in_per_account.counter(
                "sign-in-account",
                email.as_str(),
                now,
            ));
        }
        self.limit(&attempts).await?;

        let account = known;
        let matches = match &account {
            Some(account) => password.matches(&account.password_hash),
            None => {
                password.match_nothing();
                false
            }
        };
        let Some(account) = account.filter(|_| matches) else {
            return Err(Code::InvalidCredentials.into());
        };
        Span::current().record("account_id", tracing::field::display(account.id));
        self.store.give_back(&attempts).await?;
        refuse_inactive(&account)?;
        if account
            .last_seen_at
            .is_none_or(|seen| now - seen > Duration::hours(12))
            || !account.knows_source(source_ip)
        {
            self.store.touch_account(&account, source_ip, now).await?;
        }

        let token = SessionToken::generate(account.id);
        let session = Session {
            token_hash: token.hash(),
            account_id: account.id,
            generation: account.session_generation,
            created_at: now,
            expires_at: now + self.config.session_valid,
        };
        self.store.create_session(&session).await?;
        Ok(SignedIn {
            token,
            expires_at: session.expires_at,
            account,
        })
    }

    /// The caller behind `Authorization: Bearer <token>`: the session must exist, be unexpired,
    /// belong to the account's current generation, and the account must be active.
    #[instrument(skip_all, fields(account_id))]
    pub async fn authenticate(&self, authorization: Option<&str>) -> Result<Caller> {
        // The scheme's name is case-insensitive (RFC 9110 §11.1).
        let token = authorization
            .and_then(|header| header.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .and_then(|(_, token)| SessionToken::parse(token.trim()))
            .ok_or(Code::Unauthenticated)?;
        let (session, account) = self
            .store
            .session_and_account(&token)
            .await?
            .ok_or(Code::Unauthenticated)?;
        let valid = session.expires_at > self.clock.now()
            && session.account_id == account.id
            && session.generation == account.session_generation;
        if !valid {
            return Err(Code::Unauthenticated.into());
        }
        Span::current().record("account_id", tracing::field::display(account.id));
        refuse_inactive(&account)?;
        Ok(Caller { account, session })
    }

    /// The account as its holder sees it; an organisation learns whether its office designated
    /// it for the reserved places (the portal then offers them).
    pub async fn account_view<'a>(&self, account: &'a Account) -> Result<AccountView<'a>> {
        let mut view = AccountView::from(account);
        if let Holder::Organisation(organisation) = &account.holder {
            let catalogue = self.store.catalogue().await?;
            view.designated =
                Some(catalogue.designates(&organisation.office, organisation.fiscal_code.as_str()));
        }
        Ok(view)
    }

    /// `POST /logout`: ends this session.
    #[instrument(skip_all, fields(account_id = %caller.account.id))]
    pub async fn sign_out(&self, caller: &Caller) -> Result<()> {
        self.store
            .delete_session(&caller.session.token_hash)
            .await?;
        Ok(())
    }

    /// `POST /password-reset` (ACC-6): the same answer, in the same time, whether or not the
    /// account exists (see `link_request`).
    #[instrument(skip_all)]
    pub async fn request_password_reset(&self, body: &Value, source_ip: &str) -> Result<()> {
        let email = email_field(body)?;
        let now = self.clock.now();
        let account = self.link_request("reset", &email, source_ip, now).await?;
        let expires_at = now + self.config.reset_link_valid;
        let (token, secret) = match &account {
            Some(account) => new_link(
                account.id,
                LinkPurpose::ResetPassword,
                expires_at,
                account.session_generation,
            ),
            None => (unusable_link(now), LinkSecret::generate()),
        };
        self.store.add_links(std::slice::from_ref(&token)).await?;
        let link = self.config.link("reset-password", secret.expose());
        let minutes = self.config.reset_link_valid.num_minutes();
        let (name, portal) = (
            account
                .as_ref()
                .map(Account::display_name)
                .unwrap_or_default(),
            &self.config.portal_url,
        );
        // No account: the same work, with the note sent to the simulator (see
        // `resend_activation`).
        let recipient = match &account {
            Some(_) => &email,
            None => &self.config.decoy_recipient,
        };
        let mail = compose(
            recipient,
            &name,
            self.language_of(account.as_ref()),
            Requested::MaybeBySomeoneElse,
            |t| match &account {
                Some(_) => t.password_reset(&link, minutes),
                None => t.no_account_for_reset(portal),
            },
        );
        self.deliver(self.mailer.send(&mail)).await;
        Ok(())
    }

    /// The account a link request is for, after its limits. Both link requests do the same
    /// work whether or not there is an account (the same reads, one link written, one e-mail
    /// sent: for an address without an account, to the mail service's simulator), so that
    /// neither the answer
    /// nor its time tells whether an address is registered. The limits count per address and
    /// source, per source, and (loosely) per address, so that nobody can use up an owner's
    /// requests or flood mailboxes.
    async fn link_request(
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
    fn language_of(&self, account: Option<&Account>) -> crate::Language {
        account.map_or_else(Default::default, |account| account.language)
    }

    /// Sends a mail whose failure must not change the answer (it would tell whether the
    /// account exists): the failure is logged, and the person can ask again.
    async fn deliver(&self, sending: impl Future<Output = anyhow::Result<()>>) {
        if let Err(error) = sending.await {
            warn!(error = format!("{error:#}"), "link e-mail not sent");
        }
    }

    /// `POST /password-reset/confirm`: sets the new password and ends every session.
    #[instrument(skip_all, fields(account_id))]
    pub async fn confirm_password_reset(&self, body: &Value) -> Result<()> {
        let form = Form::new(body)?;
        let mut problems = Problems::default();
        let token = form.text(&mut problems, "token");
        let password_text = form.text(&mut problems, "password");
        if let Some(text) = password_text {
            problems.check("password", Password::parse(text, None));
        }
        problems.into_result()?;
        let (Some(token), Some(password_text)) = (token, password_text) else {
            unreachable!("checked above")
        };
        let secret = LinkSecret::parse(token).ok_or(Code::LinkInvalid)?;

        let mut attempts = 0;
        loop {
            let now = self.clock.now();
            let (link, account) = self.live_link(&secret, now).await?;
            // A reset link made before the last password change is spent with it.
            if link.purpose != LinkPurpose::ResetPassword
                || link.generation != account.session_generation
            {
                return Err(Code::LinkInvalid.into());
            }
            Span::current().record("account_id", tracing::field::display(account.id));
            let password = Password::parse(password_text, Some(&account.email))
                .map_err(|problem| Error::invalid("password", problem))?;
            let changed = account.with_password(password.hash().map_err(Error::internal)?);
            match self
                .store
                .save_account_using_link(&link, now, &changed)
                .await
            {
                Ok(()) => {
                    let mail = compose(
                        &changed.email,
                        &changed.display_name(),
                        changed.language,
                        Requested::ByTheRecipient,
                        |t| t.password_changed(),
                    );
                    if let Err(error) = self.mailer.send(&mail).await {
                        warn!(
                            error = format!("{error:#}"),
                            "password-changed notice not sent"
                        );
                    }
                    return Ok(());
                }
                Err(error) => self.retry_or_fail(error, &mut attempts)?,
            }
        }
    }

    /// Counts one event on each counter; if one is full, nothing is counted and the answer is
    /// 429 until its window ends.
    async fn limit(&self, counters: &[Counter]) -> Result<()> {
        match self.store.take(counters).await? {
            None => Ok(()),
            Some(full) => Err(Error::rate_limited(counters[full].window_ends)),
        }
    }

    /// A stored, unexpired link and its account; anything else is 410.
    async fn live_link(
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

    fn retry_or_fail(&self, error: LinkUseError, attempts: &mut usize) -> Result<()> {
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
fn unusable_link(now: DateTime<Utc>) -> LinkToken {
    new_link(
        Uuid::nil(),
        LinkPurpose::ResetPassword,
        now + Duration::hours(1),
        0,
    )
    .0
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

/// A correct password does not open an account that is not active; the answer says why.
fn refuse_inactive(account: &Account) -> Result<()> {
    match account.status {
        AccountStatus::Active => Ok(()),
        AccountStatus::PendingActivation => Err(Code::NotActivated.into()),
        AccountStatus::PendingApproval => Err(Code::AwaitingApproval.into()),
        AccountStatus::Rejected => Err(Code::OrganisationRejected.into()),
    }
}

fn email_field(body: &Value) -> Result<Email> {
    let form = Form::new(body)?;
    let mut problems = Problems::default();
    let email = form.parse(&mut problems, "email", Email::parse);
    problems.into_result()?;
    Ok(email.expect("checked above"))
}

/// The `token` of a link-following request: missing is 422, malformed is 410 like any dead link.
fn link_secret(body: &Value) -> Result<LinkSecret> {
    let form = Form::new(body)?;
    let mut problems = Problems::default();
    let token = form.text(&mut problems, "token");
    problems.into_result()?;
    token
        .and_then(LinkSecret::parse)
        .ok_or_else(|| Code::LinkInvalid.into())
}
