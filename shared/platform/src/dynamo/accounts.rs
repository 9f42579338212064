//! Accounts: their items and indexes, their unique claims (e-mail, document, fiscal code), the
//! e-mailed links, the record of sign-ins (activity) and the erasures still to finish.

use anyhow::Context;
use chrono::{DateTime, Utc};
use prenota_domain::accounts::{Account, AccountStatus, Unique};
use prenota_domain::paging::{Cursor, Page};
use prenota_domain::ports::{
    AccountStore, CreateAccountError, ErasureReason, LinkToken, LinkUseError,
};
use prenota_domain::secrets::TokenHash;
use prenota_domain::types::Email;
use uuid::Uuid;

use super::keys::{self, PURGE_AT};
use super::ops::{Backend, Change, Condition, Transaction, Write};
use super::{DynamoStore, IndexQuery, from_item, number, string, to_item};

const VERSION: &str = "version";
const ACCOUNT_ID: &str = "account_id";

/// What each write of an account's transaction stands for, to tell why one was refused.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Part {
    Account,
    /// The claim of a unique value.
    Claim(Unique),
    Link,
}

impl<B: Backend> DynamoStore<B> {
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

impl<B: Backend> AccountStore for DynamoStore<B> {
    #[tracing::instrument(level = "debug", skip_all)]
    async fn create_account(
        &self,
        account: &Account,
        links: &[LinkToken],
    ) -> Result<(), CreateAccountError> {
        let failed = CreateAccountError::Failed;
        let mut transaction = Transaction::new().with(
            Part::Account,
            Write::put(
                self.account_item(account).map_err(failed)?,
                Some(Condition::Absent),
            ),
        );
        let now = account.created_at.timestamp();
        for (kind, value) in account.unique_claims() {
            let mut claim = keys::unique(kind, &value);
            claim.insert("account_id".into(), string(account.id.to_string()));
            // An unactivated registration's claims expire with it (until TTL removes them,
            // the condition lets a new registration take them over).
            if let Some(expires_at) = account.expires_at {
                claim.insert(PURGE_AT.into(), number(expires_at.timestamp()));
            }
            transaction.push(
                Part::Claim(kind),
                Write::put(claim, Some(Condition::absent_or_expired(now))),
            );
        }
        for link in links {
            transaction.push(
                Part::Link,
                Write::put(self.link_item(link).map_err(failed)?, None),
            );
        }
        match self.transact(transaction).await {
            Ok(()) => Ok(()),
            Err(cancelled) => match cancelled.failed_condition() {
                Some(Part::Claim(kind)) => Err(CreateAccountError::Taken(*kind)),
                _ => Err(failed(
                    cancelled.into_anyhow().context("creating an account"),
                )),
            },
        }
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn delete_account(&self, account: &Account, links: &[LinkToken]) -> anyhow::Result<bool> {
        // Only as it was read: an account used meanwhile is not deleted.
        let mut transaction = Transaction::new().with(
            Part::Account,
            Write::delete(
                keys::account(account.id),
                Some(Condition::eq(VERSION, number(account.version))),
            ),
        );
        let mine = Condition::Or(vec![
            Condition::Absent,
            Condition::eq(ACCOUNT_ID, string(account.id.to_string())),
        ]);
        for (kind, value) in account.unique_claims() {
            // Only the claims this account holds.
            transaction.push(
                Part::Claim(kind),
                Write::delete(keys::unique(kind, &value), Some(mine.clone())),
            );
        }
        for link in links {
            transaction.push(Part::Link, Write::delete(keys::link(&link.hash), None));
        }
        match self.transact(transaction).await {
            Ok(()) => Ok(true),
            Err(error) if error.failed_condition() == Some(&Part::Account) => Ok(false),
            Err(error) => Err(error.into_anyhow().context("deleting an account")),
        }
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn account(&self, id: Uuid) -> anyhow::Result<Option<Account>> {
        self.get(keys::account(id))
            .await?
            .map(from_item)
            .transpose()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn account_by_email(&self, email: &Email) -> anyhow::Result<Option<Account>> {
        let claim = self
            .get(keys::unique(Unique::Email, email.as_str()))
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

    #[tracing::instrument(level = "debug", skip_all, fields(office = %office, status = ?status))]
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

    #[tracing::instrument(level = "debug", skip_all, fields(month = %month))]
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

    #[tracing::instrument(level = "debug", skip_all)]
    async fn save_account(&self, account: &Account) -> anyhow::Result<bool> {
        let write = Write::put(
            self.account_item(account)?,
            Some(Condition::eq(VERSION, number(account.version - 1))),
        );
        self.write(write, "PutItem account").await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(links = links.len()))]
    async fn add_links(&self, links: &[LinkToken]) -> anyhow::Result<()> {
        let transaction = links
            .iter()
            .map(|link| Ok((Part::Link, Write::put(self.link_item(link)?, None))))
            .collect::<anyhow::Result<_>>()?;
        self.transact(transaction)
            .await
            .map_err(|e| e.into_anyhow().context("storing links"))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(reason = ?reason))]
    async fn mark_erasure(&self, account: Uuid, reason: ErasureReason) -> anyhow::Result<()> {
        let mut item = keys::erasure(account);
        item.insert("reason".into(), serde_dynamo::to_attribute_value(reason)?);
        self.write(Write::put(item, None), "PutItem erasure")
            .await
            .map(|_| ())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn pending_erasures(&self) -> anyhow::Result<Vec<(Uuid, ErasureReason)>> {
        let items = self
            // Every account id (a UUID's text sorts within "0" … "~").
            .partition(keys::ERASURES.to_owned(), "0".to_owned(), "~".to_owned())
            .await?;
        items
            .into_iter()
            .map(|item| {
                let id = item
                    .get(keys::SK)
                    .and_then(|v| v.as_s().ok())
                    .context("an erasure's account")?;
                let reason = item.get("reason").cloned().context("an erasure's reason")?;
                Ok((
                    Uuid::parse_str(id)?,
                    serde_dynamo::from_attribute_value(reason)?,
                ))
            })
            .collect()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn finish_erasure(&self, account: Uuid) -> anyhow::Result<()> {
        self.write(
            Write::delete(keys::erasure(account), None),
            "DeleteItem erasure",
        )
        .await
        .map(|_| ())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn touch_account(
        &self,
        account: &Account,
        source: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        self.record_activity(account, source, now).await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn link(&self, hash: &TokenHash) -> anyhow::Result<Option<LinkToken>> {
        self.get(keys::link(hash)).await?.map(from_item).transpose()
    }

    #[tracing::instrument(level = "debug", skip_all, fields(purpose = ?link.purpose))]
    async fn save_account_using_link(
        &self,
        link: &LinkToken,
        now: DateTime<Utc>,
        account: &Account,
    ) -> Result<(), LinkUseError> {
        let item = self.account_item(account).map_err(LinkUseError::Failed)?;
        let mut transaction = Transaction::new()
            // Single use: the link is consumed by this very transaction, and only if unexpired.
            .with(
                Part::Link,
                Write::delete(
                    keys::link(&link.hash),
                    Some(Condition::And(vec![
                        Condition::Exists,
                        Condition::gt(PURGE_AT, number(now.timestamp())),
                    ])),
                ),
            )
            // Written only over the version it was computed from.
            .with(
                Part::Account,
                Write::put(
                    item,
                    Some(Condition::eq(VERSION, number(account.version - 1))),
                ),
            );
        // Activated: its claims stop expiring with the registration.
        if account.expires_at.is_none() {
            for (kind, value) in account.unique_claims() {
                transaction.push(
                    Part::Claim(kind),
                    Write::update(
                        keys::unique(kind, &value),
                        vec![Change::remove(PURGE_AT)],
                        Some(Condition::eq(ACCOUNT_ID, string(account.id.to_string()))),
                    ),
                );
            }
        }
        match self.transact(transaction).await {
            Ok(()) => Ok(()),
            Err(cancelled) => match cancelled.failed_condition() {
                Some(Part::Link) => Err(LinkUseError::Gone),
                Some(Part::Account) => Err(LinkUseError::AccountChanged),
                _ => Err(LinkUseError::Failed(
                    cancelled.into_anyhow().context("using a link"),
                )),
            },
        }
    }
}

impl<B: Backend> DynamoStore<B> {
    /// `touch_account`: the last sign-in (and where from), and with it the account's place in
    /// the index of activity months that the inactivity pass reads; a warning of erasure no
    /// longer holds. A new version, so that a write computed from the account as it was (the
    /// pass's warning, its erasure) does not happen.
    async fn record_activity(
        &self,
        account: &Account,
        source: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let mut touched = Account {
            last_seen_at: Some(now),
            ..account.clone()
        };
        touched.remember_source(source);
        let mut changes = vec![
            Change::set("last_seen_at", string(now.to_rfc3339())),
            Change::set(
                "known_sources",
                serde_dynamo::to_attribute_value(&touched.known_sources)?,
            ),
            Change::remove("inactivity_warned_at"),
            Change::add(VERSION, 1),
        ];
        if let Some((month, seen)) = keys::activity_keys(&touched) {
            changes.push(Change::set("gsi3pk", string(month)));
            changes.push(Change::set("gsi3sk", string(seen)));
        }
        let write = Write::update(keys::account(account.id), changes, Some(Condition::Exists));
        self.write(write, "UpdateItem account activity")
            .await
            .map(|_| ())
    }
}
