//! DynamoDB in memory, for fast tests of the store and the domain's rules, and for the
//! click-day simulation (`tools/bench clickday`), which runs the real store code on it in
//! tokio's virtual time.
//!
//! What it models, the pessimistic reading where AWS's documentation leaves a behaviour open:
//! - items, conditions and updates exactly as `ops` describes them; a transaction is all or
//!   nothing, and a cancelled one says why for each item (`ConditionalCheckFailed` with the old
//!   item, `TransactionConflict`, `ThrottlingError`, `None`);
//! - **conflicts**: a transaction is in flight from its start until it commits; another
//!   transaction that includes one of its items (a condition check too) is cancelled with
//!   `TransactionConflict` at once, and a plain write to such an item fails the same way;
//! - **throughput**: each partition key holds at most `write_units` WCU and `read_units` RCU per
//!   second (a bucket refilled continuously, one second of burst). A write of an item costs one
//!   unit per KiB, twice in a transaction; a read one unit per 4 KiB, half when eventually
//!   consistent, twice in a transaction. A throttled call is retried as the SDK does (three
//!   attempts, jittered backoff); a throttled transaction is cancelled with `ThrottlingError`;
//! - **latency**: each call waits a time drawn from a log-normal distribution (the model's
//!   medians and spread), on tokio's clock; with `Model::instant()` nothing waits.
//!
//! Global secondary indexes are found by their attributes (an item is in an index when it has
//! the index's partition attribute), as DynamoDB's sparse indexes work; they are read at once
//! (the index's lag is not modelled).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use tokio::time::Instant;

use super::keys::{PK, SK};
use super::ops::{
    Action, Backend, Change, Condition, Failure, Item, Query, QueryPage, Reason, ReasonCode,
    SortKey, Write,
};

/// What the model makes DynamoDB cost.
#[derive(Debug, Clone)]
pub struct Model {
    /// Median latency of a transaction, and of a read or single write.
    pub transaction_ms: f64,
    pub request_ms: f64,
    /// The log-normal spread (sigma of the underlying normal).
    pub spread: f64,
    /// Per partition key and second; `None`: unlimited.
    pub write_units: Option<f64>,
    pub read_units: Option<f64>,
    /// The SDK's attempts at a throttled call.
    pub attempts: u32,
    pub seed: u64,
}

impl Model {
    /// No latency, no limits: the store of unit tests.
    pub fn instant() -> Model {
        Model {
            transaction_ms: 0.0,
            request_ms: 0.0,
            spread: 0.0,
            write_units: None,
            read_units: None,
            attempts: 3,
            seed: 1,
        }
    }

    /// DynamoDB as the click-day model sees it: transactions ~25 ms, reads and single writes
    /// ~6 ms, the partition limits of 1,000 WCU and 3,000 RCU a second.
    pub fn dynamodb(seed: u64) -> Model {
        Model {
            transaction_ms: 25.0,
            request_ms: 6.0,
            spread: 0.5,
            write_units: Some(1000.0),
            read_units: Some(3000.0),
            attempts: 3,
            seed,
        }
    }
}

/// What happened, for the simulation's report.
#[derive(Debug, Default, Clone)]
pub struct Metrics {
    pub transactions: u64,
    pub committed: u64,
    pub conflicts: u64,
    pub condition_failures: u64,
    pub throttled: u64,
    pub reads: u64,
    pub writes: u64,
    /// The most units a partition used within one second, and which.
    pub peak_write_units: (f64, String),
    pub peak_read_units: (f64, String),
}

#[derive(Clone)]
pub struct MemoryBackend {
    state: Arc<Mutex<State>>,
    model: Arc<Model>,
}

struct State {
    items: BTreeMap<(String, String), Item>,
    /// Keys held by transactions in flight.
    in_flight: HashSet<(String, String)>,
    buckets: HashMap<(String, bool), Bucket>,
    /// Units used per partition in the current one-second window, for the peaks.
    windows: HashMap<(String, bool), (u64, f64)>,
    rng: StdRng,
    metrics: Metrics,
    /// When the model started (the report's seconds count from it).
    epoch: Instant,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

type Key = (String, String);

fn key_of(item: &Item) -> Key {
    let text = |name: &str| {
        item.get(name)
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default()
    };
    (text(PK), text(SK))
}

impl MemoryBackend {
    pub fn new(model: Model) -> MemoryBackend {
        MemoryBackend {
            state: Arc::new(Mutex::new(State {
                items: BTreeMap::new(),
                in_flight: HashSet::new(),
                buckets: HashMap::new(),
                windows: HashMap::new(),
                rng: StdRng::seed_from_u64(model.seed),
                metrics: Metrics::default(),
                epoch: Instant::now(),
            })),
            model: Arc::new(model),
        }
    }

    pub fn metrics(&self) -> Metrics {
        self.state().metrics.clone()
    }

    /// The sum of a number attribute over the items whose partition key starts with `prefix`
    /// (a checker's view: the places taken, say).
    pub fn total(&self, prefix: &str, name: &str) -> i64 {
        self.state()
            .items
            .iter()
            .filter(|((pk, _), _)| pk.starts_with(prefix))
            .filter_map(|(_, item)| item.get(name)?.as_n().ok()?.parse::<i64>().ok())
            .sum()
    }

    /// Every item, in key order (a checker's view).
    pub fn items(&self) -> Vec<Item> {
        self.state().items.values().cloned().collect()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .expect("the model never panics holding its lock")
    }

    /// A latency drawn from the model's log-normal distribution.
    async fn wait(&self, median_ms: f64) {
        if median_ms <= 0.0 {
            return;
        }
        let ms = {
            let mut state = self.state();
            // Box–Muller: a standard normal from two uniforms.
            let (u, v): (f64, f64) = (state.rng.random(), state.rng.random());
            let normal = (-2.0 * (1.0 - u).ln()).sqrt() * (std::f64::consts::TAU * v).cos();
            median_ms * (self.model.spread * normal).exp()
        };
        tokio::time::sleep(Duration::from_secs_f64(ms / 1000.0)).await;
    }

    async fn backoff(&self, attempt: u32) {
        let ceiling = 25.0 * f64::from(1u32 << attempt.min(6));
        let ms = self.state().rng.random::<f64>() * ceiling;
        tokio::time::sleep(Duration::from_secs_f64(ms / 1000.0)).await;
    }
}

impl State {
    /// Takes `units` from a partition's bucket; `false` (nothing taken) when there are not
    /// enough.
    fn spend(&mut self, model: &Model, partition: &str, write: bool, units: f64) -> bool {
        let limit = if write {
            model.write_units
        } else {
            model.read_units
        };
        let now = Instant::now();
        if let Some(limit) = limit {
            let bucket = self
                .buckets
                .entry((partition.to_owned(), write))
                .or_insert(Bucket {
                    tokens: limit,
                    at: now,
                });
            let refill = now.duration_since(bucket.at).as_secs_f64() * limit;
            bucket.tokens = (bucket.tokens + refill).min(limit);
            bucket.at = now;
            if bucket.tokens < units {
                return false;
            }
            bucket.tokens -= units;
        }
        // The peak use of a partition within a second, for the report.
        let second = now.duration_since(self.epoch).as_secs();
        let window = self
            .windows
            .entry((partition.to_owned(), write))
            .or_insert((second, 0.0));
        if window.0 != second {
            *window = (second, 0.0);
        }
        window.1 += units;
        let used = window.1;
        let peak = if write {
            &mut self.metrics.peak_write_units
        } else {
            &mut self.metrics.peak_read_units
        };
        if used > peak.0 {
            *peak = (used, partition.to_owned());
        }
        true
    }
}

/// An item's size as DynamoDB counts it, roughly: names and values.
fn size(item: &Item) -> usize {
    item.iter()
        .map(|(name, value)| name.len() + value_size(value))
        .sum()
}

fn value_size(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(text) => text.len(),
        AttributeValue::N(number) => number.len().div_ceil(2) + 1,
        AttributeValue::B(bytes) => bytes.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::L(list) => 3 + list.iter().map(|v| 1 + value_size(v)).sum::<usize>(),
        AttributeValue::M(map) => {
            3 + map
                .iter()
                .map(|(k, v)| 1 + k.len() + value_size(v))
                .sum::<usize>()
        }
        AttributeValue::Ss(set) => set.iter().map(String::len).sum(),
        _ => 8,
    }
}

fn write_units(item: Option<&Item>, transactional: bool) -> f64 {
    let kib = item.map_or(1, |item| size(item).div_ceil(1024).max(1));
    kib as f64 * if transactional { 2.0 } else { 1.0 }
}

fn read_units(bytes: usize, consistent: bool) -> f64 {
    let units = bytes.div_ceil(4096).max(1) as f64;
    if consistent { units } else { units / 2.0 }
}

/// Compares two attribute values of one type: numbers as numbers, strings and bytes in order.
fn compare(left: &AttributeValue, right: &AttributeValue) -> Option<std::cmp::Ordering> {
    match (left, right) {
        (AttributeValue::N(a), AttributeValue::N(b)) => {
            a.parse::<f64>().ok()?.partial_cmp(&b.parse::<f64>().ok()?)
        }
        (AttributeValue::S(a), AttributeValue::S(b)) => Some(a.cmp(b)),
        (AttributeValue::B(a), AttributeValue::B(b)) => Some(a.as_ref().cmp(b.as_ref())),
        (AttributeValue::Bool(a), AttributeValue::Bool(b)) => {
            (a == b).then_some(std::cmp::Ordering::Equal)
        }
        _ => None,
    }
}

/// Whether `condition` holds for `item` (`None`: no item with the key).
pub fn holds(condition: &Condition, item: Option<&Item>) -> bool {
    use std::cmp::Ordering::{Equal, Greater, Less};
    let attribute = |name: &str| item.and_then(|item| item.get(name));
    let compared = |name: &str, value: &AttributeValue| {
        attribute(name).and_then(|present| compare(present, value))
    };
    match condition {
        Condition::Exists => item.is_some(),
        Condition::Absent => item.is_none(),
        Condition::Has(name) => attribute(name).is_some(),
        Condition::Lacks(name) => attribute(name).is_none(),
        Condition::Eq(name, value) => attribute(name) == Some(value),
        Condition::Lt(name, value) => compared(name, value) == Some(Less),
        Condition::Le(name, value) => matches!(compared(name, value), Some(Less | Equal)),
        Condition::Gt(name, value) => compared(name, value) == Some(Greater),
        Condition::Contains(name, value) => match (attribute(name), value) {
            (Some(AttributeValue::S(text)), AttributeValue::S(part)) => {
                text.contains(part.as_str())
            }
            _ => false,
        },
        Condition::And(parts) => parts.iter().all(|part| holds(part, item)),
        Condition::Or(parts) => parts.iter().any(|part| holds(part, item)),
    }
}

/// The item after `action`, `None` when it is deleted.
fn applied(action: &Action, key: &Item, before: Option<&Item>) -> Option<Item> {
    match action {
        Action::Put(item) => Some(item.clone()),
        Action::Delete => None,
        Action::Check => before.cloned(),
        Action::Update(changes) => {
            let mut item = before.cloned().unwrap_or_else(|| key.clone());
            for change in changes {
                match change {
                    Change::Set(name, value) => {
                        item.insert(name.clone(), value.clone());
                    }
                    Change::SetIfMissing(name, value) => {
                        item.entry(name.clone()).or_insert_with(|| value.clone());
                    }
                    Change::Add(name, by) => {
                        let current = item
                            .get(name)
                            .and_then(|v| v.as_n().ok())
                            .and_then(|n| n.parse::<i64>().ok())
                            .unwrap_or(0);
                        item.insert(name.clone(), AttributeValue::N((current + by).to_string()));
                    }
                    Change::Remove(name) => {
                        item.remove(name);
                    }
                }
            }
            Some(item)
        }
    }
}

impl Backend for MemoryBackend {
    async fn transact(&self, writes: Vec<Write>) -> Result<(), Failure> {
        let keys: Vec<Key> = writes.iter().map(|w| key_of(&w.key)).collect();
        let distinct: HashSet<&Key> = keys.iter().collect();
        if distinct.len() != keys.len() || keys.len() > 100 {
            return Err(Failure::Failed(anyhow::anyhow!(
                "ValidationException: a transaction of {} operations on {} items",
                keys.len(),
                distinct.len()
            )));
        }
        // At its start: another transaction in flight on one of its items cancels it.
        let started = {
            let mut state = self.state();
            state.metrics.transactions += 1;
            let conflicts: Vec<bool> = keys
                .iter()
                .map(|key| state.in_flight.contains(key))
                .collect();
            if conflicts.iter().any(|c| *c) {
                state.metrics.conflicts += 1;
                Err(conflicts)
            } else {
                // Each partition's capacity for its items.
                let mut throttled = vec![false; keys.len()];
                for (index, write) in writes.iter().enumerate() {
                    let item = match &write.action {
                        Action::Put(item) => Some(item),
                        _ => state.items.get(&keys[index]),
                    };
                    let units = write_units(item, true);
                    if !state.spend(&self.model, &keys[index].0, true, units) {
                        throttled[index] = true;
                    }
                }
                if throttled.iter().any(|t| *t) {
                    state.metrics.throttled += 1;
                    Ok(Some(throttled))
                } else {
                    for key in &keys {
                        state.in_flight.insert(key.clone());
                    }
                    Ok(None)
                }
            }
        };
        let reasons = |codes: Vec<bool>, code: ReasonCode| {
            codes
                .into_iter()
                .map(|hit| Reason {
                    code: if hit { code.clone() } else { ReasonCode::None },
                    item: None,
                })
                .collect()
        };
        match started {
            Err(conflicts) => {
                self.wait(self.model.request_ms).await;
                return Err(Failure::Cancelled(reasons(
                    conflicts,
                    ReasonCode::TransactionConflict,
                )));
            }
            Ok(Some(throttled)) => {
                self.wait(self.model.request_ms).await;
                return Err(Failure::Cancelled(reasons(
                    throttled,
                    ReasonCode::Throttling,
                )));
            }
            Ok(None) => {}
        }
        self.wait(self.model.transaction_ms).await;
        // At its end, atomically: every condition, then every change.
        let mut state = self.state();
        for key in &keys {
            state.in_flight.remove(key);
        }
        let failed: Vec<bool> = writes
            .iter()
            .zip(&keys)
            .map(|(write, key)| {
                write
                    .condition
                    .as_ref()
                    .is_some_and(|condition| !holds(condition, state.items.get(key)))
            })
            .collect();
        if failed.iter().any(|f| *f) {
            state.metrics.condition_failures += 1;
            return Err(Failure::Cancelled(
                failed
                    .iter()
                    .zip(&keys)
                    .map(|(failed, key)| Reason {
                        code: if *failed {
                            ReasonCode::ConditionalCheckFailed
                        } else {
                            ReasonCode::None
                        },
                        item: failed.then(|| state.items.get(key).cloned()).flatten(),
                    })
                    .collect(),
            ));
        }
        for (write, key) in writes.iter().zip(&keys) {
            match applied(&write.action, &write.key, state.items.get(key)) {
                Some(item) => state.items.insert(key.clone(), item),
                None => state.items.remove(key),
            };
        }
        state.metrics.committed += 1;
        state.metrics.writes += writes.len() as u64;
        Ok(())
    }

    async fn write(&self, write: Write) -> Result<(), Failure> {
        let key = key_of(&write.key);
        for attempt in 0..self.model.attempts.max(1) {
            let allowed = {
                let mut state = self.state();
                if state.in_flight.contains(&key) {
                    state.metrics.conflicts += 1;
                    return Err(Failure::Failed(anyhow::anyhow!(
                        "TransactionConflictException: a transaction is in progress on the item"
                    )));
                }
                let item = match &write.action {
                    Action::Put(item) => Some(item),
                    _ => state.items.get(&key),
                };
                let units = write_units(item, false);
                state.spend(&self.model, &key.0, true, units)
            };
            if allowed {
                self.wait(self.model.request_ms).await;
                let mut state = self.state();
                state.metrics.writes += 1;
                let before = state.items.get(&key);
                if let Some(condition) = &write.condition
                    && !holds(condition, before)
                {
                    return Err(Failure::ConditionFailed);
                }
                match applied(&write.action, &write.key, before) {
                    Some(item) => state.items.insert(key, item),
                    None => state.items.remove(&key),
                };
                return Ok(());
            }
            self.state().metrics.throttled += 1;
            self.backoff(attempt + 1).await;
        }
        Err(Failure::Throttled)
    }

    async fn get(&self, key: Item, consistent: bool) -> Result<Option<Item>, Failure> {
        let key = key_of(&key);
        for attempt in 0..self.model.attempts.max(1) {
            let allowed = {
                let mut state = self.state();
                let bytes = state.items.get(&key).map_or(1, size);
                state.spend(&self.model, &key.0, false, read_units(bytes, consistent))
            };
            if allowed {
                self.wait(self.model.request_ms).await;
                let mut state = self.state();
                state.metrics.reads += 1;
                return Ok(state.items.get(&key).cloned());
            }
            self.state().metrics.throttled += 1;
            self.backoff(attempt + 1).await;
        }
        Err(Failure::Throttled)
    }

    async fn batch_get(&self, keys: Vec<Item>) -> Result<Vec<Item>, Failure> {
        let mut found = Vec::new();
        for key in keys {
            // One round trip for all: the latency once, the units per item.
            let key = key_of(&key);
            let mut state = self.state();
            let bytes = state.items.get(&key).map_or(1, size);
            if !state.spend(&self.model, &key.0, false, read_units(bytes, true)) {
                state.metrics.throttled += 1;
                return Err(Failure::Throttled);
            }
            state.metrics.reads += 1;
            if let Some(item) = state.items.get(&key) {
                found.push(item.clone());
            }
        }
        self.wait(self.model.request_ms).await;
        Ok(found)
    }

    async fn query(&self, query: Query) -> Result<QueryPage, Failure> {
        for attempt in 0..self.model.attempts.max(1) {
            let page = {
                let mut state = self.state();
                let page = page(&state.items, &query)?;
                let bytes: usize = page.evaluated.iter().map(size).sum();
                if state.spend(
                    &self.model,
                    &query.partition,
                    false,
                    read_units(bytes, query.consistent),
                ) {
                    state.metrics.reads += 1;
                    Some(page)
                } else {
                    state.metrics.throttled += 1;
                    None
                }
            };
            if let Some(page) = page {
                self.wait(self.model.request_ms).await;
                return Ok(QueryPage {
                    items: page.items,
                    last: page.last,
                });
            }
            self.backoff(attempt + 1).await;
        }
        Err(Failure::Throttled)
    }
}

struct Evaluated {
    /// The items read (before the filter), for the units.
    evaluated: Vec<Item>,
    items: Vec<Item>,
    last: Option<Item>,
}

/// One page of a query, as DynamoDB reads it: the partition's items in sort order (an index's
/// by its sort attribute, then the table key), from after the start key, at most `limit`
/// read, then filtered.
fn page(items: &BTreeMap<Key, Item>, query: &Query) -> Result<Evaluated, Failure> {
    // DynamoDB refuses an empty value for a key attribute, in a key condition too.
    let bounds: Vec<&String> = match &query.sort {
        Some(SortKey::Between(from, to)) => vec![from, to],
        Some(SortKey::BeginsWith(prefix)) => vec![prefix],
        None => Vec::new(),
    };
    if query.partition.is_empty() || bounds.iter().any(|bound| bound.is_empty()) {
        return Err(Failure::Failed(anyhow::anyhow!(
            "ValidationException: a key attribute cannot be an empty string"
        )));
    }
    let text = |item: &Item, name: &str| {
        item.get(name)
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default()
    };
    let in_range = |sort: &str| match &query.sort {
        None => true,
        Some(SortKey::Between(from, to)) => sort >= from.as_str() && sort <= to.as_str(),
        Some(SortKey::BeginsWith(prefix)) => sort.starts_with(prefix.as_str()),
    };
    let selected: Vec<&Item> = match &query.index {
        // The table is kept in key order: read the partition's range as DynamoDB does.
        None => {
            if let Some(start) = &query.start
                && text(start, PK) != query.partition
            {
                return Err(Failure::InvalidStartKey);
            }
            let after = query.start.as_ref().map(|start| text(start, SK));
            let lowest = match &query.sort {
                None => String::new(),
                Some(SortKey::Between(from, _)) => from.clone(),
                Some(SortKey::BeginsWith(prefix)) => prefix.clone(),
            };
            let partition = items
                .range((query.partition.clone(), lowest)..)
                .take_while(|((pk, sk), _)| *pk == query.partition && in_range(sk));
            let mut selected: Vec<&Item> = partition
                .filter(|((_, sk), _)| match &after {
                    None => true,
                    Some(after) if query.forward => sk > after,
                    Some(after) => sk < after,
                })
                .map(|(_, item)| item)
                .collect();
            if !query.forward {
                selected.reverse();
            }
            selected
        }
        Some(_) => {
            let position =
                |item: &Item| (text(item, &query.sort_key), text(item, PK), text(item, SK));
            let mut selected: Vec<&Item> = items
                .values()
                .filter(|item| {
                    item.get(&query.partition_key).and_then(|v| v.as_s().ok())
                        == Some(&query.partition)
                        && item
                            .get(&query.sort_key)
                            .and_then(|v| v.as_s().ok())
                            .is_some_and(|sort| in_range(sort))
                })
                .collect();
            selected.sort_by_cached_key(|item| position(item));
            if !query.forward {
                selected.reverse();
            }
            if let Some(start) = &query.start {
                if text(start, &query.partition_key) != query.partition {
                    return Err(Failure::InvalidStartKey);
                }
                let after = position(start);
                selected.retain(|item| {
                    if query.forward {
                        position(item) > after
                    } else {
                        position(item) < after
                    }
                });
            }
            selected
        }
    };
    let limit = query.limit.unwrap_or(usize::MAX);
    let evaluated: Vec<Item> = selected.iter().take(limit).map(|i| (*i).clone()).collect();
    let last = (evaluated.len() == limit && limit > 0).then(|| {
        let item = evaluated.last().expect("limit items read");
        let mut key: Item = HashMap::new();
        for name in [
            PK,
            SK,
            query.partition_key.as_str(),
            query.sort_key.as_str(),
        ] {
            if let Some(value) = item.get(name) {
                key.insert(name.to_owned(), value.clone());
            }
        }
        key
    });
    let items = evaluated
        .iter()
        .filter(|item| {
            query
                .filter
                .as_ref()
                .is_none_or(|filter| holds(filter, Some(item)))
        })
        .cloned()
        .collect();
    Ok(Evaluated {
        evaluated,
        items,
        last,
    })
}

#[cfg(test)]
mod tests {
    //! The model's semantics on small hand-worked cases, in tokio's paused time.

    use super::*;
    use crate::dynamo::ops::{Condition, Write, number, string};

    fn key(pk: &str, sk: &str) -> Item {
        HashMap::from([(PK.to_owned(), string(pk)), (SK.to_owned(), string(sk))])
    }

    fn with(pk: &str, sk: &str, fields: &[(&str, AttributeValue)]) -> Item {
        let mut item = key(pk, sk);
        for (name, value) in fields {
            item.insert((*name).to_owned(), value.clone());
        }
        item
    }

    /// Exact latencies (no spread): transactions 20 ms, other calls 5 ms.
    fn timed(write_units: Option<f64>) -> MemoryBackend {
        MemoryBackend::new(Model {
            transaction_ms: 20.0,
            request_ms: 5.0,
            spread: 0.0,
            write_units,
            read_units: None,
            attempts: 1,
            seed: 7,
        })
    }

    #[tokio::test(start_paused = true)]
    async fn a_transaction_is_all_or_nothing_and_says_why_per_item() {
        let db = MemoryBackend::new(Model::instant());
        db.write(Write::put(with("SLOT", "1", &[("n", number(2))]), None))
            .await
            .unwrap();
        let take = Write::update(
            key("SLOT", "1"),
            vec![Change::add("n", 1)],
            Some(Condition::below("n", 2)),
        );
        let hold = Write::put(with("HOLD", "a", &[]), Some(Condition::Absent));
        let Err(Failure::Cancelled(reasons)) = db.transact(vec![hold, take]).await else {
            panic!("a full slot cancels the transaction");
        };
        assert_eq!(reasons[0].code, ReasonCode::None);
        assert_eq!(reasons[1].code, ReasonCode::ConditionalCheckFailed);
        assert_eq!(
            reasons[1].item.as_ref().unwrap()["n"],
            number(2),
            "the old item"
        );
        assert_eq!(db.items().len(), 1, "the hold was not written");
    }

    #[tokio::test(start_paused = true)]
    async fn a_transaction_including_an_item_in_flight_is_cancelled_by_conflict() {
        let db = timed(None);
        let first = {
            let db = db.clone();
            tokio::spawn(async move {
                db.transact(vec![Write::put(with("SLOT", "1", &[]), None)])
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(1)).await;
        // A condition check on the held item conflicts too; the other item is not at fault.
        let second = db
            .transact(vec![
                Write::put(with("HOLD", "b", &[]), None),
                Write::check(key("SLOT", "1"), Condition::Absent),
            ])
            .await;
        let Err(Failure::Cancelled(reasons)) = second else {
            panic!("a conflict")
        };
        assert_eq!(
            [reasons[0].code.clone(), reasons[1].code.clone()],
            [ReasonCode::None, ReasonCode::TransactionConflict]
        );
        assert!(first.await.unwrap().is_ok(), "the first commits");
        // Once it has committed, the item is free again.
        let third = db
            .transact(vec![Write::update(
                key("SLOT", "1"),
                vec![Change::add("n", 1)],
                None,
            )])
            .await;
        assert!(third.is_ok());
        let metrics = db.metrics();
        assert_eq!(
            (metrics.transactions, metrics.committed, metrics.conflicts),
            (3, 2, 1)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_partition_over_its_write_units_is_throttled_until_they_refill() {
        // Ten units a second; a small item costs one, twice in a transaction.
        let db = timed(Some(10.0));
        for n in 0..10 {
            db.write(Write::put(with("P", &n.to_string(), &[]), None))
                .await
                .unwrap();
        }
        let eleventh = db.write(Write::put(with("P", "10", &[]), None)).await;
        assert!(matches!(eleventh, Err(Failure::Throttled)));
        // Another partition has its own units.
        assert!(
            db.write(Write::put(with("Q", "0", &[]), None))
                .await
                .is_ok()
        );
        // A transaction needs two units on P: after 200 ms there are two.
        tokio::time::advance(Duration::from_millis(100)).await;
        let Err(Failure::Cancelled(reasons)) = db
            .transact(vec![Write::put(with("P", "10", &[]), None)])
            .await
        else {
            panic!("one unit is not enough for a transaction")
        };
        assert_eq!(reasons[0].code, ReasonCode::Throttling);
        tokio::time::advance(Duration::from_millis(100)).await;
        assert!(
            db.transact(vec![Write::put(with("P", "10", &[]), None)])
                .await
                .is_ok()
        );
        assert!(db.metrics().peak_write_units.0 >= 10.0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_query_reads_in_order_pages_by_its_limit_and_filters_after_reading() {
        let db = MemoryBackend::new(Model::instant());
        for (pk, sort, keep) in [("B1", "03", true), ("B2", "01", false), ("B3", "02", true)] {
            let item = with(
                pk,
                "B",
                &[
                    ("gpk", string("DAY")),
                    ("gsk", string(sort)),
                    ("keep", AttributeValue::Bool(keep)),
                ],
            );
            db.write(Write::put(item, None)).await.unwrap();
        }
        let query = |start: Option<Item>| Query {
            index: Some("by-day".into()),
            partition_key: "gpk".into(),
            partition: "DAY".into(),
            sort_key: "gsk".into(),
            sort: None,
            filter: Some(Condition::eq("keep", AttributeValue::Bool(true))),
            forward: true,
            limit: Some(2),
            start,
            consistent: false,
        };
        // Two read (01, 02), one kept: the limit counts items read, not items kept.
        let first = db.query(query(None)).await.unwrap();
        assert_eq!(first.items.len(), 1);
        assert_eq!(first.items[0][PK], string("B3"));
        let last = first.last.expect("more to read");
        let second = db.query(query(Some(last))).await.unwrap();
        assert_eq!(second.items[0][PK], string("B1"));
        assert!(second.last.is_none());
        // A start key of another partition is refused.
        let forged = with(
            "B1",
            "B",
            &[("gpk", string("OTHER")), ("gsk", string("03"))],
        );
        assert!(matches!(
            db.query(query(Some(forged))).await,
            Err(Failure::InvalidStartKey)
        ));
    }
}
