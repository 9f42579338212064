//! The store on DynamoDB. Every change of more than one item is one transaction, so a failure
//! half-way leaves nothing half-written.
//!
//! The store builds its operations as values (`ops`: keys, conditions, transactions, queries)
//! and a `Backend` runs them: DynamoDB through the SDK (`sdk`), or DynamoDB's model in memory
//! (`memory`) for unit tests and the click-day simulation, so that both run this very code.
//!
//! One module per subject, as the domain's ports are split: `accounts`, `sessions`,
//! `counters`, `catalogue`, `bookings` (with `slots`, the slot items and their recent picture),
//! `exports`, `jobs` (the nightly jobs' progress), `closures` and `notices` (the outbox); every key layout is in `keys`.
//!
//! Every store call is traced (`#[tracing::instrument]`) at debug level, with non-personal
//! fields only, for tests and local runs: release builds compile debug spans out (the workspace
//! manifest's `release_max_level_info`).

mod accounts;
mod bookings;
mod catalogue;
mod closures;
mod counters;
mod draws;
mod exports;
mod jobs;
pub mod keys;
#[cfg(any(test, feature = "memory"))]
pub mod memory;
mod notices;
pub mod ops;
pub mod sdk;
mod sessions;
mod slots;

use std::collections::HashMap;

use anyhow::Context;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use prenota_domain::limits;
use prenota_domain::paging::{Cursor, Page};
use serde::Serialize;
use serde::de::DeserializeOwned;

use keys::Item;
use ops::{Backend, Condition, Failure, Query, Reason, ReasonCode, SortKey, Transaction, Write};
pub use sdk::SdkBackend;

/// How many times a transaction cancelled only by concurrent transactions on the same items
/// (`TransactionConflict`) or by throttling is tried again.
const CONTENTION_RETRIES: u32 = 5;

/// How many pages a filtered list reads at most to fill one page for the caller.
const FILTERED_READS: usize = 10;

#[derive(Clone)]
pub struct DynamoStore<B = SdkBackend> {
    backend: B,
    /// The catalogue as last read, and when: it changes rarely, and a burst of bookings should
    /// not read it once each.
    catalogue_cache: catalogue::CatalogueCache,
    slot_cache: slots::SlotCountsCache,
}

/// Why a transaction did not happen.
pub enum TransactError<P> {
    /// A condition failed: each write's part with DynamoDB's reason for it, in order.
    Cancelled(Vec<(P, Reason)>),
    /// Other transactions held its items, or its partitions were over their throughput, through
    /// every retry: nothing was written, and trying again later may work.
    Busy,
    Failed(anyhow::Error),
}

impl<P> TransactError<P> {
    /// The part of the first write whose condition failed.
    pub fn failed_condition(&self) -> Option<&P> {
        match self {
            TransactError::Cancelled(reasons) => reasons
                .iter()
                .find(|(_, reason)| reason.code == ReasonCode::ConditionalCheckFailed)
                .map(|(part, _)| part),
            TransactError::Busy | TransactError::Failed(_) => None,
        }
    }

    pub fn into_anyhow(self) -> anyhow::Error {
        match self {
            TransactError::Cancelled(reasons) => {
                let codes: Vec<String> = reasons
                    .iter()
                    .map(|(_, r)| format!("{:?}", r.code))
                    .collect();
                anyhow::anyhow!("transaction cancelled: {codes:?}")
            }
            TransactError::Busy => anyhow::anyhow!("transaction cancelled by contention"),
            TransactError::Failed(error) => error,
        }
    }
}

impl<P> From<TransactError<P>> for anyhow::Error {
    fn from(error: TransactError<P>) -> Self {
        error.into_anyhow()
    }
}

impl DynamoStore<SdkBackend> {
    pub fn new(client: Client, table: impl Into<String>) -> DynamoStore {
        DynamoStore::with_backend(SdkBackend::new(client, table))
    }

    pub fn client(&self) -> &Client {
        self.backend.client()
    }

    pub fn table(&self) -> &str {
        self.backend.table()
    }
}

impl<B: Backend> DynamoStore<B> {
    pub fn with_backend(backend: B) -> DynamoStore<B> {
        DynamoStore {
            backend,
            catalogue_cache: Default::default(),
            slot_cache: Default::default(),
        }
    }

    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// Runs a transaction, trying again (with jittered backoff) while it is cancelled only by
    /// contention: conflicts with concurrent transactions on its items, or throttling.
    pub async fn transact<P>(&self, transaction: Transaction<P>) -> Result<(), TransactError<P>> {
        self.transact_retrying(transaction, CONTENTION_RETRIES)
            .await
    }

    /// A transaction tried again at most `retries` times while contention alone cancels it;
    /// past them, `Busy`.
    pub async fn transact_retrying<P>(
        &self,
        transaction: Transaction<P>,
        retries: u32,
    ) -> Result<(), TransactError<P>> {
        let mut attempt = 0;
        loop {
            match self.backend.transact(transaction.writes()).await {
                Ok(()) => return Ok(()),
                Err(Failure::Cancelled(reasons)) => {
                    let condition_failed = reasons
                        .iter()
                        .any(|r| r.code == ReasonCode::ConditionalCheckFailed);
                    let contended = reasons.iter().any(|r| {
                        matches!(
                            r.code,
                            ReasonCode::TransactionConflict | ReasonCode::Throttling
                        )
                    });
                    if condition_failed || !contended {
                        let count = reasons.len();
                        let writes = transaction.len();
                        return Err(match transaction.read_reasons(reasons) {
                            Some(reasons) => TransactError::Cancelled(reasons),
                            None => TransactError::Failed(anyhow::anyhow!(
                                "TransactWriteItems: {count} cancellation reasons for {writes} writes"
                            )),
                        });
                    }
                    if attempt >= retries {
                        return Err(TransactError::Busy);
                    }
                }
                Err(Failure::Throttled) if attempt < retries => {}
                Err(Failure::Throttled) => return Err(TransactError::Busy),
                Err(other) => {
                    return Err(TransactError::Failed(
                        other.into_anyhow("TransactWriteItems"),
                    ));
                }
            }
            attempt += 1;
            sdk::backoff(attempt).await;
        }
    }

    /// One conditional write: `false` if its condition failed.
    pub async fn write(&self, write: Write, what: &str) -> anyhow::Result<bool> {
        match self.backend.write(write).await {
            Ok(()) => Ok(true),
            Err(Failure::ConditionFailed) => Ok(false),
            Err(other) => Err(other.into_anyhow(what)),
        }
    }

    /// A strongly consistent read of one item.
    pub async fn get(&self, key: Item) -> anyhow::Result<Option<Item>> {
        self.backend
            .get(key, true)
            .await
            .map_err(|e| e.into_anyhow("GetItem"))
    }

    /// Strongly consistent reads of several items in one round trip (at most 100 keys). Items
    /// that do not exist are absent from the answer.
    pub async fn get_many(&self, keys: Vec<Item>) -> anyhow::Result<Vec<Item>> {
        self.backend
            .batch_get(keys)
            .await
            .map_err(|e| e.into_anyhow("BatchGetItem"))
    }

    /// Every item of a partition of the table whose sort key is within `from..=to`.
    pub async fn partition(
        &self,
        partition: String,
        from: String,
        to: String,
    ) -> anyhow::Result<Vec<Item>> {
        self.every_page(Query {
            index: None,
            partition_key: keys::PK.into(),
            partition,
            sort_key: keys::SK.into(),
            sort: Some(SortKey::Between(from, to)),
            filter: None,
            forward: true,
            limit: None,
            start: None,
            consistent: true,
        })
        .await
    }

    /// Every item of one partition of an index (`gsi3pk` of `by-creation`, …), in sort order.
    pub async fn index_partition(
        &self,
        index: &str,
        partition_key: &str,
        sort_key: &str,
        partition: &str,
    ) -> anyhow::Result<Vec<Item>> {
        self.every_page(Query {
            index: Some(index.to_owned()),
            partition_key: partition_key.to_owned(),
            partition: partition.to_owned(),
            sort_key: sort_key.to_owned(),
            sort: None,
            filter: None,
            forward: true,
            limit: None,
            start: None,
            consistent: false,
        })
        .await
    }

    /// Every page of a query, read one after another.
    async fn every_page(&self, query: Query) -> anyhow::Result<Vec<Item>> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .backend
                .query(Query {
                    start,
                    ..query.clone()
                })
                .await
                .map_err(|e| e.into_anyhow("Query"))?;
            items.extend(page.items);
            start = page.last;
            if start.is_none() {
                return Ok(items);
            }
        }
    }
}

/// A query of one partition of an index, a page at a time.
pub struct IndexQuery<'a> {
    pub index: &'a str,
    /// The index's partition and sort key attributes (`gsi1pk`, `gsi1sk`, …).
    pub partition_key: &'a str,
    pub sort_key: &'a str,
    pub partition: String,
    /// Only the items whose sort key starts so.
    pub sort_prefix: Option<String>,
    /// Newest (last) first.
    pub reverse: bool,
    /// Only the items for which this holds.
    pub filter: Option<Condition>,
}

impl<B: Backend> DynamoStore<B> {
    /// One page (at most `limits::PAGE_SIZE` items) of an index partition, and where the next
    /// starts. A filtered list reads on until it has a page's worth or has read
    /// `FILTERED_READS` pages, so that a search does not answer empty pages with a cursor. The
    /// cursor carries only positions: the partition is the query's own, so a forged cursor
    /// moves within the caller's list or is refused (`InvalidCursor`).
    pub async fn index_page<T: DeserializeOwned>(
        &self,
        query: &IndexQuery<'_>,
        from: Option<&Cursor>,
    ) -> anyhow::Result<Page<T>> {
        let mut start = from.map(|cursor| {
            HashMap::from([
                (keys::PK.to_owned(), string(&cursor.pk)),
                (keys::SK.to_owned(), string(&cursor.sk)),
                (query.partition_key.to_owned(), string(&query.partition)),
                (query.sort_key.to_owned(), string(&cursor.sort)),
            ])
        });
        let mut items = Vec::new();
        for _ in 0..FILTERED_READS {
            let page = self
                .backend
                .query(Query {
                    index: Some(query.index.to_owned()),
                    partition_key: query.partition_key.to_owned(),
                    partition: query.partition.clone(),
                    sort_key: query.sort_key.to_owned(),
                    sort: query.sort_prefix.clone().map(SortKey::BeginsWith),
                    filter: query.filter.clone(),
                    forward: !query.reverse,
                    limit: Some(limits::PAGE_SIZE - items.len()),
                    start: start.take(),
                    consistent: false,
                })
                .await
                .map_err(|e| e.into_anyhow("Query"))?;
            items.extend(page.items);
            start = page.last;
            if start.is_none() || items.len() >= limits::PAGE_SIZE || query.filter.is_none() {
                break;
            }
        }
        let next = start.and_then(|key| {
            let text = |name: &str| key.get(name).and_then(|v| v.as_s().ok()).cloned();
            Some(Cursor {
                sort: text(query.sort_key)?,
                pk: text(keys::PK)?,
                sk: text(keys::SK)?,
            })
        });
        Ok(Page {
            items: items
                .into_iter()
                .map(from_item)
                .collect::<anyhow::Result<_>>()?,
            next,
        })
    }
}

/// A domain record as an item, with its key.
pub fn to_item<T: Serialize>(value: &T, key: Item) -> anyhow::Result<Item> {
    let mut item: Item = serde_dynamo::to_item(value).context("serialising an item")?;
    item.extend(key);
    Ok(item)
}

pub fn from_item<T: DeserializeOwned>(item: Item) -> anyhow::Result<T> {
    serde_dynamo::from_item(item).context("reading a stored item")
}

pub fn number(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub fn string(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

/// An item's string attribute, if it has one by that name.
pub fn text_of<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|value| value.as_s().ok())
        .map(String::as_str)
}
