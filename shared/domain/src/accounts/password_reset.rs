//! `POST /password-reset` and its confirmation (ACC-7): a link to choose a new password.

use serde_json::Value;
use tracing::{Span, instrument, warn};

use crate::App;
use crate::accounts::links::new_link;
use crate::accounts::{Account, email_field, unusable_link};
use crate::error::{Code, Error, Problems, Result};
use crate::input::Form;
use crate::ports::{Clock, LinkPurpose, Mailer, Store};
use crate::secrets::{LinkSecret, Password};
use crate::texts::mail::{Requested, SERVICE_NAME, compose};

impl<S, M, K, C, D> App<S, M, K, C, D>
where
    S: Store,
    M: Mailer,
    C: Clock,
{
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
            SERVICE_NAME,
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
            let changed = Account {
                // The link came through: the address takes mail again.
                undeliverable: None,
                ..account.with_password(password.hash().map_err(Error::internal)?)
            };
            match self
                .store
                .save_account_using_link(&link, now, &changed)
                .await
            {
                Ok(()) => {
                    let mail = compose(
                        SERVICE_NAME,
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
}
