//! The rate-limit counters: one item per counter and window, counted in one transaction so that
//! concurrent requests cannot pass a limit together.

use prenota_domain::accounts::rate_limit::Counter;
use prenota_domain::ports::Counters;

use super::keys::{self, PURGE_AT};
use super::ops::{Backend, Change, Condition, Write};
use super::{DynamoStore, TransactError, number};

/// A counter's events in its window.
const HITS: &str = "hits";

impl<B: Backend> Counters for DynamoStore<B> {
    #[tracing::instrument(level = "debug", skip_all, fields(counters = counters.len()))]
    async fn take(&self, counters: &[Counter]) -> anyhow::Result<Option<usize>> {
        // Each counter's write stands for its index, which says which one is full.
        let transaction = counters
            .iter()
            .enumerate()
            .map(|(index, counter)| {
                let count = Write::update(
                    keys::counter(&counter.id),
                    vec![
                        Change::add(HITS, 1),
                        Change::SetIfMissing(
                            PURGE_AT.into(),
                            number(counter.window_ends.timestamp()),
                        ),
                    ],
                    Some(Condition::below(HITS, i64::from(counter.max))),
                );
                (index, count)
            })
            .collect();
        match self.transact(transaction).await {
            Ok(()) => Ok(None),
            Err(error) => match error.failed_condition() {
                Some(full) => Ok(Some(*full)),
                None => Err(error.into_anyhow().context("counting a limit")),
            },
        }
    }

    #[tracing::instrument(level = "debug", skip_all, fields(counters = counters.len()))]
    async fn give_back(&self, counters: &[Counter]) -> anyhow::Result<()> {
        let transaction = counters
            .iter()
            .enumerate()
            .map(|(index, counter)| {
                let count = Write::update(
                    keys::counter(&counter.id),
                    vec![Change::add(HITS, -1)],
                    Some(Condition::gt(HITS, number(0))),
                );
                (index, count)
            })
            .collect();
        match self.transact(transaction).await {
            // A counter whose window ended meanwhile has nothing to give back.
            Ok(()) | Err(TransactError::Cancelled(_)) => Ok(()),
            Err(error) => Err(error.into_anyhow().context("giving back a count")),
        }
    }
}
