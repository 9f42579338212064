//! Accounts, their unique claims, e-mailed links, sessions and rate-limit counters.

use anyhow::{Context, anyhow};
use aws_sdk_dynamodb::error::DisplayErrorContext;
use chrono::{DateTime, Utc};
use prenota_domain::account::{Account, AccountStatus};
use prenota_domain::paging::{Cursor, Page};
use prenota_domain::ports::{
    AccountStore, Counters, CreateAccountError, LinkToken, LinkUseError, Session, SessionStore,
};
use prenota_domain::rate_limit::Counter;
use prenota_domain::secrets::{SessionToken, TokenHash};
use prenota_domain::types::Email;
use uuid::Uuid;

use super::keys::{self, PURGE_AT};
use super::{
    DynamoStore, IndexQuery, TransactError, condition_held, from_item, number, string, to_item,
};

impl DynamoStore {
    /// An account as stored: with its index keys, and the TTL of an unactivated registration.
    fn account_item(&self, account: &Account) -> anyhow::Result<keys::Item> {
        let mut item = to_item(account, keys::account(account.id))?;
        item.extend(keys::account_index_keys(account));
        if let Some(expires_at) = account.expires_at {
            item.insert(PURGE_AT.into(), number(expires_at.timestamp()));
        }
        Ok(item)
    }

    fn link_item(&self, link: &LinkToken) -> anyhow::Result<keys::Item> {
        let mut item = to_item(link, keys::link(&link.hash))?;
        item.insert(PURGE_AT.into(), number(link.expires_at.timestamp()));
        Ok(item)
    }
}

impl AccountStore for DynamoStore {
    async fn create_account(
        &self,
        account: &Account,
        links: &[LinkToken],
    ) -> Result<(), CreateAccountError> {
        let failed = CreateAccountError::Failed;
        let claims = account.unique_claims();
        let mut items = vec![self.put(
            self.account_item(account).map_err(failed)?,
            Some("attribute_not_exists(pk)"),
            vec![],
        )];
        let now = account.created_at.timestamp();
        for (kind, value) in &claims {
            let mut claim = keys::unique(*kind, value);
            claim.insert("account_id".into(), string(account.id.to_string()));
            // An unactivated registration's claims expire with it (until TTL removes them,
            // the condition lets a new registration take them over).
            if let Some(expires_at) = account.expires_at {
                claim.insert(PURGE_AT.into(), number(expires_at.timestamp()));
            }
            items.push(self.put(
                claim,
                Some("attribute_not_exists(pk) OR purge_at <= :now"),
                vec![(":now", number(now))],
            ));
        }
        for link in links {
            items.push(self.put(self.link_item(link).map_err(failed)?, None, vec![]));
        }
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(cancelled) => match cancelled.failed_condition() {
                // Item 0 is the account; items 1..=claims are the claims, in order.
                Some(index) if (1..=claims.len()).contains(&index) => {
                    Err(CreateAccountError::Taken(claims[index - 1].0))
                }
                _ => Err(failed(
                    cancelled.into_anyhow().context("creating an account"),
                )),
            },
        }
    }

    async fn delete_account(&self, account: &Account, links: &[LinkToken]) -> anyhow::Result<()> {
        let mut items = vec![self.delete(keys::account(account.id), None, vec![])];
        for (kind, value) in account.unique_claims() {
            // Only the claims this account holds.
            items.push(self.delete(
                keys::unique(kind, &value),
                Some("account_id = :id"),
                vec![(":id", string(account.id.to_string()))],
            ));
        }
        for link in links {
            items.push(self.delete(keys::link(&link.hash), None, vec![]));
        }
        self.transact(items)
            .await
            .map_err(|e| e.into_anyhow().context("deleting an account"))
    }

    async fn account(&self, id: Uuid) -> anyhow::Result<Option<Account>> {
        self.get(keys::account(id))
            .await?
            .map(from_item)
            .transpose()
    }

    async fn account_by_email(&self, email: &Email) -> anyhow::Result<Option<Account>> {
        let claim = self
            .get(keys::unique(
                prenota_domain::ports::Unique::Email,
                email.as_str(),
            ))
            .await?;
        let Some(id) = claim
            .as_ref()
            .and_then(|claim| claim.get("account_id"))
            .and_then(|v| v.as_s().ok())
        else {
            return Ok(None);
        };
        let id = Uuid::parse_str(id).context("account id of an e-mail claim")?;
        // The claim may belong to an expired registration whose successor took it over: the
        // account must be the claim's.
        Ok(AccountStore::account(self, id)
            .await?
            .filter(|account| &account.email == email))
    }

    async fn organisations(
        &self,
        office: &str,
        status: AccountStatus,
        from: Option<&Cursor>,
    ) -> anyhow::Result<Page<Account>> {
        let query = IndexQuery {
            index: keys::BY_OWNER,
            partition_key: "gsi1pk",
            sort_key: "gsi1sk",
            partition: keys::organisations(office, status),
            sort_prefix: None,
            reverse: false,
            filter: None,
        };
        self.index_page(&query, from).await
    }

    async fn accounts_last_seen_in(
        &self,
        month: &str,
        from: Option<&Cursor>,
    ) -> anyhow::Result<Page<Account>> {
        let query = IndexQuery {
            index: keys::BY_CREATION,
            partition_key: "gsi3pk",
            sort_key: "gsi3sk",
            partition: keys::activity_partition(month),
            sort_prefix: None,
            reverse: false,
            filter: None,
        };
        self.index_page(&query, from).await
    }

    async fn save_account(&self, account: &Account) -> anyhow::Result<bool> {
        let outcome = self
            .client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(self.account_item(account)?))
            .condition_expression("version = :read")
            .expression_attribute_values(":read", number(account.version - 1))
            .send()
            .await;
        condition_held(outcome, "PutItem account")
    }

    async fn add_links(&self, links: &[LinkToken]) -> anyhow::Result<()> {
        let items = links
            .iter()
            .map(|link| Ok(self.put(self.link_item(link)?, None, vec![])))
            .collect::<anyhow::Result<_>>()?;
        self.transact(items)
            .await
            .map_err(|e| e.into_anyhow().context("storing links"))
    }

    async fn touch_account(&self, account: &Account, now: DateTime<Utc>) -> anyhow::Result<()> {
        self.record_activity(account, now).await
    }

    async fn link(&self, hash: &TokenHash) -> anyhow::Result<Option<LinkToken>> {
        self.get(keys::link(hash)).await?.map(from_item).transpose()
    }

    async fn save_account_using_link(
        &self,
        link: &LinkToken,
        now: DateTime<Utc>,
        account: &Account,
    ) -> Result<(), LinkUseError> {
        let item = self.account_item(account).map_err(LinkUseError::Failed)?;
        let mut items = vec![
            // Single use: the link is consumed by this very transaction, and only if unexpired.
            self.delete(
                keys::link(&link.hash),
                Some("attribute_exists(pk) AND purge_at > :now"),
                vec![(":now", number(now.timestamp()))],
            ),
            // Written only over the version it was computed from.
            self.put(
                item,
                Some("version = :read"),
                vec![(":read", number(account.version - 1))],
            ),
        ];
        // Activated: its claims stop expiring with the registration.
        if account.expires_at.is_none() {
            for (kind, value) in account.unique_claims() {
                items.push(self.update(
                    keys::unique(kind, &value),
                    "REMOVE purge_at",
                    Some("account_id = :id"),
                    vec![],
                    vec![(":id", string(account.id.to_string()))],
                ));
            }
        }
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(cancelled) => match cancelled.failed_condition() {
                Some(0) => Err(LinkUseError::Gone),
                Some(1) => Err(LinkUseError::AccountChanged),
                _ => Err(LinkUseError::Failed(
                    cancelled.into_anyhow().context("using a link"),
                )),
            },
        }
    }
}

impl DynamoStore {
    /// `touch_account`: the last sign-in, and with it the account's place in the index of
    /// activity months that the inactivity pass reads; a warning of erasure no longer holds.
    async fn record_activity(&self, account: &Account, now: DateTime<Utc>) -> anyhow::Result<()> {
        let touched = Account {
            last_seen_at: Some(now),
            ..account.clone()
        };
        let mut update = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(keys::account(account.id)))
            .condition_expression("attribute_exists(pk)")
            .update_expression("SET last_seen_at = :now REMOVE inactivity_warned_at")
            .expression_attribute_values(":now", string(now.to_rfc3339()));
        if let Some((month, seen)) = keys::activity_keys(&touched) {
            update = update
                .update_expression(
                    "SET last_seen_at = :now, gsi3pk = :month, gsi3sk = :seen \
                     REMOVE inactivity_warned_at",
                )
                .expression_attribute_values(":month", string(month))
                .expression_attribute_values(":seen", string(seen));
        }
        condition_held(update.send().await, "UpdateItem account activity").map(|_| ())
    }
}

impl SessionStore for DynamoStore {
    async fn create_session(&self, session: &Session) -> anyhow::Result<()> {
        let mut item = to_item(session, keys::session(&session.token_hash))?;
        item.insert(PURGE_AT.into(), number(session.expires_at.timestamp()));
        self.client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| anyhow!("{}", DisplayErrorContext(&e)))
            .context("PutItem session")?;
        Ok(())
    }

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

    async fn delete_session(&self, hash: &TokenHash) -> anyhow::Result<()> {
        self.client()
            .delete_item()
            .table_name(self.table())
            .set_key(Some(keys::session(hash)))
            .send()
            .await
            .map_err(|e| anyhow!("{}", DisplayErrorContext(&e)))
            .context("DeleteItem session")?;
        Ok(())
    }
}

impl Counters for DynamoStore {
    async fn take(&self, counters: &[Counter]) -> anyhow::Result<Option<usize>> {
        let items: Vec<_> = counters
            .iter()
            .map(|counter| {
                self.update(
                    keys::counter(&counter.id),
                    "ADD hits :one SET purge_at = if_not_exists(purge_at, :end)",
                    Some("attribute_not_exists(hits) OR hits < :max"),
                    vec![],
                    vec![
                        (":one", number(1)),
                        (":end", number(counter.window_ends.timestamp())),
                        (":max", number(counter.max)),
                    ],
                )
            })
            .collect();
        match self.transact(items).await {
            Ok(()) => Ok(None),
            Err(error) => match error.failed_condition() {
                Some(full) => Ok(Some(full)),
                None => Err(error.into_anyhow().context("counting a limit")),
            },
        }
    }

    async fn give_back(&self, counters: &[Counter]) -> anyhow::Result<()> {
        let items = counters
            .iter()
            .map(|counter| {
                self.update(
                    keys::counter(&counter.id),
                    "ADD hits :minus_one",
                    Some("hits > :zero"),
                    vec![],
                    vec![(":minus_one", number(-1)), (":zero", number(0))],
                )
            })
            .collect();
        match self.transact(items).await {
            // A counter whose window ended meanwhile has nothing to give back.
            Ok(()) | Err(TransactError::Cancelled(_)) => Ok(()),
            Err(error) => Err(error.into_anyhow().context("giving back a count")),
        }
    }
}

impl From<TransactError> for anyhow::Error {
    fn from(error: TransactError) -> Self {
        error.into_anyhow()
    }
}
