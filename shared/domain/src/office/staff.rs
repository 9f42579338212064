//! Office accounts: made by the administrator's tool only, for one office.

use uuid::Uuid;

use crate::App;
use crate::accounts::{Account, AccountStatus, Holder, new_link};
use crate::error::{Error, Problem, Problems, Result};
use crate::ports::{Clock, LinkPurpose, Mailer, Store};
use crate::texts::Language;
use crate::texts::mail::{Requested, SERVICE_NAME, compose};
use crate::types::text_line;

impl<S, M, K, C, D> App<S, M, K, C, D>
where
    S: Store,
    M: Mailer,
    C: Clock,
{
    /// An office account, made by an administrator (never by registration): a random password
    /// nobody knows, and an e-mailed link to choose one.
    pub async fn create_office_account(
        &self,
        office: &str,
        email: &str,
        name: &str,
    ) -> Result<Account> {
        let now = self.clock.now();
        let catalogue = self.store.catalogue().await?;
        let mut problems = Problems::default();
        let known = problems.check(
            "office",
            catalogue
                .office(office)
                .map(|o| o.name.clone())
                .ok_or(Problem::UnknownId),
        );
        let email = problems.check("email", crate::types::Email::parse(email));
        let name = problems.check("name", text_line(name, crate::limits::STAFF_NAME_CHARS));
        problems.into_result()?;
        let (office_name, email, name) = (
            known.expect("checked"),
            email.expect("checked"),
            name.expect("checked"),
        );
        let unknown_password =
            crate::secrets::Password::typed(crate::secrets::LinkSecret::generate().expose());
        let account = Account {
            id: Uuid::new_v4(),
            email,
            password_hash: unknown_password.hash().map_err(Error::internal)?,
            status: AccountStatus::Active,
            language: Language::It,
            created_at: now,
            session_generation: 0,
            version: 1,
            holder: Holder::Office(crate::accounts::OfficeStaff {
                office: office.to_owned(),
                name,
            }),
            consents: None,
            expires_at: None,
            last_seen_at: None,
            inactivity_warned_at: None,
            known_sources: Vec::new(),
            undeliverable: None,
        };
        // The link to choose a password lasts as long as an activation link.
        let (link, secret) = new_link(
            account.id,
            LinkPurpose::ResetPassword,
            now + self.config.activation_link_valid,
            account.session_generation,
        );
        let url = self.config.link("reset-password", secret.expose());
        let hours = self.config.activation_link_valid.num_hours();
        let mail = compose(
            SERVICE_NAME,
            &account.email,
            &account.display_name(),
            account.language,
            Requested::MaybeBySomeoneElse,
            |t| t.office_welcome(&office_name, &url, hours),
        );
        self.create_account_and_tell(
            &account,
            std::slice::from_ref(&link),
            self.mailer.send(&mail),
        )
        .await?;
        Ok(account)
    }
}
