//! Free places (CAT-3, CAT-4) and the choice of a slot (BK-3), from the calendar and the counts
//! the store holds. Pure: the store reads the counts in one query per site and section.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};

use crate::bookings::{Access, Pool, pools};
use crate::catalogue::Place;
use crate::catalogue::calendar::slot_instant;
use crate::error::Problem;
use crate::time::today_in_rome;

/// Places taken in one slot, per pool.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Taken {
    pub general: u32,
    pub reserved: u32,
}

/// What the store holds for one section over a range of dates: the places taken per slot and
/// the extraordinary closures.
#[derive(Debug, Default, Clone)]
pub struct SlotCounts {
    pub taken: HashMap<(NaiveDate, NaiveTime), Taken>,
    pub closed: BTreeSet<NaiveDate>,
    /// Days whose places a release by draw holds (the release's id): only its draw and its
    /// waiting list give them out, never first come, first served.
    pub drawn: BTreeMap<NaiveDate, String>,
    /// Days on which others were taking places a moment ago (a click day): a booking spreads
    /// over more slots from its first try instead of all starting on the first free ones.
    pub in_demand: BTreeSet<NaiveDate>,
}

/// A slot with room left, and in which pools.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeSlot {
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub starts_at: DateTime<Utc>,
    pub general_left: u32,
    pub reserved_left: u32,
    /// Reserved places still free close to the day are opened to everyone.
    pub reserved_released: bool,
}

impl FreeSlot {
    /// The pools `access` may take places from, in the order to try them.
    pub fn pools(&self, access: Access) -> Vec<Pool> {
        pools(access, self.reserved_released)
            .into_iter()
            .filter(|pool| match pool {
                Pool::General => self.general_left > 0,
                Pool::Reserved => self.reserved_left > 0,
            })
            .collect()
    }

    pub fn remaining(&self, access: Access) -> u32 {
        self.pools(access)
            .iter()
            .map(|pool| match pool {
                Pool::General => self.general_left,
                Pool::Reserved => self.reserved_left,
            })
            .sum()
    }
}

impl Place<'_> {
    /// The places of `pool` in one slot.
    pub fn capacity(&self, pool: Pool) -> u32 {
        match pool {
            Pool::General => self.section.general_places(),
            Pool::Reserved => self.section.reserved,
        }
    }

    /// The pools `access` may try in a slot of `date`, preferred first, leaving out those the
    /// section has no places in.
    pub fn pools_for(&self, access: Access, date: NaiveDate, now: DateTime<Utc>) -> Vec<Pool> {
        pools(access, self.reserved_released(date, now))
            .into_iter()
            .filter(|pool| self.capacity(*pool) > 0)
            .collect()
    }

    /// Whether the reserved places of `date`'s slots are open to everyone by `now`.
    pub fn reserved_released(&self, date: NaiveDate, now: DateTime<Utc>) -> bool {
        (date - today_in_rome(now)).num_days() <= i64::from(self.section.reserved_release_days)
    }

    /// Whether the office opens this section on `date` to first come, first served (holidays,
    /// patron day, weekly hours, extraordinary closures, a release by draw).
    pub fn open_on(&self, date: NaiveDate, counts: &SlotCounts) -> bool {
        !self.office.closed_on(date)
            && !counts.closed.contains(&date)
            && !counts.drawn.contains_key(&date)
            && !self.section.slot_times(date).is_empty()
    }

    /// The slots with room for `access` from `from` for `days` days, in time order; slots that
    /// have started are past.
    pub fn free_slots(
        &self,
        counts: &SlotCounts,
        from: NaiveDate,
        days: u32,
        now: DateTime<Utc>,
        access: Access,
    ) -> Vec<FreeSlot> {
        let mut free = Vec::new();
        for offset in 0..i64::from(days) {
            let date = from + Duration::days(offset);
            if !self.open_on(date, counts) {
                continue;
            }
            let released = self.reserved_released(date, now);
            for time in self.section.slot_times(date) {
                let Some(starts_at) = slot_instant(date, time).filter(|start| *start > now) else {
                    continue;
                };
                let taken = counts.taken.get(&(date, time)).copied().unwrap_or_default();
                let slot = FreeSlot {
                    date,
                    time,
                    starts_at,
                    general_left: self.capacity(Pool::General).saturating_sub(taken.general),
                    reserved_left: self.capacity(Pool::Reserved).saturating_sub(taken.reserved),
                    reserved_released: released,
                };
                if slot.remaining(access) > 0 {
                    free.push(slot);
                }
            }
        }
        free
    }

    /// Checks a slot asked for by date and time; the error names the field at fault.
    pub fn check_slot(
        &self,
        date: NaiveDate,
        time: Option<NaiveTime>,
        now: DateTime<Utc>,
        horizon_days: u32,
    ) -> Result<Option<DateTime<Utc>>, (&'static str, Problem)> {
        let today = today_in_rome(now);
        if date < today {
            return Err(("date", Problem::InPast));
        }
        if date > today + Duration::days(i64::from(horizon_days)) {
            return Err(("date", Problem::TooFar { days: horizon_days }));
        }
        if !self.open_on(date, &SlotCounts::default()) {
            return Err(("date", Problem::Closed));
        }
        let Some(time) = time else { return Ok(None) };
        if !self.section.slot_times(date).contains(&time) {
            return Err(("time", Problem::NotASlot));
        }
        match slot_instant(date, time) {
            None => Err(("time", Problem::NotASlot)),
            Some(start) if start <= now => Err(("time", Problem::InPast)),
            Some(start) => Ok(Some(start)),
        }
    }
}

/// Which of the free slots (in time order) to try first. Under a burst every request would aim
/// at the same earliest slot, and a slot item takes one transaction at a time: the others are
/// cancelled. Instead each request picks among the first `spread` slots with room, weighted by
/// their places left, so concurrent requests land on different items and the earliest slots
/// still fill first. Within the earliest day with room, unless `across_days` (a request whose
/// tries others' transactions cancelled: a burst is on, and spreading wins over the day).
/// Returns an index into `free`.
pub fn pick(
    free: &[FreeSlot],
    access: Access,
    spread: u32,
    across_days: bool,
    random: impl FnOnce(u32) -> u32,
) -> Option<usize> {
    let first_day = free.iter().find(|slot| slot.remaining(access) > 0)?.date;
    let window: Vec<(usize, u32)> = free
        .iter()
        .enumerate()
        .filter(|(_, slot)| across_days || slot.date == first_day)
        .map(|(index, slot)| (index, slot.remaining(access)))
        .filter(|(_, remaining)| *remaining > 0)
        .take(spread.max(1) as usize)
        .collect();
    let places: u32 = window.iter().map(|(_, remaining)| remaining).sum();
    if places == 0 {
        return None;
    }
    let mut place = random(places);
    for (index, remaining) in window {
        if place < remaining {
            return Some(index);
        }
        place -= remaining;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;

    fn catalogue() -> Catalogue {
        Catalogue::from_files(
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/catalogue/services.json"
            )),
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/catalogue/offices.json"
            )),
        )
        .unwrap()
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn hm(text: &str) -> NaiveTime {
        NaiveTime::parse_from_str(text, "%H:%M").unwrap()
    }

    #[test]
    fn free_slots_skip_closed_days_started_slots_and_full_pools() {
        let catalogue = catalogue();
        let (_, place) = catalogue
            .place("cure-mediche", "alessandria", None)
            .unwrap();
        // Friday 10:05 in Alessandria: the 08:30 … 09:50 slots have started.
        let now = at("2027-01-08T09:05:00Z");
        let mut counts = SlotCounts::default();
        counts.taken.insert(
            (date("2027-01-08"), hm("10:10")),
            Taken {
                general: 4,
                reserved: 0,
            },
        );
        counts.closed.insert(date("2027-01-11"));
        let free = place.free_slots(&counts, date("2027-01-08"), 5, now, Access::Public);
        assert_eq!(free[0].time, hm("10:30"), "10:10 is full");
        assert!(
            free.iter()
                .all(|slot| slot.date != date("2027-01-09") && slot.date != date("2027-01-10")),
            "weekend"
        );
        assert!(
            free.iter().all(|slot| slot.date != date("2027-01-11")),
            "closure"
        );
        assert_eq!(free.last().unwrap().date, date("2027-01-12"));
        assert!(
            free.iter()
                .all(|slot| slot.remaining(Access::Public) == 4 || slot.date == date("2027-01-08"))
        );
    }

    #[test]
    fn reserved_places_go_to_vulnerable_persons_until_released() {
        let catalogue = catalogue();
        let (_, place) = catalogue
            .place("procedure-presentazione", "milano", Some("cagni"))
            .unwrap();
        assert_eq!(
            (
                place.capacity(Pool::General),
                place.capacity(Pool::Reserved)
            ),
            (4, 2)
        );
        let now = at("2027-01-04T07:00:00Z"); // Monday morning
        let counts = SlotCounts::default();
        let far = place.free_slots(&counts, date("2027-01-08"), 1, now, Access::Public);
        assert_eq!(far[0].remaining(Access::Public), 4);
        assert_eq!(far[0].remaining(Access::Vulnerable), 6);
        assert_eq!(
            far[0].pools(Access::Vulnerable),
            [Pool::Reserved, Pool::General]
        );
        // Within two days the reserved places still free are anyone's (the 6th is Epiphany).
        let near = place.free_slots(&counts, date("2027-01-05"), 1, now, Access::Public);
        assert_eq!(near[0].remaining(Access::Public), 6);
        assert_eq!(
            near[0].pools(Access::Public),
            [Pool::General, Pool::Reserved]
        );
    }

    #[test]
    fn explicit_slots_are_checked_field_by_field() {
        let catalogue = catalogue();
        let (_, place) = catalogue.place("cure-mediche", "milano", None).unwrap();
        let now = at("2027-01-04T09:00:00Z"); // Monday 10:00 in Milan
        assert_eq!(
            place.check_slot(date("2027-01-03"), None, now, 60),
            Err(("date", Problem::InPast))
        );
        assert_eq!(
            place.check_slot(date("2027-03-06"), None, now, 60),
            Err(("date", Problem::TooFar { days: 60 }))
        );
        assert_eq!(
            place.check_slot(date("2027-01-06"), None, now, 60),
            Err(("date", Problem::Closed)),
            "Epiphany"
        );
        assert_eq!(
            place.check_slot(date("2027-01-09"), None, now, 60),
            Err(("date", Problem::Closed)),
            "Saturday"
        );
        assert_eq!(
            place.check_slot(date("2027-01-05"), Some(hm("08:40")), now, 60),
            Err(("time", Problem::NotASlot))
        );
        assert_eq!(
            place.check_slot(date("2027-01-04"), Some(hm("09:45")), now, 60),
            Err(("time", Problem::InPast))
        );
        assert_eq!(
            place.check_slot(date("2027-01-04"), Some(hm("10:15")), now, 60),
            Ok(Some(at("2027-01-04T09:15:00Z")))
        );
    }

    #[test]
    fn picks_spread_over_the_first_free_places() {
        let catalogue = catalogue();
        let (_, place) = catalogue
            .place("cure-mediche", "alessandria", None)
            .unwrap();
        let now = at("2027-01-04T06:00:00Z");
        let free = place.free_slots(
            &SlotCounts::default(),
            date("2027-01-04"),
            3,
            now,
            Access::Public,
        );
        // 4 places a slot: a spread of 5 slots covers the first 20 places, uniformly by place.
        assert_eq!(pick(&free, Access::Public, 5, false, |_| 0), Some(0));
        assert_eq!(pick(&free, Access::Public, 5, false, |_| 3), Some(0));
        assert_eq!(pick(&free, Access::Public, 5, false, |_| 4), Some(1));
        assert_eq!(pick(&free, Access::Public, 5, false, |n| n - 1), Some(4));
        let mut seen = BTreeSet::new();
        for _ in 0..500 {
            seen.insert(
                pick(&free, Access::Public, 5, false, |n| {
                    rand::random_range(0..n)
                })
                .unwrap(),
            );
        }
        assert_eq!(seen, (0..5).collect());
        assert_eq!(pick(&[], Access::Public, 5, false, |_| 0), None);
        // The window stays in the earliest day with room, unless a burst is on.
        let last_of_monday = free
            .iter()
            .rposition(|slot| slot.date == free[0].date)
            .unwrap();
        let tail = &free[last_of_monday..];
        assert_eq!(pick(tail, Access::Public, 5, false, |n| n - 1), Some(0));
        assert_eq!(pick(tail, Access::Public, 5, true, |n| n - 1), Some(4));
        assert_ne!(tail[4].date, tail[0].date);
    }
}
