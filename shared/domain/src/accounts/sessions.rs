//! Signing in and out (ACC-5, ACC-6), and who is calling: the session a bearer token names.

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use tracing::{Span, instrument};

use crate::App;
use crate::accounts::rate_limit::Counter;
use crate::accounts::{Account, AccountStatus, Holder};
use crate::error::{Code, Error, Problems, Result};
use crate::input::Form;
use crate::ports::{Clock, Session, Store};
use crate::secrets::{Password, SessionToken};
use crate::types::Email;

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

/// A correct password does not open an account that is not active; the answer says why.
fn refuse_inactive(account: &Account) -> Result<()> {
    match account.status {
        AccountStatus::Active => Ok(()),
        AccountStatus::PendingActivation => Err(Code::NotActivated.into()),
        AccountStatus::PendingApproval => Err(Code::AwaitingApproval.into()),
        AccountStatus::Rejected => Err(Code::OrganisationRejected.into()),
    }
}

pub(crate) fn email_field(body: &Value) -> Result<Email> {
    let form = Form::new(body)?;
    let mut problems = Problems::default();
    let email = form.parse(&mut problems, "email", Email::parse);
    problems.into_result()?;
    Ok(email.expect("checked above"))
}

impl<S, M, K, C, D> App<S, M, K, C, D>
where
    S: Store,
    C: Clock,
{
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

    /// Whether an organisation's office designated it for the reserved places (told to the
    /// organisation itself, whose portal then offers them); `None` for anyone else.
    pub async fn designated(&self, account: &Account) -> Result<Option<bool>> {
        match &account.holder {
            Holder::Organisation(organisation) => {
                let catalogue = self.store.catalogue().await?;
                Ok(Some(catalogue.designates(
                    &organisation.office,
                    organisation.fiscal_code.as_str(),
                )))
            }
            Holder::Person(_) | Holder::Office(_) => Ok(None),
        }
    }

    /// `POST /logout`: ends this session.
    #[instrument(skip_all, fields(account_id = %caller.account.id))]
    pub async fn sign_out(&self, caller: &Caller) -> Result<()> {
        self.store
            .delete_session(&caller.session.token_hash)
            .await?;
        Ok(())
    }

    /// Counts one event on each counter; if one is full, nothing is counted and the answer is
    /// 429 until its window ends.
    pub(crate) async fn limit(&self, counters: &[Counter]) -> Result<()> {
        match self.store.take(counters).await? {
            None => Ok(()),
            Some(full) => Err(Error::rate_limited(counters[full].window_ends)),
        }
    }
}
