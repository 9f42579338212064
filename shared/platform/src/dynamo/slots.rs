//! The slot items (places taken per pool, and the mark of a closed day) and each function's
//! recent picture of them, which guides the choice of a slot on a click day.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{NaiveDate, NaiveTime};
use prenota_domain::bookings::Taken;
use prenota_domain::bookings::{Booking, Pool};
use prenota_domain::catalogue::Place;
use prenota_domain::ports::Counts;

use super::keys::{self, Item};
use super::ops::{Backend, Change, Condition, Write};
use super::{DynamoStore, number, string};

/// On a slot item: the office closed its day, for this reason.
pub(super) const CLOSED: &str = "closed";
/// On a slot item: the release by draw that holds it (its id). Only that release's draw and
/// waiting list take its places; first come, first served and moves see it as closed.
pub(super) const DRAW: &str = "draw";

/// Whether a slot item is shut to a booking that comes through `release` (none: first come,
/// first served, or a move): closed by the office, or held by a release not its own.
pub(super) fn shut_to(slot: &Item, release: Option<&str>) -> bool {
    let held_by = slot
        .get(DRAW)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str);
    slot.contains_key(CLOSED) || held_by != release
}

/// The attribute counting a pool's places in a slot item.
fn pool_attribute(pool: Pool) -> &'static str {
    match pool {
        Pool::General => "general",
        Pool::Reserved => "reserved",
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
pub(super) struct SlotCountsCache {
    days: Arc<Mutex<HashMap<String, CachedDay>>>,
    /// One read at a time per section day: the requests of a burst that find the picture
    /// stale wait for one read instead of each making their own.
    gates: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

/// One section day's slots: places taken per slot, and whether the office closed the day.
#[derive(Clone)]
pub(super) struct CachedDay {
    /// When it was read (tokio's clock, so that the simulation's virtual time applies).
    read_at: tokio::time::Instant,
    pub(super) closed: bool,
    /// The release by draw that holds the day.
    pub(super) drawn: Option<String>,
    pub(super) taken: HashMap<NaiveTime, Taken>,
    /// Others took places in it a moment ago (see `IN_DEMAND_WITHIN`).
    pub(super) in_demand: bool,
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
    pub(super) fn count(&self, slot: &Item, pool: Pool, by: i32) {
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
    pub(super) fn saw(&self, item: &Item) {
        let Some((partition, time)) = slot_address(item) else {
            return;
        };
        if let Some(day) = self.days.lock().expect("not poisoned").get_mut(&partition) {
            let slot = read_slot(item);
            day.taken.insert(time, slot.taken);
            day.closed |= slot.closed;
            if slot.drawn.is_some() {
                day.drawn = slot.drawn;
            }
        }
    }

    pub(super) fn forget(&self, partition: &str) {
        self.days.lock().expect("not poisoned").remove(partition);
    }
}

/// A slot item's partition and time.
fn slot_address(item: &Item) -> Option<(String, NaiveTime)> {
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok());
    let time = NaiveTime::parse_from_str(text(keys::SK)?, "%H:%M").ok()?;
    Some((text(keys::PK)?.clone(), time))
}

/// What a slot item says.
struct SlotItem {
    taken: Taken,
    /// The office closed its day.
    closed: bool,
    /// The release by draw that holds it.
    drawn: Option<String>,
}

fn read_slot(item: &Item) -> SlotItem {
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
    SlotItem {
        taken,
        closed: item.contains_key(CLOSED),
        drawn: item.get(DRAW).and_then(|v| v.as_s().ok()).cloned(),
    }
}

impl<B: Backend> DynamoStore<B> {
    /// One section day's slots: the recent picture when it may do, else read now (and kept).
    pub(super) async fn section_day(
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
            drawn: None,
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
            let slot = read_slot(&item);
            day.taken.insert(time, slot.taken);
            day.closed |= slot.closed;
            if slot.drawn.is_some() {
                day.drawn = slot.drawn;
            }
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

    /// Takes a place in a booking's slot, within `capacity`, unless the office closed the day,
    /// and only through `release` when one holds it (`shut_to`).
    pub(super) fn take_place(
        &self,
        booking: &Booking,
        capacity: u32,
        release: Option<&str>,
    ) -> Write {
        let pool = pool_attribute(booking.pool);
        let held = match release {
            Some(release) => Condition::eq(DRAW, string(release)),
            None => Condition::Lacks(DRAW.into()),
        };
        Write::update(
            keys::slot_of(booking),
            vec![Change::add(pool, 1)],
            Some(Condition::And(vec![
                Condition::below(pool, i64::from(capacity)),
                Condition::Lacks(CLOSED.into()),
                held,
            ])),
        )
    }

    pub(super) fn free_place(&self, booking: &Booking) -> Write {
        let pool = pool_attribute(booking.pool);
        Write::update(
            keys::slot_of(booking),
            vec![Change::add(pool, -1)],
            Some(Condition::gt(pool, number(0))),
        )
    }
}
