//! The backend on DynamoDB itself, through the AWS SDK: each operation rendered to its
//! expressions (every name and value a placeholder, so reserved words never matter).
//!
//! Each SDK call's future is boxed (`.boxed()`): the SDK's futures nest deeply, and inside every
//! caller's future (a use case's, a handler's, each with its tracing span) they took the
//! compiler past its depth limit for future layouts. One allocation per call to AWS.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::anyhow;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, KeysAndAttributes, Put,
    ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use futures_util::FutureExt;

use super::ops::{
    Action, Backend, Change, Condition, Failure, Item, Query, QueryPage, Reason, ReasonCode,
    SortKey, Write,
};

/// How many rounds `batch_get` gives to keys DynamoDB left unprocessed (throttled).
const BATCH_ROUNDS: u32 = 5;

#[derive(Clone)]
pub struct SdkBackend {
    client: Client,
    table: String,
}

impl SdkBackend {
    pub fn new(client: Client, table: impl Into<String>) -> SdkBackend {
        SdkBackend {
            client,
            table: table.into(),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }
}

/// Expression attribute names and values, numbered as they are met.
#[derive(Default)]
struct Placeholders {
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl Placeholders {
    fn name(&mut self, name: &str) -> String {
        if let Some((alias, _)) = self.names.iter().find(|(_, n)| n.as_str() == name) {
            return alias.clone();
        }
        let alias = format!("#n{}", self.names.len());
        self.names.insert(alias.clone(), name.to_owned());
        alias
    }

    fn value(&mut self, value: &AttributeValue) -> String {
        let alias = format!(":v{}", self.values.len());
        self.values.insert(alias.clone(), value.clone());
        alias
    }

    fn condition(&mut self, condition: &Condition) -> String {
        match condition {
            Condition::Exists => format!("attribute_exists({})", self.name(super::keys::PK)),
            Condition::Absent => format!("attribute_not_exists({})", self.name(super::keys::PK)),
            Condition::Has(name) => format!("attribute_exists({})", self.name(name)),
            Condition::Lacks(name) => format!("attribute_not_exists({})", self.name(name)),
            Condition::Eq(name, value) => format!("{} = {}", self.name(name), self.value(value)),
            Condition::Lt(name, value) => format!("{} < {}", self.name(name), self.value(value)),
            Condition::Le(name, value) => format!("{} <= {}", self.name(name), self.value(value)),
            Condition::Gt(name, value) => format!("{} > {}", self.name(name), self.value(value)),
            Condition::Contains(name, value) => {
                format!("contains({}, {})", self.name(name), self.value(value))
            }
            Condition::And(parts) => self.join(parts, " AND "),
            Condition::Or(parts) => self.join(parts, " OR "),
        }
    }

    fn join(&mut self, parts: &[Condition], with: &str) -> String {
        let parts: Vec<String> = parts
            .iter()
            .map(|part| format!("({})", self.condition(part)))
            .collect();
        parts.join(with)
    }

    fn update(&mut self, changes: &[Change]) -> String {
        let (mut set, mut add, mut remove) = (Vec::new(), Vec::new(), Vec::new());
        for change in changes {
            match change {
                Change::Set(name, value) => {
                    set.push(format!("{} = {}", self.name(name), self.value(value)))
                }
                Change::SetIfMissing(name, value) => {
                    let alias = self.name(name);
                    set.push(format!(
                        "{alias} = if_not_exists({alias}, {})",
                        self.value(value)
                    ))
                }
                Change::Add(name, by) => add.push(format!(
                    "{} {}",
                    self.name(name),
                    self.value(&AttributeValue::N(by.to_string()))
                )),
                Change::Remove(name) => remove.push(self.name(name)),
            }
        }
        let mut clauses = Vec::new();
        for (word, parts) in [("SET", set), ("ADD", add), ("REMOVE", remove)] {
            if !parts.is_empty() {
                clauses.push(format!("{word} {}", parts.join(", ")));
            }
        }
        clauses.join(" ")
    }

    fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    fn values(&self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }
}

impl SdkBackend {
    fn transact_item(&self, write: Write) -> Result<TransactWriteItem, Failure> {
        let mut placeholders = Placeholders::default();
        let condition = write
            .condition
            .as_ref()
            .map(|condition| placeholders.condition(condition));
        let built = match write.action {
            Action::Put(item) => TransactWriteItem::builder().put(
                Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(item))
                    .set_condition_expression(condition)
                    .set_expression_attribute_names(placeholders.names())
                    .set_expression_attribute_values(placeholders.values())
                    .return_values_on_condition_check_failure(
                        ReturnValuesOnConditionCheckFailure::AllOld,
                    )
                    .build()
                    .map_err(|e| Failure::Failed(e.into()))?,
            ),
            Action::Update(changes) => {
                let expression = placeholders.update(&changes);
                TransactWriteItem::builder().update(
                    Update::builder()
                        .table_name(&self.table)
                        .set_key(Some(write.key))
                        .update_expression(expression)
                        .set_condition_expression(condition)
                        .set_expression_attribute_names(placeholders.names())
                        .set_expression_attribute_values(placeholders.values())
                        .return_values_on_condition_check_failure(
                            ReturnValuesOnConditionCheckFailure::AllOld,
                        )
                        .build()
                        .map_err(|e| Failure::Failed(e.into()))?,
                )
            }
            Action::Delete => TransactWriteItem::builder().delete(
                Delete::builder()
                    .table_name(&self.table)
                    .set_key(Some(write.key))
                    .set_condition_expression(condition)
                    .set_expression_attribute_names(placeholders.names())
                    .set_expression_attribute_values(placeholders.values())
                    .return_values_on_condition_check_failure(
                        ReturnValuesOnConditionCheckFailure::AllOld,
                    )
                    .build()
                    .map_err(|e| Failure::Failed(e.into()))?,
            ),
            Action::Check => TransactWriteItem::builder().condition_check(
                ConditionCheck::builder()
                    .table_name(&self.table)
                    .set_key(Some(write.key))
                    .condition_expression(condition.unwrap_or_default())
                    .set_expression_attribute_names(placeholders.names())
                    .set_expression_attribute_values(placeholders.values())
                    .build()
                    .map_err(|e| Failure::Failed(e.into()))?,
            ),
        };
        Ok(built.build())
    }
}

/// A failed call: throttling (after the SDK's own retries) told apart from the rest.
fn failed<E, R>(error: SdkError<E, R>, what: &str) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    match error.code() {
        Some("ConditionalCheckFailedException") => Failure::ConditionFailed,
        Some("ProvisionedThroughputExceededException" | "ThrottlingException") => {
            Failure::Throttled
        }
        _ => Failure::Failed(anyhow!("{}", DisplayErrorContext(&error)).context(what.to_owned())),
    }
}

impl Backend for SdkBackend {
    async fn transact(&self, writes: Vec<Write>) -> Result<(), Failure> {
        let items = writes
            .into_iter()
            .map(|write| self.transact_item(write))
            .collect::<Result<Vec<_>, _>>()?;
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .boxed()
            .await
        {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(service)) => match service.into_err() {
                TransactWriteItemsError::TransactionCanceledException(cancelled) => {
                    Err(Failure::Cancelled(
                        cancelled
                            .cancellation_reasons()
                            .iter()
                            .map(|reason| Reason {
                                code: match reason.code() {
                                    None | Some("None") => ReasonCode::None,
                                    Some("ConditionalCheckFailed") => {
                                        ReasonCode::ConditionalCheckFailed
                                    }
                                    Some("TransactionConflict") => ReasonCode::TransactionConflict,
                                    Some("ThrottlingError" | "ProvisionedThroughputExceeded") => {
                                        ReasonCode::Throttling
                                    }
                                    Some(other) => ReasonCode::Other(other.to_owned()),
                                },
                                item: reason.item().cloned(),
                            })
                            .collect(),
                    ))
                }
                other => Err(Failure::Failed(
                    anyhow!("{}", DisplayErrorContext(&other)).context("TransactWriteItems"),
                )),
            },
            Err(other) => Err(failed(other, "TransactWriteItems")),
        }
    }

    async fn write(&self, write: Write) -> Result<(), Failure> {
        let mut placeholders = Placeholders::default();
        let condition = write
            .condition
            .as_ref()
            .map(|condition| placeholders.condition(condition));
        match write.action {
            Action::Put(item) => self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item))
                .set_condition_expression(condition)
                .set_expression_attribute_names(placeholders.names())
                .set_expression_attribute_values(placeholders.values())
                .send()
                .boxed()
                .await
                .map(|_| ())
                .map_err(|e| failed(e, "PutItem")),
            Action::Update(changes) => {
                let expression = placeholders.update(&changes);
                self.client
                    .update_item()
                    .table_name(&self.table)
                    .set_key(Some(write.key))
                    .update_expression(expression)
                    .set_condition_expression(condition)
                    .set_expression_attribute_names(placeholders.names())
                    .set_expression_attribute_values(placeholders.values())
                    .send()
                    .boxed()
                    .await
                    .map(|_| ())
                    .map_err(|e| failed(e, "UpdateItem"))
            }
            Action::Delete => self
                .client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(write.key))
                .set_condition_expression(condition)
                .set_expression_attribute_names(placeholders.names())
                .set_expression_attribute_values(placeholders.values())
                .send()
                .boxed()
                .await
                .map(|_| ())
                .map_err(|e| failed(e, "DeleteItem")),
            // A lone condition check is a transaction of one.
            Action::Check => {
                self.transact(vec![write_check(write.key, condition_of(&write.condition))])
                    .await
            }
        }
    }

    async fn get(&self, key: Item, consistent: bool) -> Result<Option<Item>, Failure> {
        self.client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(consistent)
            .send()
            .boxed()
            .await
            .map(|output| output.item)
            .map_err(|e| failed(e, "GetItem"))
    }

    async fn batch_get(&self, keys: Vec<Item>) -> Result<Vec<Item>, Failure> {
        let mut pending = keys;
        let mut found = Vec::new();
        for round in 0..BATCH_ROUNDS {
            if pending.is_empty() {
                return Ok(found);
            }
            if round > 0 {
                backoff(round).await;
            }
            let request = KeysAndAttributes::builder()
                .set_keys(Some(pending))
                .consistent_read(true)
                .build()
                .map_err(|e| Failure::Failed(e.into()))?;
            let output = self
                .client
                .batch_get_item()
                .request_items(&self.table, request)
                .send()
                .boxed()
                .await
                .map_err(|e| failed(e, "BatchGetItem"))?;
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
        }
        if pending.is_empty() {
            Ok(found)
        } else {
            Err(Failure::Throttled)
        }
    }

    async fn query(&self, query: Query) -> Result<QueryPage, Failure> {
        let mut placeholders = Placeholders::default();
        let partition_key = placeholders.name(&query.partition_key);
        let partition = placeholders.value(&AttributeValue::S(query.partition.clone()));
        let mut condition = format!("{partition_key} = {partition}");
        match &query.sort {
            Some(SortKey::Between(from, to)) => {
                let sort = placeholders.name(&query.sort_key);
                let (from, to) = (
                    placeholders.value(&AttributeValue::S(from.clone())),
                    placeholders.value(&AttributeValue::S(to.clone())),
                );
                condition.push_str(&format!(" AND {sort} BETWEEN {from} AND {to}"));
            }
            Some(SortKey::BeginsWith(prefix)) => {
                let sort = placeholders.name(&query.sort_key);
                let prefix = placeholders.value(&AttributeValue::S(prefix.clone()));
                condition.push_str(&format!(" AND begins_with({sort}, {prefix})"));
            }
            None => {}
        }
        let filter = query
            .filter
            .as_ref()
            .map(|filter| placeholders.condition(filter));
        let outcome = self
            .client
            .query()
            .table_name(&self.table)
            .set_index_name(query.index.clone())
            .key_condition_expression(condition)
            .set_filter_expression(filter)
            .set_expression_attribute_names(placeholders.names())
            .set_expression_attribute_values(placeholders.values())
            .scan_index_forward(query.forward)
            .set_limit(query.limit.map(|limit| limit as i32))
            .set_exclusive_start_key(query.start.clone())
            .consistent_read(query.consistent)
            .send()
            .boxed()
            .await;
        match outcome {
            Ok(page) => Ok(QueryPage {
                items: page.items.unwrap_or_default(),
                last: page.last_evaluated_key,
            }),
            // DynamoDB refuses a start key outside the query (a forged cursor).
            Err(error) if query.start.is_some() && error.code() == Some("ValidationException") => {
                Err(Failure::InvalidStartKey)
            }
            Err(error) => Err(failed(error, "Query")),
        }
    }
}

fn condition_of(condition: &Option<Condition>) -> Condition {
    condition.clone().unwrap_or(Condition::Exists)
}

fn write_check(key: Item, condition: Condition) -> Write {
    Write::check(key, condition)
}

/// Exponential backoff with full jitter: 10 ms, 20 ms, 40 ms … at most 640 ms.
pub async fn backoff(attempt: u32) {
    let ceiling_ms = 10u64 << attempt.min(6);
    tokio::time::sleep(Duration::from_millis(rand::random_range(0..=ceiling_ms))).await;
}
