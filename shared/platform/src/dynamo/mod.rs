//! The store on DynamoDB. Every change of more than one item is one `TransactWriteItems`, so a
//! failure half-way leaves nothing half-written.

mod accounts;
mod bookings;
pub mod keys;

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Context, anyhow};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, CancellationReason, ConditionCheck, Delete, Put,
    ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use prenota_domain::limits;
use prenota_domain::paging::{Cursor, InvalidCursor, Page};
use serde::Serialize;
use serde::de::DeserializeOwned;

use keys::Item;

/// How many times a transaction cancelled only by concurrent transactions on the same items
/// (`TransactionConflict`) is tried again.
const CONFLICT_RETRIES: u32 = 5;

#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    /// The catalogue as last read, and when: it changes rarely, and a burst of bookings should
    /// not read it once each.
    catalogue_cache: bookings::CatalogueCache,
}

/// Why a transaction did not happen.
pub enum TransactError {
    /// A condition failed: the reasons, one per item in the order given (`code()` is
    /// `ConditionalCheckFailed` for the items whose condition failed, `None` for the others).
    Cancelled(Vec<CancellationReason>),
    Failed(anyhow::Error),
}

impl TransactError {
    /// The index of the first item whose condition failed.
    pub fn failed_condition(&self) -> Option<usize> {
        match self {
            TransactError::Cancelled(reasons) => reasons
                .iter()
                .position(|reason| reason.code() == Some("ConditionalCheckFailed")),
            TransactError::Failed(_) => None,
        }
    }

    pub fn into_anyhow(self) -> anyhow::Error {
        match self {
            TransactError::Cancelled(reasons) => {
                let codes: Vec<&str> = reasons.iter().map(|r| r.code().unwrap_or("None")).collect();
                anyhow!("transaction cancelled: {codes:?}")
            }
            TransactError::Failed(error) => error,
        }
    }
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> DynamoStore {
        DynamoStore {
            client,
            table: table.into(),
            catalogue_cache: Default::default(),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Runs a transaction, trying again (with jittered backoff) while it is cancelled only by
    /// conflicts with concurrent transactions.
    pub async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<(), TransactError> {
        let mut attempt = 0;
        loop {
            let outcome = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items.clone()))
                .send()
                .await;
            let error = match outcome {
                Ok(_) => return Ok(()),
                Err(error) => error,
            };
            match error {
                SdkError::ServiceError(service) => match service.into_err() {
                    TransactWriteItemsError::TransactionCanceledException(cancelled) => {
                        let reasons = cancelled.cancellation_reasons().to_vec();
                        let conflict_only = reasons
                            .iter()
                            .any(|r| r.code() == Some("TransactionConflict"))
                            && !reasons
                                .iter()
                                .any(|r| r.code() == Some("ConditionalCheckFailed"));
                        if conflict_only && attempt < CONFLICT_RETRIES {
                            attempt += 1;
                            backoff(attempt).await;
                            continue;
                        }
                        return Err(TransactError::Cancelled(reasons));
                    }
                    other => {
                        return Err(TransactError::Failed(
                            anyhow!("{}", DisplayErrorContext(&other))
                                .context("TransactWriteItems"),
                        ));
                    }
                },
                other => {
                    return Err(TransactError::Failed(
                        anyhow!("{}", DisplayErrorContext(&other)).context("TransactWriteItems"),
                    ));
                }
            }
        }
    }

    /// A conditional put, for a transaction; a failed condition returns the old item.
    pub fn put(
        &self,
        item: Item,
        condition: Option<&str>,
        values: Vec<(&str, AttributeValue)>,
    ) -> TransactWriteItem {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .set_condition_expression(condition.map(str::to_owned))
            .set_expression_attribute_values(values_map(values))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .expect("table and item are set");
        TransactWriteItem::builder().put(put).build()
    }

    pub fn delete(
        &self,
        key: Item,
        condition: Option<&str>,
        values: Vec<(&str, AttributeValue)>,
    ) -> TransactWriteItem {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .set_condition_expression(condition.map(str::to_owned))
            .set_expression_attribute_values(values_map(values))
            .build()
            .expect("table and key are set");
        TransactWriteItem::builder().delete(delete).build()
    }

    pub fn update(
        &self,
        key: Item,
        update: &str,
        condition: Option<&str>,
        names: Vec<(&str, &str)>,
        values: Vec<(&str, AttributeValue)>,
    ) -> TransactWriteItem {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .update_expression(update)
            .set_condition_expression(condition.map(str::to_owned))
            .set_expression_attribute_names(names_map(names))
            .set_expression_attribute_values(values_map(values))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .expect("table, key and expression are set");
        TransactWriteItem::builder().update(update).build()
    }

    pub fn condition_check(
        &self,
        key: Item,
        condition: &str,
        values: Vec<(&str, AttributeValue)>,
    ) -> TransactWriteItem {
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .condition_expression(condition)
            .set_expression_attribute_values(values_map(values))
            .build()
            .expect("table, key and condition are set");
        TransactWriteItem::builder().condition_check(check).build()
    }

    /// A strongly consistent read of one item.
    pub async fn get(&self, key: Item) -> anyhow::Result<Option<Item>> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| anyhow!("{}", DisplayErrorContext(&e)))
            .context("GetItem")?;
        Ok(output.item)
    }

    /// Strongly consistent reads of several items in one round trip (at most 100 keys). Items
    /// that do not exist are absent from the answer.
    pub async fn get_many(&self, keys: Vec<Item>) -> anyhow::Result<Vec<Item>> {
        use aws_sdk_dynamodb::types::KeysAndAttributes;
        let mut pending = keys;
        let mut found = Vec::new();
        let mut attempt = 0;
        while !pending.is_empty() {
            let request = KeysAndAttributes::builder()
                .set_keys(Some(pending))
                .consistent_read(true)
                .build()?;
            let output = self
                .client
                .batch_get_item()
                .request_items(&self.table, request)
                .send()
                .await
                .map_err(|e| anyhow!("{}", DisplayErrorContext(&e)))
                .context("BatchGetItem")?;
            found.extend(
                output
                    .responses
                    .and_then(|mut tables| tables.remove(&self.table))
                    .unwrap_or_default(),
            );
            pending = output
                .unprocessed_keys
                .and_then(|mut tables| tables.remove(&self.table))
                .map(|unprocessed| unprocessed.keys)
                .unwrap_or_default();
            if !pending.is_empty() {
                attempt += 1;
                backoff(attempt).await;
            }
        }
        Ok(found)
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
    /// A filter expression on the items read, with its names and values.
    pub filter: Option<Filter>,
}

#[derive(Default)]
pub struct Filter {
    pub expression: String,
    pub names: Vec<(String, String)>,
    pub values: Vec<(String, AttributeValue)>,
}

impl DynamoStore {
    /// One page (at most `limits::PAGE_SIZE` items read) of an index partition, and where the
    /// next starts. The cursor carries only positions: the partition is the query's own, so a
    /// forged cursor moves within the caller's list or is refused (`InvalidCursor`).
    pub async fn index_page<T: DeserializeOwned>(
        &self,
        query: &IndexQuery<'_>,
        from: Option<&Cursor>,
    ) -> anyhow::Result<Page<T>> {
        let start = from.map(|cursor| {
            HashMap::from([
                (keys::PK.to_owned(), string(&cursor.pk)),
                (keys::SK.to_owned(), string(&cursor.sk)),
                (query.partition_key.to_owned(), string(&query.partition)),
                (query.sort_key.to_owned(), string(&cursor.sort)),
            ])
        });
        let mut condition = "#ipk = :ipk".to_owned();
        let mut request = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(query.index)
            .expression_attribute_names("#ipk", query.partition_key)
            .expression_attribute_values(":ipk", string(&query.partition))
            .scan_index_forward(!query.reverse)
            .limit(limits::PAGE_SIZE as i32)
            .set_exclusive_start_key(start);
        if let Some(prefix) = &query.sort_prefix {
            condition.push_str(" AND begins_with(#isk, :isk)");
            request = request
                .expression_attribute_names("#isk", query.sort_key)
                .expression_attribute_values(":isk", string(prefix));
        }
        if let Some(filter) = &query.filter {
            request = request.filter_expression(&filter.expression);
            for (alias, name) in &filter.names {
                request = request.expression_attribute_names(alias, name);
            }
            for (alias, value) in &filter.values {
                request = request.expression_attribute_values(alias, value.clone());
            }
        }
        let page = match request.key_condition_expression(condition).send().await {
            Ok(page) => page,
            // DynamoDB refuses a start key outside the query (a forged cursor).
            Err(error)
                if from.is_some()
                    && aws_sdk_dynamodb::error::ProvideErrorMetadata::code(&error)
                        == Some("ValidationException") =>
            {
                return Err(anyhow::Error::new(InvalidCursor));
            }
            Err(error) => {
                return Err(anyhow!("{}", DisplayErrorContext(&error)))
                    .with_context(|| format!("Query {}", query.index));
            }
        };
        let items = page
            .items
            .unwrap_or_default()
            .into_iter()
            .map(from_item)
            .collect::<anyhow::Result<_>>()?;
        let next = page.last_evaluated_key.and_then(|key| {
            let text = |name: &str| key.get(name).and_then(|v| v.as_s().ok()).cloned();
            Some(Cursor {
                sort: text(query.sort_key)?,
                pk: text(keys::PK)?,
                sk: text(keys::SK)?,
            })
        });
        Ok(Page { items, next })
    }
}

/// Exponential backoff with full jitter: 10 ms, 20 ms, 40 ms … at most 640 ms.
async fn backoff(attempt: u32) {
    let ceiling_ms = 10u64 << attempt.min(6);
    tokio::time::sleep(Duration::from_millis(rand::random_range(0..=ceiling_ms))).await;
}

fn values_map(
    values: Vec<(&str, AttributeValue)>,
) -> Option<std::collections::HashMap<String, AttributeValue>> {
    (!values.is_empty()).then(|| {
        values
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect()
    })
}

fn names_map(names: Vec<(&str, &str)>) -> Option<HashMap<String, String>> {
    (!names.is_empty()).then(|| {
        names
            .into_iter()
            .map(|(alias, name)| (alias.to_owned(), name.to_owned()))
            .collect()
    })
}

/// The outcome of a conditional write: `false` if its condition failed, an error otherwise.
pub fn condition_held<T, E, R>(
    outcome: Result<T, SdkError<E, R>>,
    what: &str,
) -> anyhow::Result<bool>
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    match outcome {
        Ok(_) => Ok(true),
        Err(error)
            if aws_sdk_dynamodb::error::ProvideErrorMetadata::code(&error)
                == Some("ConditionalCheckFailedException") =>
        {
            Ok(false)
        }
        Err(error) => Err(anyhow!("{}", DisplayErrorContext(&error)).context(what.to_owned())),
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
