//! Bookings: made, moved, cancelled, ended and erased, each change one transaction whose
//! conditions hold capacity and uniqueness (nothing is read and then written back); their
//! receipts, the lists of an account's bookings and an office's agenda.

use anyhow::{Context, anyhow};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::future::join_all;
use prenota_domain::bookings::Receipt;
use prenota_domain::bookings::SlotCounts;
use prenota_domain::bookings::{
    Booking, BookingId, BookingRecord, DailyChanges, ErasedBooking, Notice,
};
use prenota_domain::catalogue::Place;
use prenota_domain::paging::{Cursor, Page};
use prenota_domain::ports::{
    BookingChange, BookingFilter, BookingStore, BookingWriteError, Counts, IdempotencyClaim,
};
use uuid::Uuid;

use super::keys::{self, PURGE_AT};
use super::notices::put_notice;
use super::ops::{Backend, Change, Condition, Reason, ReasonCode, Transaction, Write};
use super::slots::shut_to;
use super::{DynamoStore, IndexQuery, TransactError, from_item, number, string, to_item};

/// The attribute of an erased booking's statistics record (PD-1, PD-2).
const ERASED: &str = "erased";
const VERSION: &str = "version";
/// On a booking: the date its holder was reminded of (`bookings::remind`).
const REMINDED_FOR: &str = "reminded_for";
const BOOKING_ID: &str = "booking_id";
const COUNT: &str = "count";
/// A booking's names, transliterated, for an organisation's search.
const SEARCH: &str = "search";

impl<B: Backend> DynamoStore<B> {
    /// What a refused transaction returned of the slots it wanted: their latest counts.
    fn learn(&self, written: &Result<(), TransactError<Part>>) {
        if let Err(TransactError::Cancelled(reasons)) = written {
            for (_, reason) in reasons.iter().filter(|(part, reason)| {
                *part == Part::NewPlace && reason.code == ReasonCode::ConditionalCheckFailed
            }) {
                if let Some(slot) = &reason.item {
                    self.slot_cache.saw(slot);
                }
            }
        }
    }

    /// One more change on the person, under each of their identity keys: within the limit, or
    /// (a cancellation, which only ever frees a place) counted whatever the count.
    fn count_change(&self, changes: &DailyChanges) -> Vec<(Part, Write)> {
        changes
            .ids
            .iter()
            .map(|id| {
                let count = Write::update(
                    keys::daily_changes(id),
                    vec![
                        Change::add(COUNT, 1),
                        Change::set(PURGE_AT, number(changes.expires_at.timestamp())),
                    ],
                    changes
                        .enforced
                        .then(|| Condition::below(COUNT, i64::from(changes.limit))),
                );
                (Part::Changes, count)
            })
            .collect()
    }

    /// The deletes of a booking's holds, as it claimed them (only while they are this
    /// booking's; one already gone is no obstacle).
    fn release_holds(&self, booking: &Booking) -> Vec<(Part, Write)> {
        let mine = Condition::Or(vec![
            Condition::Absent,
            Condition::eq(BOOKING_ID, string(booking.id.as_str())),
        ]);
        booking
            .claimed_holds()
            .iter()
            .map(|hold| {
                let release = Write::delete(keys::hold(hold), Some(mine.clone()));
                (Part::Release, release)
            })
            .collect()
    }

    /// The booking, written over the version it was computed from (or new).
    fn put_booking(&self, booking: &Booking) -> Result<Write, BookingWriteError> {
        let mut item =
            to_item(booking, keys::booking(&booking.id)).map_err(BookingWriteError::Failed)?;
        item.extend(keys::booking_index_keys(booking));
        item.insert(SEARCH.into(), string(booking.search_words()));
        let condition = if booking.version == 1 {
            Condition::Absent
        } else {
            Condition::eq(VERSION, number(booking.version - 1))
        };
        Ok(Write::put(item, Some(condition)))
    }
}

/// Which item of a transaction stands for what, to read its cancellation reasons.
#[derive(Clone, Copy, PartialEq)]
enum Part {
    NewPlace,
    OldPlace,
    Hold(usize),
    Release,
    Idempotency,
    Changes,
    Booking,
    /// The notice that tells the holder of the change (the outbox).
    Notice,
}

/// The outcome of a cancelled booking transaction, the most telling reason first: a replayed
/// request is a success, a closed day explains a full slot, and so on.
/// `release`: the release by draw the new place was taken through, if any.
fn booking_error(error: TransactError<Part>, release: Option<&str>) -> BookingWriteError {
    let reasons = match error {
        TransactError::Cancelled(reasons) => reasons,
        TransactError::Busy => return BookingWriteError::Busy,
        TransactError::Failed(error) => return BookingWriteError::Failed(error),
    };
    // The reason of the first write standing for `part` whose condition failed.
    let failed = |part: Part| -> Option<&Reason> {
        reasons
            .iter()
            .find(|(p, reason)| *p == part && reason.code == ReasonCode::ConditionalCheckFailed)
            .map(|(_, reason)| reason)
    };
    if let Some(reason) = failed(Part::Idempotency) {
        let text = |name: &str| {
            reason
                .item
                .as_ref()
                .and_then(|item| item.get(name))
                .and_then(|v| v.as_s().ok())
                .cloned()
        };
        return match (
            text(BOOKING_ID).and_then(|id| BookingId::parse(&id)),
            text("fingerprint"),
        ) {
            (Some(booking), Some(fingerprint)) => BookingWriteError::Replay {
                booking,
                fingerprint,
            },
            _ => BookingWriteError::Failed(anyhow!("an idempotency claim without its booking")),
        };
    }
    if let Some(reason) = failed(Part::NewPlace)
        && reason
            .item
            .as_ref()
            .is_some_and(|slot| shut_to(slot, release))
    {
        return BookingWriteError::Closed;
    }
    if let Some(index) = reasons.iter().find_map(|(part, reason)| match part {
        Part::Hold(index) if reason.code == ReasonCode::ConditionalCheckFailed => Some(*index),
        _ => None,
    }) {
        return BookingWriteError::AlreadyBooked { index };
    }
    if failed(Part::NewPlace).is_some() {
        return BookingWriteError::SlotFull;
    }
    if failed(Part::Changes).is_some() {
        return BookingWriteError::TooManyChanges;
    }
    if failed(Part::Booking).is_some() || failed(Part::OldPlace).is_some() {
        let changes_a_booking = reasons
            .iter()
            .any(|(part, _)| matches!(part, Part::OldPlace | Part::Release));
        return if changes_a_booking {
            BookingWriteError::Changed
        } else {
            BookingWriteError::IdTaken
        };
    }
    let codes: Vec<String> = reasons
        .iter()
        .map(|(_, r)| format!("{:?}", r.code))
        .collect();
    BookingWriteError::Failed(anyhow!("booking transaction cancelled: {codes:?}"))
}

/// What a change does, for its trace.
fn change_kind(change: &BookingChange<'_>) -> &'static str {
    match change {
        BookingChange::Cancel { .. } => "cancel",
        BookingChange::Move { .. } => "move",
        BookingChange::End { .. } => "end",
    }
}

/// The booking a change is of, for its trace.
fn changed_booking<'a>(change: &BookingChange<'a>) -> &'a BookingId {
    match change {
        BookingChange::Cancel { previous, .. }
        | BookingChange::Move { previous, .. }
        | BookingChange::End { previous, .. } => &previous.id,
    }
}

impl<B: Backend> BookingStore for DynamoStore<B> {
    #[tracing::instrument(
        level = "debug",
        skip_all,
        fields(place = ?place, from = %from, to = %to, counts = ?counts)
    )]
    async fn slot_counts(
        &self,
        place: &Place<'_>,
        from: NaiveDate,
        to: NaiveDate,
        counts: Counts,
    ) -> anyhow::Result<SlotCounts> {
        // The days the section opens, each a partition, read at once.
        let days: Vec<NaiveDate> = from
            .iter_days()
            .take_while(|date| *date <= to)
            .filter(|date| {
                !place.office.closed_on(*date) && !place.section.slot_times(*date).is_empty()
            })
            .collect();
        let read = days
            .iter()
            .map(|date| self.section_day(place, *date, counts));
        let mut found = SlotCounts::default();
        for (date, day) in days.iter().zip(join_all(read).await) {
            let day = day.context("the slot counts")?;
            if day.closed {
                found.closed.insert(*date);
            }
            if let Some(release) = day.drawn {
                found.drawn.insert(*date, release);
            }
            if day.in_demand {
                found.in_demand.insert(*date);
            }
            for (time, taken) in day.taken {
                found.taken.insert((*date, time), taken);
            }
        }
        Ok(found)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn idempotent_booking(
        &self,
        claim: &IdempotencyClaim,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<(BookingId, String)>> {
        let Some(item) = self
            .get(keys::idempotency(&claim.account, &claim.key))
            .await?
        else {
            return Ok(None);
        };
        let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
        let expired = item
            .get(PURGE_AT)
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse::<i64>().ok())
            .is_some_and(|purge_at| purge_at < now.timestamp());
        Ok(
            match (
                text("booking_id").and_then(|id| BookingId::parse(&id)),
                text("fingerprint"),
            ) {
                (Some(booking), Some(fingerprint)) if !expired => Some((booking, fingerprint)),
                _ => None,
            },
        )
    }

    #[tracing::instrument(
        level = "debug",
        skip_all,
        fields(booking = %booking.id, date = %booking.date)
    )]
    async fn create_booking(
        &self,
        booking: &Booking,
        capacity: u32,
        idempotency: Option<&IdempotencyClaim>,
        daily_changes: Option<&DailyChanges>,
    ) -> Result<(), BookingWriteError> {
        if capacity == 0 {
            return Err(BookingWriteError::SlotFull);
        }
        // A release by draw's own booking takes its place through the release's mark.
        let through = booking.release.as_deref();
        let mut transaction =
            Transaction::new().with(Part::NewPlace, self.take_place(booking, capacity, through));
        for (person, hold) in booking.holds_by_person() {
            let mut item = keys::hold(&hold);
            item.insert(BOOKING_ID.into(), string(booking.id.as_str()));
            transaction.push(
                Part::Hold(person),
                Write::put(item, Some(Condition::Absent)),
            );
        }
        if let Some(claim) = idempotency {
            let mut item = keys::idempotency(&claim.account, &claim.key);
            item.insert(BOOKING_ID.into(), string(booking.id.as_str()));
            item.insert("fingerprint".into(), string(&claim.fingerprint));
            item.insert(PURGE_AT.into(), number(claim.expires_at.timestamp()));
            // An expired claim (not yet removed by TTL) may be taken again.
            transaction.push(
                Part::Idempotency,
                Write::put(
                    item,
                    Some(Condition::absent_or_expired(booking.created_at.timestamp())),
                ),
            );
        }
        if let Some(changes) = daily_changes {
            transaction.extend(self.count_change(changes));
        }
        transaction.push(Part::Booking, self.put_booking(booking)?);
        transaction.push(Part::Notice, put_notice(&Notice::of_new(booking)));
        // Contention is not retried here: the caller moves on to another slot at once.
        let written = self.transact_retrying(transaction, 0).await;
        self.learn(&written);
        if written.is_ok() {
            self.slot_cache
                .count(&keys::slot_of(booking), booking.pool, 1);
        }
        written.map_err(|error| booking_error(error, through))
    }

    #[tracing::instrument(
        level = "debug",
        skip_all,
        fields(change = change_kind(&change), booking = %changed_booking(&change))
    )]
    async fn change_booking(&self, change: BookingChange<'_>) -> Result<(), BookingWriteError> {
        let notice = change.notice();
        // The places this change takes (1) and frees (-1), for the slot counts' picture.
        let (mut transaction, daily_changes, places) = match change {
            BookingChange::Cancel {
                previous,
                cancelled,
                daily_changes,
                ..
            } => {
                let mut transaction = Transaction::new()
                    .with(Part::Booking, self.put_booking(cancelled)?)
                    .with(Part::OldPlace, self.free_place(previous));
                transaction.extend(self.release_holds(previous));
                (transaction, daily_changes, vec![(previous, -1)])
            }
            BookingChange::Move {
                previous,
                moved,
                capacity,
                daily_changes,
            } => {
                if capacity == 0 {
                    return Err(BookingWriteError::SlotFull);
                }
                let transaction = Transaction::new()
                    .with(Part::NewPlace, self.take_place(moved, capacity, None))
                    .with(Part::OldPlace, self.free_place(previous))
                    .with(Part::Booking, self.put_booking(moved)?);
                (transaction, daily_changes, vec![(moved, 1), (previous, -1)])
            }
            BookingChange::End { previous, ended } => {
                // The place stays counted: the appointment was held (or missed).
                let mut transaction =
                    Transaction::new().with(Part::Booking, self.put_booking(ended)?);
                transaction.extend(self.release_holds(previous));
                (transaction, None, Vec::new())
            }
        };
        if let Some(changes) = &daily_changes {
            transaction.extend(self.count_change(changes));
        }
        if let Some(notice) = &notice {
            transaction.push(Part::Notice, put_notice(notice));
        }
        let written = self.transact(transaction).await;
        self.learn(&written);
        if written.is_ok() {
            for (booking, by) in places {
                self.slot_cache
                    .count(&keys::slot_of(booking), booking.pool, by);
            }
        }
        written.map_err(|error| booking_error(error, None))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(booking = %id))]
    async fn booking(&self, id: &BookingId) -> anyhow::Result<Option<Booking>> {
        Ok(match self.booking_record(id).await? {
            Some(BookingRecord::Live(booking)) => Some(*booking),
            _ => None,
        })
    }

    #[tracing::instrument(level = "debug", skip_all, fields(bookings = ids.len()))]
    async fn bookings(&self, ids: &[BookingId]) -> anyhow::Result<Vec<Booking>> {
        let mut bookings = Vec::with_capacity(ids.len());
        // BatchGetItem takes at most 100 keys.
        for chunk in ids.chunks(100) {
            let items = self
                .get_many(chunk.iter().map(keys::booking).collect())
                .await?;
            for item in items.into_iter().filter(|item| !item.contains_key(ERASED)) {
                bookings.push(from_item(item)?);
            }
        }
        Ok(bookings)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(booking = %id))]
    async fn booking_record(&self, id: &BookingId) -> anyhow::Result<Option<BookingRecord>> {
        let Some(item) = self.get(keys::booking(id)).await? else {
            return Ok(None);
        };
        Ok(Some(if item.contains_key(ERASED) {
            BookingRecord::Erased(from_item(item)?)
        } else {
            BookingRecord::Live(Box::new(from_item(item)?))
        }))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn bookings_by(
        &self,
        account: Uuid,
        filter: &BookingFilter,
        from: Option<&Cursor>,
    ) -> anyhow::Result<Page<Booking>> {
        let mut conditions = Vec::new();
        if let Some(date) = filter.date {
            conditions.push(Condition::eq("date", string(date.to_string())));
        }
        for word in &filter.name_words {
            conditions.push(Condition::Contains(
                SEARCH.into(),
                string(format!(" {word} ")),
            ));
        }
        let query = IndexQuery {
            index: keys::BY_OWNER,
            partition_key: "gsi1pk",
            sort_key: "gsi1sk",
            partition: keys::booker_partition(&account),
            sort_prefix: None,
            reverse: true,
            filter: (!conditions.is_empty()).then_some(Condition::And(conditions)),
        };
        self.index_page(&query, from).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(booking = %booking.id))]
    async fn erase_booking(
        &self,
        booking: &Booking,
        erased: &ErasedBooking,
    ) -> Result<(), BookingWriteError> {
        // Replaces the whole item: nothing of the person stays; only the agenda index (for the
        // office's statistics of a day) keeps it.
        let mut item =
            to_item(erased, keys::booking(&erased.id)).map_err(BookingWriteError::Failed)?;
        item.extend(keys::erased_booking_index_keys(erased));
        item.insert(ERASED.into(), AttributeValue::Bool(true));
        let put = Write::put(item, Some(Condition::eq(VERSION, number(booking.version))));
        match self
            .transact(Transaction::new().with(Part::Booking, put))
            .await
        {
            Ok(()) => Ok(()),
            Err(TransactError::Cancelled(_)) => Err(BookingWriteError::Changed),
            Err(TransactError::Busy) => Err(BookingWriteError::Busy),
            Err(TransactError::Failed(error)) => Err(BookingWriteError::Failed(error)),
        }
    }

    #[tracing::instrument(
        level = "debug",
        skip_all,
        fields(office = %office, date = %date, site = ?site)
    )]
    async fn agenda(
        &self,
        office: &str,
        date: NaiveDate,
        site: Option<&str>,
        from: Option<&Cursor>,
    ) -> anyhow::Result<Page<Booking>> {
        let query = IndexQuery {
            index: keys::BY_DAY,
            partition_key: "gsi2pk",
            sort_key: "gsi2sk",
            partition: keys::agenda_partition(office, date),
            sort_prefix: site.map(|site| format!("{site}#")),
            reverse: false,
            filter: Some(Condition::Lacks(ERASED.into())),
        };
        self.index_page(&query, from).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(booking_id = %booking.id))]
    async fn mark_reminded(&self, booking: &Booking) -> anyhow::Result<bool> {
        // The date reminded of: a booking moved to another day (written anew, without it) is
        // reminded again.
        let date = string(booking.date.to_string());
        let not_yet = Condition::Or(vec![
            Condition::Lacks(REMINDED_FOR.into()),
            Condition::Lt(REMINDED_FOR.into(), date.clone()),
            Condition::Gt(REMINDED_FOR.into(), date.clone()),
        ]);
        let write = Write::update(
            keys::booking(&booking.id),
            vec![Change::set(REMINDED_FOR, date)],
            Some(Condition::And(vec![
                Condition::eq(VERSION, number(booking.version)),
                not_yet,
            ])),
        );
        self.write(write, "UpdateItem reminder").await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(booking_id = %booking.id))]
    async fn unmark_reminded(&self, booking: &Booking) -> anyhow::Result<()> {
        let write = Write::update(
            keys::booking(&booking.id),
            vec![Change::Remove(REMINDED_FOR.into())],
            Some(Condition::eq(
                REMINDED_FOR,
                string(booking.date.to_string()),
            )),
        );
        self.write(write, "UpdateItem reminder taken back")
            .await
            .map(|_| ())
    }

    async fn save_receipt(&self, booking: &Booking, receipt: &Receipt) -> anyhow::Result<bool> {
        let value = serde_dynamo::to_attribute_value(receipt).context("serialising a receipt")?;
        let write = Write::update(
            keys::booking(&booking.id),
            vec![Change::set("receipt", value)],
            Some(Condition::eq(VERSION, number(booking.version))),
        );
        self.write(write, "UpdateItem receipt").await
    }
}
