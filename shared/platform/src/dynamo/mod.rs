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

impl DynamoStore {
    /// One page of the items of an index partition (`attribute` = `partition`), in index order
    /// or the reverse, and the cursor of the next page: the page's last key as JSON (every key
    /// attribute is a string).
    pub async fn index_page<T: DeserializeOwned>(
        &self,
        index: &str,
        attribute: &str,
        partition: &str,
        reverse: bool,
        from: Option<String>,
    ) -> anyhow::Result<(Vec<T>, Option<String>)> {
        let start = from
            .map(|cursor| serde_json::from_str::<HashMap<String, String>>(&cursor))
            .transpose()
            .context("a page cursor")?
            .map(|key| {
                key.into_iter()
                    .map(|(name, value)| (name, AttributeValue::S(value)))
                    .collect()
            });
        let page = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", attribute)
            .expression_attribute_values(":pk", string(partition))
            .scan_index_forward(!reverse)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| anyhow!("{}", DisplayErrorContext(&e)))
            .with_context(|| format!("Query {index}"))?;
        let items = page
            .items
            .unwrap_or_default()
            .into_iter()
            .map(from_item)
            .collect::<anyhow::Result<_>>()?;
        let next = page
            .last_evaluated_key
            .map(|key| {
                let strings: HashMap<String, String> = key
                    .into_iter()
                    .filter_map(|(name, value)| value.as_s().ok().map(|v| (name, v.clone())))
                    .collect();
                serde_json::to_string(&strings)
            })
            .transpose()?;
        Ok((items, next))
    }

    /// Every item of an index partition, page after page (for partitions that stay small: an
    /// account's bookings, an office's organisations in one status).
    pub async fn index_all<T: DeserializeOwned>(
        &self,
        index: &str,
        attribute: &str,
        partition: &str,
        reverse: bool,
    ) -> anyhow::Result<Vec<T>> {
        let mut all = Vec::new();
        let mut from = None;
        loop {
            let (items, next) = self
                .index_page(index, attribute, partition, reverse, from)
                .await?;
            all.extend(items);
            from = next;
            if from.is_none() {
                return Ok(all);
            }
        }
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
