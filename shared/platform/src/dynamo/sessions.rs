//! Signed-in sessions, read with their account in one round trip.

use prenota_domain::accounts::Account;
use prenota_domain::ports::{Session, SessionStore};
use prenota_domain::secrets::{SessionToken, TokenHash};

use super::keys::{self, PURGE_AT};
use super::ops::{Backend, Write};
use super::{DynamoStore, from_item, number, to_item};

impl<B: Backend> SessionStore for DynamoStore<B> {
    #[tracing::instrument(level = "debug", skip_all)]
    async fn create_session(&self, session: &Session) -> anyhow::Result<()> {
        let mut item = to_item(session, keys::session(&session.token_hash))?;
        item.insert(PURGE_AT.into(), number(session.expires_at.timestamp()));
        self.write(Write::put(item, None), "PutItem session")
            .await
            .map(|_| ())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn session_and_account(
        &self,
        token: &SessionToken,
    ) -> anyhow::Result<Option<(Session, Account)>> {
        let session_key = keys::session(&token.hash());
        let account_key = keys::account(token.account_id());
        let session_pk = keys::pk_of(&session_key).unwrap_or_default().to_owned();
        let mut session = None;
        let mut account = None;
        for item in self.get_many(vec![session_key, account_key]).await? {
            if keys::pk_of(&item) == Some(session_pk.as_str()) {
                session = Some(from_item::<Session>(item)?);
            } else {
                account = Some(from_item::<Account>(item)?);
            }
        }
        Ok(session.zip(account))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn delete_session(&self, hash: &TokenHash) -> anyhow::Result<()> {
        self.write(
            Write::delete(keys::session(hash), None),
            "DeleteItem session",
        )
        .await
        .map(|_| ())
    }
}
