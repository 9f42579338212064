//! The catalogue, slot counts, closures and bookings. Capacity and uniqueness are conditions of
//! the one transaction that makes each change: nothing is read and then written back.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use prenota_domain::bookings::{Booking, BookingId, BookingRecord, ErasedBooking, Pool};
use prenota_domain::bookings::{DailyChanges, Receipt};
use prenota_domain::bookings::{SlotCounts, Taken};
use prenota_domain::catalogue::{Catalogue, Place, Site};
use prenota_domain::paging::{Cursor, Page};
use prenota_domain::ports::Counts;
use prenota_domain::ports::{
    BookingChange, BookingFilter, BookingStore, BookingWriteError, IdempotencyClaim,
};
use uuid::Uuid;

use super::keys::{self, Item, PURGE_AT};
use super::ops::{Backend, Change, Condition, ReasonCode, Write};
use super::{DynamoStore, IndexQuery, TransactError, from_item, number, string, to_item};
use futures_util::future::join_all;

/// How long a function keeps the catalogue before reading it again.
const CATALOGUE_TTL: Duration = Duration::from_secs(60);

/// The catalogue as last read, and when: it changes rarely, and a burst of bookings should not
/// read it once each. Shared by the clones of a store.
#[derive(Clone, Default)]
pub struct CatalogueCache(Arc<Mutex<Option<Loaded>>>);

/// A catalogue and when it was read.
type Loaded = (Instant, Arc<Catalogue>);

impl CatalogueCache {
    fn fresh(&self) -> Option<Arc<Catalogue>> {
        let cached = self.0.lock().expect("not poisoned");
        cached
            .as_ref()
            .filter(|(loaded, _)| loaded.elapsed() < CATALOGUE_TTL)
            .map(|(_, catalogue)| catalogue.clone())
    }

    fn keep(&self, catalogue: Option<Arc<Catalogue>>) {
        *self.0.lock().expect("not poisoned") =
            catalogue.map(|catalogue| (Instant::now(), catalogue));
    }
}

/// How long a function trusts the slot counts it read: a click day's requests share one
/// picture per quarter of a second and per section day instead of each querying the horizon,
/// and the function's own writes (and the slots they found full) keep the picture current
/// meanwhile. The picture only guides the choice of a slot: the booking's conditions decide.
const SLOT_COUNTS_TTL: Duration = Duration::from_millis(250);

/// A sold-out day is trusted longer: only a cancellation or a move frees a place in it (after a click day, the
/// crowd still asking would otherwise read every day of the horizon four times a second). A
/// place freed in it is found within this time.
const SOLD_OUT_TTL: Duration = Duration::from_secs(2);

/// A section day is in demand when others took `IN_DEMAND_PLACES` places or more in it between
/// two of this function's reads at most `IN_DEMAND_WITHIN` apart: a click day, not an ordinary
/// busy morning (whose reads come seconds apart, and a place at a time).
const IN_DEMAND_WITHIN: Duration = Duration::from_secs(1);
const IN_DEMAND_PLACES: u64 = 2;

/// The slot counts of section days as last read (by partition), shared by the clones of a store.
#[derive(Clone, Default)]
pub struct SlotCountsCache {
    days: Arc<Mutex<HashMap<String, CachedDay>>>,
    /// One read at a time per section day: the requests of a burst that find the picture
    /// stale wait for one read instead of each making their own.
    gates: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

/// One section day's slots: places taken per slot, and whether the office closed the day.
#[derive(Clone)]
struct CachedDay {
    /// When it was read (tokio's clock, so that the simulation's virtual time applies).
    read_at: tokio::time::Instant,
    closed: bool,
    taken: HashMap<NaiveTime, Taken>,
    /// Others took places in it a moment ago (see `IN_DEMAND_WITHIN`).
    in_demand: bool,
    /// Every place of every slot taken, reserved ones too, when read (`SOLD_OUT_TTL`).
    sold_out: bool,
}

impl CachedDay {
    fn fresh(&self) -> bool {
        let trusted_for = if self.sold_out {
            SOLD_OUT_TTL
        } else {
            SLOT_COUNTS_TTL
        };
        self.read_at.elapsed() < trusted_for
    }

    fn places_taken(&self) -> u64 {
        self.taken
            .values()
            .map(|taken| u64::from(taken.general) + u64::from(taken.reserved))
            .sum()
    }
}

impl SlotCountsCache {
    fn recent(&self, partition: &str) -> Option<CachedDay> {
        let days = self.days.lock().expect("not poisoned");
        days.get(partition).filter(|day| day.fresh()).cloned()
    }

    /// The picture if it was read at or after `since`.
    fn read_since(&self, partition: &str, since: tokio::time::Instant) -> Option<CachedDay> {
        let days = self.days.lock().expect("not poisoned");
        days.get(partition)
            .filter(|day| day.read_at >= since)
            .cloned()
    }

    /// When the picture was last read, however long ago, and the places it counts.
    fn last_read(&self, partition: &str) -> Option<(tokio::time::Instant, u64)> {
        let days = self.days.lock().expect("not poisoned");
        days.get(partition)
            .map(|day| (day.read_at, day.places_taken()))
    }

    fn gate(&self, partition: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut gates = self.gates.lock().expect("not poisoned");
        gates.entry(partition.to_owned()).or_default().clone()
    }

    fn keep(&self, partition: String, day: CachedDay) {
        self.days
            .lock()
            .expect("not poisoned")
            .insert(partition, day);
    }

    /// A place of `pool` taken (`by` 1) or freed (-1) by this function.
    fn count(&self, slot: &Item, pool: Pool, by: i32) {
        let Some((partition, time)) = slot_address(slot) else {
            return;
        };
        if let Some(day) = self.days.lock().expect("not poisoned").get_mut(&partition) {
            let taken = day.taken.entry(time).or_default();
            let count = match pool {
                Pool::General => &mut taken.general,
                Pool::Reserved => &mut taken.reserved,
            };
            *count = count.saturating_add_signed(by);
            day.sold_out &= by > 0;
        }
    }

    /// A slot item as a refused condition returned it: the latest word on that slot.
    fn saw(&self, item: &Item) {
        let Some((partition, time)) = slot_address(item) else {
            return;
        };
        if let Some(day) = self.days.lock().expect("not poisoned").get_mut(&partition) {
            let (taken, closed) = read_slot(item);
            day.taken.insert(time, taken);
            day.closed |= closed;
        }
    }

    fn forget(&self, partition: &str) {
        self.days.lock().expect("not poisoned").remove(partition);
    }
}

/// A slot item's partition and time.
fn slot_address(item: &Item) -> Option<(String, NaiveTime)> {
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok());
    let time = NaiveTime::parse_from_str(text(keys::SK)?, "%H:%M").ok()?;
    Some((text(keys::PK)?.clone(), time))
}

/// A slot item's places taken, and whether the office closed its day.
fn read_slot(item: &Item) -> (Taken, bool) {
    let count = |name: &str| {
        item.get(name)
            .and_then(|v: &AttributeValue| v.as_n().ok())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    let taken = Taken {
        general: count(pool_attribute(Pool::General)),
        reserved: count(pool_attribute(Pool::Reserved)),
    };
    (taken, item.contains_key(CLOSED))
}

/// The attribute of an erased booking's statistics record (PD-1, PD-2).
const ERASED: &str = "erased";
const VERSION: &str = "version";
const BOOKING_ID: &str = "booking_id";
const COUNT: &str = "count";
const STATE: &str = "state";
/// A booking's names, transliterated, for an organisation's search.
const SEARCH: &str = "search";
/// On a slot item: the office closed its day, for this reason.
const CLOSED: &str = "closed";

/// The attribute counting a pool's places in a slot item.
fn pool_attribute(pool: Pool) -> &'static str {
    match pool {
        Pool::General => "general",
        Pool::Reserved => "reserved",
    }
}

impl<B: Backend> DynamoStore<B> {
    /// Stores a new catalogue (the seed step); functions pick it up within a minute.
    pub async fn put_catalogue(&self, catalogue: &Catalogue) -> anyhow::Result<()> {
        let mut item = keys::catalogue();
        item.insert("version".into(), string(&catalogue.version));
        item.insert("document".into(), string(serde_json::to_string(catalogue)?));
        self.write(Write::put(item, None), "PutItem catalogue")
            .await?;
        self.catalogue_cache.keep(None);
        Ok(())
    }

    /// What a refused transaction returned of the slots it wanted: their latest counts.
    fn learn(&self, written: &Result<(), TransactError>, parts: &[Part]) {
        if let Err(TransactError::Cancelled(reasons)) = written {
            for (_, reason) in parts.iter().zip(reasons).filter(|(part, reason)| {
                **part == Part::NewPlace && reason.code == ReasonCode::ConditionalCheckFailed
            }) {
                if let Some(slot) = &reason.item {
                    self.slot_cache.saw(slot);
                }
            }
        }
    }

    /// One section day's slots: the recent picture when it may do, else read now (and kept).
    async fn section_day(
        &self,
        place: &Place<'_>,
        date: NaiveDate,
        counts: Counts,
    ) -> anyhow::Result<CachedDay> {
        let partition =
            keys::slots_partition(&place.office.id, &place.site.id, &place.section.id, date);
        let asked = tokio::time::Instant::now();
        let usable = || match counts {
            Counts::Recent => self.slot_cache.recent(&partition),
            Counts::Current => self.slot_cache.read_since(&partition, asked),
        };
        if let Some(day) = usable() {
            return Ok(day);
        }
        let gate = self.slot_cache.gate(&partition);
        let _turn = gate.lock().await;
        // Another request may have read it while this one waited.
        if let Some(day) = usable() {
            return Ok(day);
        }
        let mut day = CachedDay {
            read_at: tokio::time::Instant::now(),
            closed: false,
            taken: HashMap::new(),
            in_demand: false,
            sold_out: false,
        };
        // Every time sorts between "0" and "~" (DynamoDB refuses an empty bound).
        for item in self
            .partition(partition.clone(), "0".into(), "~".into())
            .await?
        {
            let Some((_, time)) = slot_address(&item) else {
                continue;
            };
            let (taken, closed) = read_slot(&item);
            day.taken.insert(time, taken);
            day.closed |= closed;
        }
        if let Some((read_before, taken_before)) = self.slot_cache.last_read(&partition) {
            // The last picture counted this function's own places too: more now means others'.
            day.in_demand = day.read_at.duration_since(read_before) <= IN_DEMAND_WITHIN
                && day.places_taken() >= taken_before + IN_DEMAND_PLACES;
        }
        let times = place.section.slot_times(date);
        day.sold_out = !times.is_empty()
            && times.iter().all(|time| {
                day.taken.get(time).is_some_and(|taken| {
                    taken.general >= place.capacity(Pool::General)
                        && taken.reserved >= place.capacity(Pool::Reserved)
                })
            });
        self.slot_cache.keep(partition, day.clone());
        Ok(day)
    }

    /// Takes a place in a booking's slot, within `capacity`, unless the office closed the day.
    fn take_place(&self, booking: &Booking, capacity: u32) -> Write {
        let pool = pool_attribute(booking.pool);
        Write::update(
            keys::slot_of(booking),
            vec![Change::add(pool, 1)],
            Some(Condition::And(vec![
                Condition::below(pool, i64::from(capacity)),
                Condition::Lacks(CLOSED.into()),
            ])),
        )
    }

    fn free_place(&self, booking: &Booking) -> Write {
        let pool = pool_attribute(booking.pool);
        Write::update(
            keys::slot_of(booking),
            vec![Change::add(pool, -1)],
            Some(Condition::gt(pool, number(0))),
        )
    }

    /// One more change on the person, under each of their identity keys: within the limit, or
    /// (a cancellation, which only ever frees a place) counted whatever the count.
    fn count_change(&self, changes: &DailyChanges) -> Vec<Write> {
        changes
            .ids
            .iter()
            .map(|id| {
                Write::update(
                    keys::daily_changes(id),
                    vec![
                        Change::add(COUNT, 1),
                        Change::set(PURGE_AT, number(changes.expires_at.timestamp())),
                    ],
                    changes
                        .enforced
                        .then(|| Condition::below(COUNT, i64::from(changes.limit))),
                )
            })
            .collect()
    }

    /// The deletes of a booking's holds, as it claimed them (only while they are this
    /// booking's; one already gone is no obstacle).
    fn release_holds(&self, booking: &Booking) -> Vec<Write> {
        let mine = Condition::Or(vec![
            Condition::Absent,
            Condition::eq(BOOKING_ID, string(booking.id.as_str())),
        ]);
        booking
            .claimed_holds()
            .iter()
            .map(|hold| Write::delete(keys::hold(hold), Some(mine.clone())))
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
}

/// The outcome of a cancelled booking transaction, the most telling reason first: a replayed
/// request is a success, a closed day explains a full slot, and so on.
fn booking_error(error: TransactError, parts: &[Part]) -> BookingWriteError {
    let reasons = match error {
        TransactError::Cancelled(reasons) => reasons,
        TransactError::Busy => return BookingWriteError::Busy,
        TransactError::Failed(error) => return BookingWriteError::Failed(error),
    };
    let failed = |part: Part| {
        parts
            .iter()
            .zip(&reasons)
            .find(|(p, reason)| **p == part && reason.code == ReasonCode::ConditionalCheckFailed)
    };
    if let Some((_, reason)) = failed(Part::Idempotency) {
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
    if let Some((_, reason)) = failed(Part::NewPlace)
        && reason
            .item
            .as_ref()
            .is_some_and(|slot| slot.contains_key(CLOSED))
    {
        return BookingWriteError::Closed;
    }
    if let Some(index) = parts
        .iter()
        .zip(&reasons)
        .find_map(|(part, reason)| match part {
            Part::Hold(index) if reason.code == ReasonCode::ConditionalCheckFailed => Some(*index),
            _ => None,
        })
    {
        return BookingWriteError::AlreadyBooked { index };
    }
    if failed(Part::NewPlace).is_some() {
        return BookingWriteError::SlotFull;
    }
    if failed(Part::Changes).is_some() {
        return BookingWriteError::TooManyChanges;
    }
    if failed(Part::Booking).is_some() || failed(Part::OldPlace).is_some() {
        return if parts.contains(&Part::OldPlace) || parts.contains(&Part::Release) {
            BookingWriteError::Changed
        } else {
            BookingWriteError::IdTaken
        };
    }
    let codes: Vec<String> = reasons.iter().map(|r| format!("{:?}", r.code)).collect();
    BookingWriteError::Failed(anyhow!("booking transaction cancelled: {codes:?}"))
}

impl<B: Backend> BookingStore for DynamoStore<B> {
    async fn catalogue(&self) -> anyhow::Result<Arc<Catalogue>> {
        if let Some(catalogue) = self.catalogue_cache.fresh() {
            return Ok(catalogue);
        }
        let item = self
            .get(keys::catalogue())
            .await?
            .context("the catalogue has not been seeded")?;
        let document = item
            .get("document")
            .and_then(|v| v.as_s().ok())
            .context("catalogue document")?;
        let catalogue =
            Arc::new(serde_json::from_str::<Catalogue>(document).context("reading the catalogue")?);
        self.catalogue_cache.keep(Some(catalogue.clone()));
        Ok(catalogue)
    }

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
            if day.in_demand {
                found.in_demand.insert(*date);
            }
            for (time, taken) in day.taken {
                found.taken.insert((*date, time), taken);
            }
        }
        Ok(found)
    }

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
        let mut parts = vec![Part::NewPlace];
        let mut items = vec![self.take_place(booking, capacity)];
        for (person, hold) in booking.holds_by_person() {
            let mut item = keys::hold(&hold);
            item.insert(BOOKING_ID.into(), string(booking.id.as_str()));
            parts.push(Part::Hold(person));
            items.push(Write::put(item, Some(Condition::Absent)));
        }
        if let Some(claim) = idempotency {
            let mut item = keys::idempotency(&claim.account, &claim.key);
            item.insert(BOOKING_ID.into(), string(booking.id.as_str()));
            item.insert("fingerprint".into(), string(&claim.fingerprint));
            item.insert(PURGE_AT.into(), number(claim.expires_at.timestamp()));
            parts.push(Part::Idempotency);
            // An expired claim (not yet removed by TTL) may be taken again.
            items.push(Write::put(
                item,
                Some(Condition::absent_or_expired(booking.created_at.timestamp())),
            ));
        }
        if let Some(changes) = daily_changes {
            for item in self.count_change(changes) {
                parts.push(Part::Changes);
                items.push(item);
            }
        }
        parts.push(Part::Booking);
        items.push(self.put_booking(booking)?);
        // Contention is not retried here: the caller moves on to another slot at once.
        let written = self.transact_retrying(items, 0).await;
        self.learn(&written, &parts);
        if written.is_ok() {
            self.slot_cache
                .count(&keys::slot_of(booking), booking.pool, 1);
        }
        written.map_err(|error| booking_error(error, &parts))
    }

    async fn change_booking(&self, change: BookingChange<'_>) -> Result<(), BookingWriteError> {
        // The places this change takes (1) and frees (-1), for the slot counts' picture.
        let (mut parts, mut items, daily_changes, places) = match change {
            BookingChange::Cancel {
                previous,
                cancelled,
                daily_changes,
            } => {
                let mut parts = vec![Part::Booking, Part::OldPlace];
                let mut items = vec![self.put_booking(cancelled)?, self.free_place(previous)];
                for release in self.release_holds(previous) {
                    parts.push(Part::Release);
                    items.push(release);
                }
                (parts, items, daily_changes, vec![(previous, -1)])
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
                let parts = vec![Part::NewPlace, Part::OldPlace, Part::Booking];
                let items = vec![
                    self.take_place(moved, capacity),
                    self.free_place(previous),
                    self.put_booking(moved)?,
                ];
                (
                    parts,
                    items,
                    daily_changes,
                    vec![(moved, 1), (previous, -1)],
                )
            }
            BookingChange::End { previous, ended } => {
                // The place stays counted: the appointment was held (or missed).
                let mut parts = vec![Part::Booking];
                let mut items = vec![self.put_booking(ended)?];
                for release in self.release_holds(previous) {
                    parts.push(Part::Release);
                    items.push(release);
                }
                (parts, items, None, Vec::new())
            }
        };
        if let Some(changes) = &daily_changes {
            for item in self.count_change(changes) {
                parts.push(Part::Changes);
                items.push(item);
            }
        }
        let written = self.transact(items).await;
        self.learn(&written, &parts);
        if written.is_ok() {
            for (booking, by) in places {
                self.slot_cache
                    .count(&keys::slot_of(booking), booking.pool, by);
            }
        }
        written.map_err(|error| booking_error(error, &parts))
    }

    async fn booking(&self, id: &BookingId) -> anyhow::Result<Option<Booking>> {
        Ok(match self.booking_record(id).await? {
            Some(BookingRecord::Live(booking)) => Some(*booking),
            _ => None,
        })
    }

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
        match self.transact(vec![put]).await {
            Ok(()) => Ok(()),
            Err(TransactError::Cancelled(_)) => Err(BookingWriteError::Changed),
            Err(TransactError::Busy) => Err(BookingWriteError::Busy),
            Err(TransactError::Failed(error)) => Err(BookingWriteError::Failed(error)),
        }
    }

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

    async fn created_on(
        &self,
        office: &str,
        date: NaiveDate,
        from: Option<&Cursor>,
    ) -> anyhow::Result<Page<Booking>> {
        let query = IndexQuery {
            index: keys::BY_CREATION,
            partition_key: "gsi3pk",
            sort_key: "gsi3sk",
            partition: keys::created_partition(office, date),
            sort_prefix: None,
            reverse: false,
            filter: None,
        };
        self.index_page(&query, from).await
    }

    async fn claim_export(
        &self,
        office: &str,
        date: NaiveDate,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        let mut item = keys::export(office, date);
        item.insert("state".into(), string("sending"));
        item.insert("claimed_at".into(), number(now.timestamp()));
        // Kept a year, as a record of what each office was sent.
        item.insert(
            PURGE_AT.into(),
            number((now + chrono::Duration::days(365)).timestamp()),
        );
        // Free, or claimed by a run that has been silent too long.
        let free = Condition::Or(vec![
            Condition::Absent,
            Condition::And(vec![
                Condition::eq(STATE, string("sending")),
                Condition::lt("claimed_at", number(stale_before.timestamp())),
            ]),
        ]);
        self.write(Write::put(item, Some(free)), "PutItem export claim")
            .await
    }

    async fn finish_export(&self, office: &str, date: NaiveDate, sent: bool) -> anyhow::Result<()> {
        let key = keys::export(office, date);
        let write = if sent {
            Write::update(key, vec![Change::set(STATE, string("sent"))], None)
        } else {
            Write::delete(key, None)
        };
        self.write(write, "finishing an export").await.map(|_| ())
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

    async fn close_site(
        &self,
        office: &str,
        site: &Site,
        date: NaiveDate,
        reason: &str,
    ) -> anyhow::Result<()> {
        // Every slot of the day says so: a booking's condition on its own slot sees it, and no
        // item is one that every booking of the day must touch. Written again, it changes
        // nothing, so a closure that failed half-way is finished by running it again.
        let marks = site.sections.iter().flat_map(|section| {
            section.slot_times(date).into_iter().map(move |time| {
                let slot = keys::slot(office, &site.id, &section.id, date, time);
                Write::update(slot, vec![Change::set(CLOSED, string(reason))], None)
            })
        });
        for written in join_all(marks.map(|mark| self.write(mark, "closing a slot"))).await {
            written.context("closing a site")?;
        }
        for section in &site.sections {
            self.slot_cache
                .forget(&keys::slots_partition(office, &site.id, &section.id, date));
        }
        Ok(())
    }
}
