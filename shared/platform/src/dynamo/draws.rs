//! Releases by draw and their entries. A release is an item of the `RELEASES` partition (few,
//! read together, cached by nobody: an office opens a handful a month). Its entries are spread
//! over `ENTRY_PARTITIONS` partitions by pseudonym, so that a click day's entries never meet in
//! one; a person's claim on a release (`ENTERED#…`) and their record of lost draws of a service
//! (`LOSSES#…`) are items of their own, keyed by hashes of the person's identity keys.

use anyhow::Context;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use futures_util::future::join_all;
use prenota_domain::bookings::{Notice, NoticeKind};
use prenota_domain::catalogue::Place;
use prenota_domain::draws::release::ENTRY_PARTITIONS;
use prenota_domain::draws::{
    Digest32, DrawSummary, Entry, Pseudonym, PublishedDraw, PublishedEntry, Release,
};
use prenota_domain::ports::{DrawStore, EntryWriteError};
use uuid::Uuid;

use super::keys::{self, Item, PURGE_AT};
use super::notices::put_notice;
use super::ops::{Backend, Change, Condition, ReasonCode, Transaction, Write};
use super::slots::DRAW;
use super::{DynamoStore, TransactError, from_item, number, string, text_of, to_item};

const RELEASES: &str = "RELEASES";
const LEASED_UNTIL: &str = "leased_until";
const COUNT: &str = "count";
/// How many marks of a release go out at once.
const WRITES_AT_ONCE: usize = 25;

fn release_key(id: &str) -> Item {
    keys::key(RELEASES.to_owned(), id)
}

/// The partition of an entry: one of `ENTRY_PARTITIONS`, by its pseudonym.
fn entries_partition(release: &str, part: u8) -> String {
    format!("ENTRIES#{release}#{part}")
}

fn entry_key(release: &str, pseudonym: &Pseudonym) -> Item {
    keys::key(
        entries_partition(release, pseudonym.0[0] % ENTRY_PARTITIONS),
        &pseudonym.to_string(),
    )
}

/// A part of a drawn release's publication: `PUBLISHED_PER_ITEM` of its entries' pseudonyms,
/// weights and positions (about 110 KB, well within DynamoDB's 400 KB an item), each part a
/// partition of its own (a part costs 110 WCU: a partition takes 1,000 a second).
fn publication_key(release: &str, index: usize) -> Item {
    keys::key(format!("PUBLISHED#{release}#{index}"), "PUBLISHED")
}

const PUBLISHED_PER_ITEM: usize = 1000;

fn claim_key(claim: &str) -> Item {
    keys::key(format!("ENTERED#{claim}"), "ENTERED")
}

fn losses_key(key: &str) -> Item {
    keys::key(format!("LOSSES#{key}"), "LOSSES")
}

/// The index partition of an account's entries (`by-owner`).
fn entrant_partition(account: &Uuid) -> String {
    format!("ENTRANT#{account}")
}

fn value<T: serde::Serialize>(value: &T) -> anyhow::Result<AttributeValue> {
    serde_dynamo::to_attribute_value(value).context("serialising an attribute")
}

/// The keys of the slots a release gives out (its places' slots on its days), and their
/// partitions.
fn release_slots(release: &Release, places: &[Place<'_>]) -> (Vec<Item>, Vec<String>) {
    let mut slots = Vec::new();
    let mut partitions = Vec::new();
    for place in places {
        for day in release.days() {
            if place.office.closed_on(day) {
                continue;
            }
            for time in place.section.slot_times(day) {
                slots.push(keys::slot(
                    &place.office.id,
                    &place.site.id,
                    &place.section.id,
                    day,
                    time,
                ));
            }
            partitions.push(keys::slots_partition(
                &place.office.id,
                &place.site.id,
                &place.section.id,
                day,
            ));
        }
    }
    (slots, partitions)
}

impl<B: Backend> DynamoStore<B> {
    /// Lifts a release's mark from its slots (a slot another release holds, or none, keeps
    /// what it has).
    async fn lift_marks(&self, release: &Release, places: &[Place<'_>]) -> anyhow::Result<()> {
        let (slots, partitions) = release_slots(release, places);
        let mine = Condition::eq(DRAW, string(&release.id));
        for batch in slots.chunks(WRITES_AT_ONCE) {
            let lifts = batch.iter().map(|slot| {
                let lift =
                    Write::update(slot.clone(), vec![Change::remove(DRAW)], Some(mine.clone()));
                self.write(lift, "UpdateItem release mark lifted")
            });
            for lifted in join_all(lifts).await {
                lifted?;
            }
        }
        for partition in &partitions {
            self.slot_cache.forget(partition);
        }
        Ok(())
    }
}

/// Which item of an entry's transaction stands for what.
#[derive(Clone, Copy, PartialEq)]
enum EntryPart {
    Entry,
    Claim,
    /// The notice that tells the entrant (the outbox).
    Notice,
    /// A record of the person's lost draws.
    Losses,
}

impl<B: Backend> DrawStore for DynamoStore<B> {
    #[tracing::instrument(level = "debug", skip_all, fields(release = %release.id))]
    async fn create_release(&self, release: &Release) -> anyhow::Result<()> {
        let item = to_item(release, release_key(&release.id))?;
        let written = self
            .write(Write::put(item, Some(Condition::Absent)), "PutItem release")
            .await?;
        anyhow::ensure!(written, "a release's id was taken");
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(release = %release.id))]
    async fn mark_release(&self, release: &Release, places: &[Place<'_>]) -> anyhow::Result<bool> {
        let mine = Condition::Or(vec![
            Condition::Lacks(DRAW.into()),
            Condition::eq(DRAW, string(&release.id)),
        ]);
        let (slots, partitions) = release_slots(release, places);
        let marks: Vec<Write> = slots
            .into_iter()
            .map(|slot| {
                let mark = Change::set(DRAW, string(&release.id));
                Write::update(slot, vec![mark], Some(mine.clone()))
            })
            .collect();
        // Written again, a mark changes nothing: an opening that stopped half-way is finished by
        // marking again.
        let mut held_by_another = false;
        for batch in marks.chunks(WRITES_AT_ONCE) {
            let written = join_all(
                batch
                    .iter()
                    .map(|mark| self.write(mark.clone(), "UpdateItem release mark")),
            )
            .await;
            for written in written {
                held_by_another |= !written?;
            }
        }
        for partition in &partitions {
            self.slot_cache.forget(partition);
        }
        if held_by_another {
            // Another release holds some of the days (opened at the same moment): this one
            // takes its marks back and is not opened.
            self.lift_marks(release, places).await?;
            let dropped = Write::delete(
                release_key(&release.id),
                Some(Condition::eq("marked", AttributeValue::Bool(false))),
            );
            self.write(dropped, "DeleteItem release not opened").await?;
            return Ok(false);
        }
        let marked = Write::update(
            release_key(&release.id),
            vec![Change::set("marked", AttributeValue::Bool(true))],
            Some(Condition::Exists),
        );
        self.write(marked, "UpdateItem release marked").await?;
        Ok(true)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn release(&self, id: &str) -> anyhow::Result<Option<Release>> {
        self.get(release_key(id)).await?.map(from_item).transpose()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn releases(&self) -> anyhow::Result<Vec<Release>> {
        let items = self
            .partition(RELEASES.to_owned(), "0".into(), "~".into())
            .await?;
        let mut releases = items
            .into_iter()
            .map(from_item)
            .collect::<anyhow::Result<Vec<Release>>>()?;
        releases.sort_by_key(|release| std::cmp::Reverse(release.created_at));
        Ok(releases)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn draw_losses(&self, keys: &[String], now: DateTime<Utc>) -> anyhow::Result<u32> {
        let items = self
            .get_many(keys.iter().map(|key| losses_key(key)).collect())
            .await?;
        let whole =
            |item: &Item, name: &str| -> Option<i64> { item.get(name)?.as_n().ok()?.parse().ok() };
        Ok(items
            .iter()
            // TTL deletes lazily: an expired record counts nothing.
            .filter(|item| whole(item, PURGE_AT).is_none_or(|at| at > now.timestamp()))
            .filter_map(|item| whole(item, COUNT))
            .max()
            .unwrap_or(0)
            .clamp(0, i64::from(u32::MAX)) as u32)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(release = %entry.release))]
    async fn create_entry(
        &self,
        entry: &Entry,
        keep_until: DateTime<Utc>,
    ) -> Result<(), EntryWriteError> {
        let purge_at = number(keep_until.timestamp());
        let created = entry
            .created_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let mut item = to_item(entry, entry_key(&entry.release, &entry.pseudonym))
            .map_err(EntryWriteError::Failed)?;
        item.extend([
            (
                "gsi1pk".to_owned(),
                string(entrant_partition(&entry.entered_by)),
            ),
            (
                "gsi1sk".to_owned(),
                string(format!("{created}#{}", entry.release)),
            ),
            (PURGE_AT.to_owned(), purge_at.clone()),
        ]);
        let mut transaction =
            Transaction::new().with(EntryPart::Entry, Write::put(item, Some(Condition::Absent)));
        for claim in &entry.claims {
            let mut item = claim_key(claim);
            item.insert("release".into(), string(&entry.release));
            item.insert(PURGE_AT.into(), purge_at.clone());
            transaction.push(EntryPart::Claim, Write::put(item, Some(Condition::Absent)));
        }
        // Its confirmation, with its code, goes through the outbox.
        let entered = Notice::of_entry(NoticeKind::Entered, entry, entry.created_at);
        transaction.push(EntryPart::Notice, put_notice(&entered));
        match self.transact(transaction).await {
            Ok(()) => Ok(()),
            Err(TransactError::Cancelled(reasons))
                if reasons.iter().any(|(part, reason)| {
                    *part == EntryPart::Claim && reason.code == ReasonCode::ConditionalCheckFailed
                }) =>
            {
                Err(EntryWriteError::AlreadyEntered)
            }
            Err(error) => Err(EntryWriteError::Failed(error.into_anyhow())),
        }
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn entry(&self, release: &str, pseudonym: &Pseudonym) -> anyhow::Result<Option<Entry>> {
        self.get(entry_key(release, pseudonym))
            .await?
            .map(from_item)
            .transpose()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn entries(&self, release: &str) -> anyhow::Result<Vec<Entry>> {
        let reads = (0..ENTRY_PARTITIONS)
            .map(|part| self.partition(entries_partition(release, part), "0".into(), "~".into()));
        let mut entries = Vec::new();
        for items in join_all(reads).await {
            for item in items? {
                entries.push(from_item::<Entry>(item)?);
            }
        }
        entries.sort_by_key(|entry| entry.pseudonym);
        Ok(entries)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn entries_by(&self, account: Uuid) -> anyhow::Result<Vec<Entry>> {
        let items = self
            .index_partition(
                keys::BY_OWNER,
                "gsi1pk",
                "gsi1sk",
                &entrant_partition(&account),
            )
            .await?;
        let mut entries = items
            .into_iter()
            .map(from_item)
            .collect::<anyhow::Result<Vec<Entry>>>()?;
        entries.reverse();
        Ok(entries)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(release = %release))]
    async fn claim_draw(
        &self,
        release: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        let write = Write::update(
            release_key(release),
            vec![Change::set(LEASED_UNTIL, number(until.timestamp()))],
            Some(Condition::And(vec![
                Condition::Exists,
                Condition::Lacks("drawn".into()),
                Condition::Or(vec![
                    Condition::Lacks(LEASED_UNTIL.into()),
                    Condition::lt(LEASED_UNTIL, number(now.timestamp())),
                ]),
            ])),
        );
        self.write(write, "UpdateItem draw claim").await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(release = %release))]
    async fn let_go_draw(&self, release: &str, lease: DateTime<Utc>) -> anyhow::Result<()> {
        // Only this run's hold: one taken over meanwhile is the other run's.
        let write = Write::update(
            release_key(release),
            vec![Change::remove(LEASED_UNTIL)],
            Some(Condition::eq(LEASED_UNTIL, number(lease.timestamp()))),
        );
        self.write(write, "UpdateItem draw let go")
            .await
            .map(|_| ())
    }

    #[tracing::instrument(
        level = "debug",
        skip_all,
        fields(release = %entry.release, version = entry.version)
    )]
    async fn save_entry(&self, entry: &Entry, notice: Option<&Notice>) -> anyhow::Result<bool> {
        // Every attribute of the entry as it now is, but the settlement, which has its own
        // condition (`settle_entry`).
        let attributes: Item = serde_dynamo::to_item(entry).context("serialising an entry")?;
        let changes = attributes
            .into_iter()
            .filter(|(name, _)| name != "settled")
            .map(|(name, value)| Change::set(&name, value))
            .collect();
        let write = Write::update(
            entry_key(&entry.release, &entry.pseudonym),
            changes,
            Some(Condition::eq("version", number(entry.version - 1))),
        );
        let Some(notice) = notice else {
            return self.write(write, "UpdateItem entry").await;
        };
        let transaction = Transaction::new()
            .with(EntryPart::Entry, write)
            .with(EntryPart::Notice, put_notice(notice));
        match self.transact(transaction).await {
            Ok(()) => Ok(true),
            Err(TransactError::Cancelled(reasons))
                if reasons.iter().any(|(part, reason)| {
                    *part == EntryPart::Entry && reason.code == ReasonCode::ConditionalCheckFailed
                }) =>
            {
                Ok(false)
            }
            Err(error) => Err(error.into_anyhow()),
        }
    }

    #[tracing::instrument(level = "debug", skip_all, fields(release = %release.id))]
    async fn mark_allocated(&self, release: &Release) -> anyhow::Result<()> {
        let allocated = Write::update(
            release_key(&release.id),
            vec![Change::set("allocated", AttributeValue::Bool(true))],
            Some(Condition::Exists),
        );
        self.write(allocated, "UpdateItem release allocated")
            .await
            .map(|_| ())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(release = %entry.release, lost))]
    async fn settle_entry(
        &self,
        entry: &Entry,
        lost: bool,
        keep_until: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let settled = Write::update(
            entry_key(&entry.release, &entry.pseudonym),
            vec![Change::set("settled", AttributeValue::Bool(true))],
            Some(Condition::And(vec![
                Condition::Exists,
                Condition::eq("settled", AttributeValue::Bool(false)),
            ])),
        );
        let mut transaction = Transaction::new().with(EntryPart::Entry, settled);
        for key in &entry.loss_keys {
            let record = if lost {
                Write::update(
                    losses_key(key),
                    vec![
                        Change::add(COUNT, 1),
                        Change::set(PURGE_AT, number(keep_until.timestamp())),
                    ],
                    None,
                )
            } else {
                Write::delete(losses_key(key), None)
            };
            transaction.push(EntryPart::Losses, record);
        }
        match self.transact(transaction).await {
            Ok(()) => Ok(()),
            // Settled already, by an earlier run: once each.
            Err(TransactError::Cancelled(reasons))
                if reasons.iter().any(|(part, reason)| {
                    *part == EntryPart::Entry && reason.code == ReasonCode::ConditionalCheckFailed
                }) =>
            {
                Ok(())
            }
            Err(error) => Err(error.into_anyhow()),
        }
    }

    #[tracing::instrument(level = "debug", skip_all, fields(release = %published.release))]
    async fn save_publication(&self, published: &PublishedDraw) -> anyhow::Result<()> {
        // A draw nobody entered still publishes its seed: one part, empty.
        let parts: Vec<&[PublishedEntry]> = if published.entries.is_empty() {
            vec![&[]]
        } else {
            published.entries.chunks(PUBLISHED_PER_ITEM).collect()
        };
        for (index, entries) in parts.into_iter().enumerate() {
            let mut item = publication_key(&published.release, index);
            item.insert("release".into(), string(&published.release));
            item.insert(
                "commitment".into(),
                string(published.commitment.to_string()),
            );
            item.insert("seed".into(), string(published.seed.to_string()));
            item.insert("entries".into(), string(serde_json::to_string(entries)?));
            self.write(Write::put(item, None), "PutItem publication")
                .await?;
        }
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(release = %release.id))]
    async fn publication(&self, release: &Release) -> anyhow::Result<Option<PublishedDraw>> {
        let Some(drawn) = &release.drawn else {
            return Ok(None);
        };
        let chunks = (drawn.entries as usize).div_ceil(PUBLISHED_PER_ITEM).max(1);
        let keys: Vec<Item> = (0..chunks)
            .map(|index| publication_key(&release.id, index))
            .collect();
        let mut items = Vec::new();
        for batch in keys.chunks(100) {
            items.extend(self.get_many(batch.to_vec()).await?);
        }
        anyhow::ensure!(items.len() == chunks, "a publication's parts are missing");
        let part = |item: &Item| -> usize {
            keys::pk_of(item)
                .and_then(|pk| pk.rsplit_once('#'))
                .and_then(|(_, index)| index.parse().ok())
                .unwrap_or(usize::MAX)
        };
        items.sort_by_key(part);
        let first = &items[0];
        let digest = |name: &str| {
            text_of(first, name)
                .and_then(Digest32::parse)
                .with_context(|| format!("a publication's {name}"))
        };
        let mut published = PublishedDraw {
            release: release.id.clone(),
            commitment: digest("commitment")?,
            seed: digest("seed")?,
            entries: Vec::new(),
        };
        for item in &items {
            let entries = text_of(item, "entries").context("a publication's entries")?;
            let entries: Vec<PublishedEntry> = serde_json::from_str(entries)?;
            published.entries.extend(entries);
        }
        Ok(Some(published))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(release = %entry.release))]
    async fn erase_entry(&self, entry: &Entry) -> anyhow::Result<()> {
        let mut transaction = Transaction::new().with(
            EntryPart::Entry,
            Write::delete(entry_key(&entry.release, &entry.pseudonym), None),
        );
        for claim in &entry.claims {
            transaction.push(EntryPart::Claim, Write::delete(claim_key(claim), None));
        }
        for key in &entry.loss_keys {
            transaction.push(EntryPart::Losses, Write::delete(losses_key(key), None));
        }
        self.transact(transaction)
            .await
            .map_err(TransactError::into_anyhow)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn forget_losses(&self, keys: &[String]) -> anyhow::Result<()> {
        for key in keys {
            self.write(Write::delete(losses_key(key), None), "DeleteItem losses")
                .await?;
        }
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(release = %release.id))]
    async fn return_release(&self, release: &Release, places: &[Place<'_>]) -> anyhow::Result<()> {
        self.lift_marks(release, places).await?;
        let returned = Write::update(
            release_key(&release.id),
            vec![Change::set("returned", AttributeValue::Bool(true))],
            Some(Condition::Exists),
        );
        self.write(returned, "UpdateItem release returned").await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(release = %release.id))]
    async fn finish_draw(&self, release: &Release, summary: &DrawSummary) -> anyhow::Result<()> {
        let write = Write::update(
            release_key(&release.id),
            vec![
                Change::set("drawn", value(summary)?),
                Change::remove(LEASED_UNTIL),
            ],
            Some(Condition::Exists),
        );
        self.write(write, "UpdateItem draw finished")
            .await
            .map(|_| ())
    }
}
