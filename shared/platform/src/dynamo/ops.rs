//! The DynamoDB operations the store makes, as values. The store builds them (every key layout,
//! condition and transaction in one place); a `Backend` runs them: DynamoDB through the SDK, or
//! the in-memory model of DynamoDB (`memory`) that unit tests and the click-day simulation use.
//! Conditions and updates are typed, so the SDK backend renders them to expressions and the
//! in-memory one evaluates the very same values.

use std::collections::HashMap;
use std::future::Future;

use aws_sdk_dynamodb::types::AttributeValue;

pub type Item = HashMap<String, AttributeValue>;

/// A condition on an item (or a filter on a query's items).
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// The item exists.
    Exists,
    /// No item has this key.
    Absent,
    /// The attribute is present.
    Has(String),
    /// The attribute is absent.
    Lacks(String),
    Eq(String, AttributeValue),
    Lt(String, AttributeValue),
    Le(String, AttributeValue),
    Gt(String, AttributeValue),
    /// A string attribute contains the text.
    Contains(String, AttributeValue),
    And(Vec<Condition>),
    Or(Vec<Condition>),
}

impl Condition {
    pub fn eq(name: &str, value: AttributeValue) -> Condition {
        Condition::Eq(name.to_owned(), value)
    }

    pub fn lt(name: &str, value: AttributeValue) -> Condition {
        Condition::Lt(name.to_owned(), value)
    }

    pub fn gt(name: &str, value: AttributeValue) -> Condition {
        Condition::Gt(name.to_owned(), value)
    }

    /// No item, or one whose `purge_at` is at or before `now` (expired, awaiting TTL).
    pub fn absent_or_expired(now: i64) -> Condition {
        Condition::Or(vec![
            Condition::Absent,
            Condition::Le(super::keys::PURGE_AT.to_owned(), number(now)),
        ])
    }

    /// The attribute is absent or below `max` (a counter that may still count one more).
    pub fn below(name: &str, max: i64) -> Condition {
        Condition::Or(vec![
            Condition::Lacks(name.to_owned()),
            Condition::Lt(name.to_owned(), number(max)),
        ])
    }
}

/// One change of an update.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Set(String, AttributeValue),
    /// Set unless present.
    SetIfMissing(String, AttributeValue),
    /// Adds to a number (an absent one counts as 0).
    Add(String, i64),
    Remove(String),
}

impl Change {
    pub fn set(name: &str, value: AttributeValue) -> Change {
        Change::Set(name.to_owned(), value)
    }

    pub fn add(name: &str, by: i64) -> Change {
        Change::Add(name.to_owned(), by)
    }

    pub fn remove(name: &str) -> Change {
        Change::Remove(name.to_owned())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// The whole item (its key included).
    Put(Item),
    Update(Vec<Change>),
    Delete,
    /// Only the condition (a transaction's `ConditionCheck`).
    Check,
}

/// One write, alone or in a transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Write {
    /// `pk` and `sk`.
    pub key: Item,
    pub action: Action,
    pub condition: Option<Condition>,
}

impl Write {
    pub fn put(item: Item, condition: Option<Condition>) -> Write {
        let key = item
            .iter()
            .filter(|(name, _)| *name == super::keys::PK || *name == super::keys::SK)
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        Write {
            key,
            action: Action::Put(item),
            condition,
        }
    }

    pub fn update(key: Item, changes: Vec<Change>, condition: Option<Condition>) -> Write {
        Write {
            key,
            action: Action::Update(changes),
            condition,
        }
    }

    pub fn delete(key: Item, condition: Option<Condition>) -> Write {
        Write {
            key,
            action: Action::Delete,
            condition,
        }
    }

    pub fn check(key: Item, condition: Condition) -> Write {
        Write {
            key,
            action: Action::Check,
            condition: Some(condition),
        }
    }
}

/// A transaction as the store builds it: one list of entries, each a write with what that
/// write stands for (`P`, the caller's own name for it: the new slot, a hold, the booking …),
/// so that a cancellation's reasons are read against the right items.
#[derive(Debug, Clone)]
pub struct Transaction<P> {
    entries: Vec<(P, Write)>,
}

impl<P> Default for Transaction<P> {
    fn default() -> Self {
        Transaction {
            entries: Vec::new(),
        }
    }
}

impl<P> Transaction<P> {
    pub fn new() -> Transaction<P> {
        Transaction::default()
    }

    /// One more write, and what it stands for.
    pub fn push(&mut self, part: P, write: Write) {
        self.entries.push((part, write));
    }

    /// The same transaction with one more write.
    pub fn with(mut self, part: P, write: Write) -> Transaction<P> {
        self.push(part, write);
        self
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// What each write stands for, in order.
    pub fn parts(&self) -> impl Iterator<Item = &P> {
        self.entries.iter().map(|(part, _)| part)
    }

    /// The writes, in order, as a backend runs them.
    pub fn writes(&self) -> Vec<Write> {
        self.entries
            .iter()
            .map(|(_, write)| write.clone())
            .collect()
    }

    /// Each write's part with the reason DynamoDB gave for it (one per write, in order);
    /// `None` if the reasons do not match the writes one for one.
    pub fn read_reasons(self, reasons: Vec<Reason>) -> Option<Vec<(P, Reason)>> {
        (reasons.len() == self.entries.len()).then(|| {
            self.entries
                .into_iter()
                .map(|(part, _)| part)
                .zip(reasons)
                .collect()
        })
    }
}

impl<P> Extend<(P, Write)> for Transaction<P> {
    fn extend<I: IntoIterator<Item = (P, Write)>>(&mut self, entries: I) {
        self.entries.extend(entries);
    }
}

impl<P> FromIterator<(P, Write)> for Transaction<P> {
    fn from_iter<I: IntoIterator<Item = (P, Write)>>(entries: I) -> Self {
        Transaction {
            entries: entries.into_iter().collect(),
        }
    }
}

/// How a query narrows its partition by the sort key.
#[derive(Debug, Clone, PartialEq)]
pub enum SortKey {
    Between(String, String),
    BeginsWith(String),
}

/// A query of one partition of the table or of an index.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub index: Option<String>,
    pub partition_key: String,
    pub partition: String,
    pub sort_key: String,
    pub sort: Option<SortKey>,
    pub filter: Option<Condition>,
    pub forward: bool,
    pub limit: Option<usize>,
    /// The key of the last item of the previous page.
    pub start: Option<Item>,
    pub consistent: bool,
}

/// A page of a query, and the key to go on from (`None`: the last).
#[derive(Debug, Default)]
pub struct QueryPage {
    pub items: Vec<Item>,
    pub last: Option<Item>,
}

/// Why an item of a cancelled transaction did not happen (DynamoDB's `CancellationReason`).
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub code: ReasonCode,
    /// The item as it was, when its condition failed.
    pub item: Option<Item>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReasonCode {
    /// This item was fine; another one cancelled the transaction.
    None,
    ConditionalCheckFailed,
    /// Another transaction in flight holds the item.
    TransactionConflict,
    /// The item's partition is over its throughput.
    Throttling,
    Other(String),
}

/// Why an operation did not happen.
#[derive(Debug)]
pub enum Failure {
    /// A transaction cancelled: one reason per write, in order.
    Cancelled(Vec<Reason>),
    /// A single write whose condition failed.
    ConditionFailed,
    /// A query's start key outside the query (a forged cursor).
    InvalidStartKey,
    /// The partition stayed over its throughput through the retries.
    Throttled,
    Failed(anyhow::Error),
}

impl Failure {
    pub fn into_anyhow(self, what: &str) -> anyhow::Error {
        match self {
            Failure::Cancelled(reasons) => {
                let codes: Vec<String> = reasons.iter().map(|r| format!("{:?}", r.code)).collect();
                anyhow::anyhow!("{what}: transaction cancelled: {codes:?}")
            }
            Failure::ConditionFailed => anyhow::anyhow!("{what}: condition failed"),
            Failure::InvalidStartKey => {
                anyhow::Error::new(prenota_domain::paging::InvalidCursor).context(what.to_owned())
            }
            Failure::Throttled => anyhow::anyhow!("{what}: throttled"),
            Failure::Failed(error) => error.context(what.to_owned()),
        }
    }
}

/// Runs the operations: DynamoDB through the SDK, or the in-memory model.
pub trait Backend: Send + Sync + 'static {
    /// All or nothing; `Cancelled` with a reason per write when not.
    fn transact(&self, writes: Vec<Write>) -> impl Future<Output = Result<(), Failure>> + Send;

    /// One write; `ConditionFailed` when its condition does not hold.
    fn write(&self, write: Write) -> impl Future<Output = Result<(), Failure>> + Send;

    fn get(
        &self,
        key: Item,
        consistent: bool,
    ) -> impl Future<Output = Result<Option<Item>, Failure>> + Send;

    /// Strongly consistent reads of up to 100 keys; absent items are left out.
    fn batch_get(&self, keys: Vec<Item>)
    -> impl Future<Output = Result<Vec<Item>, Failure>> + Send;

    fn query(&self, query: Query) -> impl Future<Output = Result<QueryPage, Failure>> + Send;
}

pub fn number(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub fn string(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delete(sort: &str) -> Write {
        let key = HashMap::from([
            (super::super::keys::PK.to_owned(), string("P")),
            (super::super::keys::SK.to_owned(), string(sort)),
        ]);
        Write::delete(key, None)
    }

    fn reason(code: ReasonCode) -> Reason {
        Reason { code, item: None }
    }

    #[test]
    fn a_transaction_reads_each_reason_against_its_own_write() {
        let transaction = Transaction::new()
            .with("slot", delete("1"))
            .with("hold", delete("2"));
        assert_eq!(transaction.writes(), vec![delete("1"), delete("2")]);
        let read = transaction
            .clone()
            .read_reasons(vec![
                reason(ReasonCode::None),
                reason(ReasonCode::ConditionalCheckFailed),
            ])
            .expect("one reason per write");
        assert_eq!(read[0], ("slot", reason(ReasonCode::None)));
        assert_eq!(
            read[1],
            ("hold", reason(ReasonCode::ConditionalCheckFailed))
        );
        // Reasons that do not match the writes one for one are not read at all.
        assert!(
            transaction
                .read_reasons(vec![reason(ReasonCode::None)])
                .is_none()
        );
    }
}
