//! A release's draw and its waiting list, run by the scheduled pass (`functions/draw-runs`,
//! every minute) and by the entrant who accepts or declines an offered place.
//!
//! - **The draw**, once the window has closed: the order from the seed and the entries'
//!   pseudonyms and weights; the places given in that order (`allocate`); each entry's position
//!   and outcome recorded (the waiting list told, through the outbox); then each place booked
//!   through the release's mark; each person's record of losses updated; the release drawn.
//!   A run holds the release while it works, and one that died is resumed where it stopped: the
//!   allocation is recorded before any booking, and each booking is made once (its idempotency
//!   claim).
//! - **The waiting list**, after the draw and until the release's last day: a place freed in
//!   the release's slots (a cancellation, a move, a winner who already had an appointment) is
//!   offered to the next entries on the list, in the draw's order, for `OFFER_HOURS` (less if
//!   the appointment is sooner). Nobody else can take it: the slot still carries the release's
//!   mark. An offer accepted becomes a booking; declined or let expire, it goes to the next.
//!   Once nobody is left waiting, the release's mark is lifted and what is free is anyone's.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use futures_util::future::join_all;
use tracing::{info, instrument, warn};

use crate::App;
use crate::accounts::Caller;
use crate::bookings::{
    Access, Booking, BookingStatus, ID_ATTEMPTS, Notice, NoticeKind, Pool, locate, new_booking_id,
    write_error,
};
use crate::catalogue::{Catalogue, Place};
use crate::draws::allocate::{Contender, OpenPlace, allocate};
use crate::draws::fairness::{Pseudonym, draw_order, publish};
use crate::draws::release::{
    DRAW_LEASE_SECONDS, DrawSummary, Entry, EntryOutcome, GivenPlace, Phase, Release,
    parse_entry_id,
};
use crate::error::{Code, Error, Result};
use crate::ports::{BookingWriteError, Clock, Counts, IdempotencyClaim, Store};
use crate::secrets::counter_key;
use crate::time::today_in_rome;

/// How long after the window closes the draw starts: longer than an entry's request may take
/// (the draws function's time-out, 30 s), so that none is written after the draw read them.
pub const DRAW_GRACE_SECONDS: i64 = 60;
/// How many of a draw's writes go out at once.
const WRITES_AT_ONCE: usize = 25;
/// How long one run of a draw goes on booking before it lets go (well within the function's
/// 300 s): the next minute's run goes on from there.
const DRAW_PASS_SECONDS: i64 = 200;
/// How long a person's record of lost draws is kept after their last loss.
const LOSSES_KEPT_DAYS: i64 = 365;
/// How long a draw's claim on an entry's booking (its idempotency) lasts: a run resumed within
/// it finds the booking it made.
const DRAW_BOOKING_CLAIM_DAYS: i64 = 30;
/// How long an offered place waits for its answer.
pub const OFFER_HOURS: i64 = 24;
/// An offer ends this long before its appointment, so that whoever comes next has time too;
/// a place sooner than `OFFER_MIN_MINUTES` after that is not offered.
const OFFER_MARGIN_HOURS: i64 = 2;
const OFFER_MIN_MINUTES: i64 = 60;

/// What one scheduled pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DrawsRun {
    /// Releases whose slots were marked (an opening that stopped half-way).
    pub marked: usize,
    /// Draws run to the end.
    pub drawn: usize,
    /// Freed places offered from waiting lists.
    pub offered: usize,
    /// Offers that ran out unanswered.
    pub expired: usize,
}

impl<S, M, K, C, D> App<S, M, K, C, D>
where
    S: Store,
    C: Clock,
{
    /// The scheduled pass: finishes any opening that stopped half-way, runs each draw whose
    /// window has closed, and moves each drawn release's waiting list on.
    #[instrument(skip_all)]
    pub async fn run_draws(&self) -> Result<DrawsRun> {
        let now = self.clock.now();
        let catalogue = self.store.catalogue().await?;
        let mut run = DrawsRun::default();
        let mut failed = 0;
        for release in self.store.releases().await? {
            let id = release.id.clone();
            // One release the store fails on does not hold the others up; the pass then fails.
            if let Err(error) = self.run_release(release, &catalogue, now, &mut run).await {
                warn!(release = %id, error = ?error, "a release's pass failed");
                failed += 1;
            }
        }
        if failed > 0 {
            return Err(Error::unavailable(anyhow::anyhow!(
                "draws: {failed} releases' passes failed"
            )));
        }
        Ok(run)
    }

    /// One release's part of the pass.
    async fn run_release(
        &self,
        release: Release,
        catalogue: &Catalogue,
        now: DateTime<Utc>,
        run: &mut DrawsRun,
    ) -> Result<()> {
        if !release.marked {
            let places = release_places(catalogue, &release)?;
            if !self.store.mark_release(&release, &places).await? {
                warn!(release = %release.id, "a release whose days another holds: not opened");
                return Ok(());
            }
            run.marked += 1;
        }
        match release.phase(now) {
            // A minute's grace: an entry answered just before the close is written by then.
            Phase::Closed if now >= release.closes_at + Duration::seconds(DRAW_GRACE_SECONDS) => {
                run.drawn += usize::from(self.draw(release, catalogue).await?);
            }
            Phase::Drawn if !release.returned && release.to >= today_in_rome(now) => {
                let (offered, expired) = self.move_waiting_list(&release, catalogue).await?;
                run.offered += offered;
                run.expired += expired;
            }
            _ => {}
        }
        Ok(())
    }

    /// Runs one release's draw: order, places, bookings, the record of losses, publication.
    /// `false` when another run holds it, or when this run's time ran out first (it lets go,
    /// and the next minute's run goes on from there).
    #[instrument(skip_all, fields(release = %release.id))]
    async fn draw(&self, release: Release, catalogue: &Catalogue) -> Result<bool> {
        let started = self.clock.now();
        let lease = started + Duration::seconds(DRAW_LEASE_SECONDS);
        if !self.store.claim_draw(&release.id, started, lease).await? {
            return Ok(false);
        }
        // As it is now that this run holds it (another may have gone further meanwhile).
        let Some(release) = self.store.release(&release.id).await? else {
            return Ok(false);
        };
        let out_of_time = || self.clock.now() - started > Duration::seconds(DRAW_PASS_SECONDS);
        let mut entries = self.store.entries(&release.id).await?;
        if !release.allocated {
            let places = self.open_places(catalogue, &release).await?;
            let decisions = allocation(&release, &entries, &places);
            let mut changed = Vec::new();
            for (entry, decided) in entries.iter_mut().zip(decisions) {
                // A resumed run finds what the first recorded, and records only the rest.
                if entry.position == Some(decided.position)
                    && entry.outcome == Some(decided.outcome.clone())
                {
                    continue;
                }
                entry.position = Some(decided.position);
                entry.waiting_rank = decided.waiting_rank;
                entry.outcome = Some(decided.outcome);
                entry.version += 1;
                changed.push(entry.clone());
            }
            for batch in changed.chunks(WRITES_AT_ONCE) {
                let saves = batch.iter().map(|entry| {
                    let notice = matches!(entry.outcome, Some(EntryOutcome::Waiting))
                        .then(|| Notice::of_entry(NoticeKind::Waiting, entry, started));
                    async move { self.store.save_entry(entry, notice.as_ref()).await }
                });
                for saved in join_all(saves).await {
                    if !saved? {
                        return Err(Error::internal(anyhow::anyhow!(
                            "an entry changed during its draw"
                        )));
                    }
                }
            }
            self.store.mark_allocated(&release).await?;
        }
        // An entry without a place in the order came after the allocation (it cannot, past the
        // grace; but should one): the draw leaves it out rather than change the order.
        entries.retain(|entry| entry.position.is_some());
        entries.sort_by_key(|entry| entry.position);
        // The places booked a batch at a time, no two of a batch in one slot (they would only
        // hold each other up: one transaction at a time takes an item).
        for batch in slot_batches(&entries) {
            if out_of_time() {
                self.store.let_go_draw(&release.id, lease).await?;
                info!("draw: time up, the next run goes on");
                return Ok(false);
            }
            let given = batch
                .iter()
                .map(|&i| self.give_place(catalogue, &release, &entries[i]));
            let given = join_all(given).await;
            for (&i, entry) in batch.iter().zip(given) {
                entries[i] = entry?;
            }
        }
        let keep_until = started + Duration::days(LOSSES_KEPT_DAYS);
        let unsettled: Vec<&Entry> = entries.iter().filter(|entry| !entry.settled).collect();
        for batch in unsettled.chunks(WRITES_AT_ONCE) {
            let settled = batch.iter().map(|entry| {
                let lost = matches!(entry.outcome, Some(EntryOutcome::Waiting));
                self.store.settle_entry(entry, lost, keep_until)
            });
            for settled in join_all(settled).await {
                settled?;
            }
        }
        // The order as recorded, published before the release says it is drawn.
        let ranked: Vec<(Pseudonym, u32)> = entries
            .iter()
            .map(|entry| (entry.pseudonym, entry.weight))
            .collect();
        let order: Vec<usize> = (0..entries.len()).collect();
        self.store
            .save_publication(&publish(&release.id, &release.seed, &ranked, &order))
            .await?;
        let summary = DrawSummary {
            drawn_at: self.clock.now(),
            entries: entries.len() as u32,
            placed: entries.iter().filter(|e| e.booking().is_some()).count() as u32,
            waiting: entries
                .iter()
                .filter(|e| matches!(e.outcome, Some(EntryOutcome::Waiting)))
                .count() as u32,
        };
        self.store.finish_draw(&release, &summary).await?;
        info!(
            entries = summary.entries,
            placed = summary.placed,
            waiting = summary.waiting,
            "draw run"
        );
        Ok(true)
    }

    /// One pass over a drawn release's waiting list: accepted places booked (a booking that
    /// failed half-way), offers past their time passed on, then each freed place offered to
    /// the next entries in the draw's order. Returns the offers made and expired.
    async fn move_waiting_list(
        &self,
        release: &Release,
        catalogue: &Catalogue,
    ) -> Result<(usize, usize)> {
        let now = self.clock.now();
        let mut entries = self.store.entries(&release.id).await?;
        entries.sort_by_key(|entry| entry.position);
        let mut expired = 0;
        for entry in &mut entries {
            match &entry.outcome {
                Some(EntryOutcome::Placed { booking: None, .. }) => {
                    *entry = self.give_place(catalogue, release, entry).await?;
                }
                Some(EntryOutcome::Offered { expires_at, .. }) if *expires_at <= now => {
                    let mut next = entry.clone();
                    next.outcome = Some(EntryOutcome::Passed);
                    next.version += 1;
                    // Answered meanwhile: the answer stands.
                    if self.store.save_entry(&next, None).await? {
                        *entry = next;
                        expired += 1;
                    }
                }
                _ => {}
            }
        }
        let waiting: Vec<&Entry> = entries
            .iter()
            .filter(|entry| matches!(entry.outcome, Some(EntryOutcome::Waiting)))
            .collect();
        let offered_now = entries
            .iter()
            .any(|entry| matches!(entry.outcome, Some(EntryOutcome::Offered { .. })));
        if waiting.is_empty() {
            if !offered_now {
                // Nobody is left to offer a place to: what is free is anyone's again.
                let places = release_places(catalogue, release)?;
                self.store.return_release(release, &places).await?;
                info!(release = %release.id, "waiting list done: places returned");
            }
            return Ok((0, expired));
        }
        // The places free in the release's slots, but those already offered.
        let mut free = self.open_places(catalogue, release).await?;
        for entry in &entries {
            if let Some(EntryOutcome::Offered { place, .. }) = &entry.outcome
                && let Some(i) = free
                    .iter()
                    .position(|open| GivenPlace::from(open) == *place)
            {
                free.swap_remove(i);
            }
        }
        free.retain(|place| offer_ends(place, now).is_some());
        if free.is_empty() {
            return Ok((0, expired));
        }
        let contenders: Vec<Contender<'_>> = waiting
            .iter()
            .map(|entry| Contender {
                vulnerable: entry.vulnerable,
                wishes: &entry.wishes,
            })
            .collect();
        let mut offered = 0;
        for (entry, place) in waiting.iter().zip(allocate(&contenders, &free)) {
            let Some((place, expires_at)) = place
                .map(|i| &free[i])
                .and_then(|place| Some((place, offer_ends(place, now)?)))
            else {
                continue;
            };
            let mut next = (*entry).clone();
            next.outcome = Some(EntryOutcome::Offered {
                place: GivenPlace::from(place),
                expires_at,
            });
            next.version += 1;
            let notice = Notice::of_entry(NoticeKind::Offered, &next, now);
            if self.store.save_entry(&next, Some(&notice)).await? {
                offered += 1;
            }
        }
        info!(release = %release.id, offered, expired, "waiting list");
        Ok((offered, expired))
    }

    /// `POST /entries/{id}/accept`: the caller takes the place offered to their entry, while
    /// the offer stands. The place is theirs from this write; its booking follows at once (or,
    /// should that fail, on the next pass).
    #[instrument(skip_all, fields(account_id = %caller.account.id))]
    pub async fn accept_offer(&self, caller: &Caller, id: &str) -> Result<(Entry, Release)> {
        let (release, entry) = self.own_entry(caller, id).await?;
        let now = self.clock.now();
        let place = match &entry.outcome {
            Some(EntryOutcome::Offered { place, expires_at }) if *expires_at > now => place.clone(),
            _ => return Err(Code::OfferClosed.into()),
        };
        let mut accepted = entry.clone();
        accepted.outcome = Some(EntryOutcome::Placed {
            place,
            booking: None,
        });
        accepted.version += 1;
        if !self.store.save_entry(&accepted, None).await? {
            return Err(Code::OfferClosed.into());
        }
        let catalogue = self.store.catalogue().await?;
        let placed = self.give_place(&catalogue, &release, &accepted).await?;
        Ok((placed, release))
    }

    /// `POST /entries/{id}/decline`: the caller lets the offered place go to the next on the
    /// list; their entry leaves the list.
    #[instrument(skip_all, fields(account_id = %caller.account.id))]
    pub async fn decline_offer(&self, caller: &Caller, id: &str) -> Result<(Entry, Release)> {
        let (release, entry) = self.own_entry(caller, id).await?;
        if !matches!(entry.outcome, Some(EntryOutcome::Offered { .. })) {
            return Err(Code::OfferClosed.into());
        }
        let mut declined = entry.clone();
        declined.outcome = Some(EntryOutcome::Passed);
        declined.version += 1;
        if !self.store.save_entry(&declined, None).await? {
            return Err(Code::OfferClosed.into());
        }
        Ok((declined, release))
    }

    /// The caller's entry of an id, with its release: another's is not found.
    async fn own_entry(&self, caller: &Caller, id: &str) -> Result<(Release, Entry)> {
        let (release, pseudonym) = parse_entry_id(id).ok_or(Code::NotFound)?;
        let entry = self
            .store
            .entry(&release, &pseudonym)
            .await?
            .filter(|entry| entry.entered_by == caller.account.id)
            .ok_or(Code::NotFound)?;
        let release = self.release(&release).await?;
        Ok((release, entry))
    }

    /// The places the release gives out now: every free place, in either pool, of the days its
    /// mark holds (a day the office closed since is left out).
    async fn open_places(
        &self,
        catalogue: &Catalogue,
        release: &Release,
    ) -> Result<Vec<OpenPlace>> {
        let now = self.clock.now();
        let days = (release.to - release.from).num_days() as u32 + 1;
        let mut open = Vec::new();
        for place in release_places(catalogue, release)? {
            let mut counts = self
                .store
                .slot_counts(&place, release.from, release.to, Counts::Current)
                .await?;
            // The release's own days are open to its draw, and no other day.
            let held = std::mem::take(&mut counts.drawn);
            for day in release.days() {
                if held.get(&day) != Some(&release.id) {
                    counts.closed.insert(day);
                }
            }
            for slot in place.free_slots(&counts, release.from, days, now, Access::Vulnerable) {
                for (pool, count) in [
                    (Pool::General, slot.general_left),
                    (Pool::Reserved, slot.reserved_left),
                ] {
                    open.extend((0..count).map(|_| OpenPlace {
                        site: place.site.id.clone(),
                        section: place.section.id.clone(),
                        date: slot.date,
                        time: slot.time,
                        starts_at: slot.starts_at,
                        pool,
                    }));
                }
            }
        }
        Ok(open)
    }

    /// Books an entry's place (its outcome `Placed` without a booking yet), once: a run
    /// resumed after a crash finds the booking the first made (its idempotency claim). The
    /// place is taken only through the release's mark. Returns the entry as recorded after.
    async fn give_place(
        &self,
        catalogue: &Catalogue,
        release: &Release,
        entry: &Entry,
    ) -> Result<Entry> {
        let Some(EntryOutcome::Placed {
            place,
            booking: None,
        }) = &entry.outcome
        else {
            return Ok(entry.clone());
        };
        let now = self.clock.now();
        let section = release_places(catalogue, release)?
            .into_iter()
            .find(|p| p.site.id == place.site && p.section.id == place.section)
            .ok_or_else(|| Error::internal(anyhow::anyhow!("a drawn place left the catalogue")))?;
        let claim = IdempotencyClaim {
            account: entry.entered_by,
            key: counter_key("draw", &format!("{}#{}", release.id, entry.pseudonym)),
            fingerprint: "draw".into(),
            expires_at: now + Duration::days(DRAW_BOOKING_CLAIM_DAYS),
        };
        let mut outcome = None;
        for _ in 0..ID_ATTEMPTS {
            let booking = drawn_booking(release, entry, place, now);
            let written = self
                .store
                .create_booking(&booking, section.capacity(place.pool), Some(&claim), None)
                .await;
            let booked = |booking| EntryOutcome::Placed {
                place: place.clone(),
                booking: Some(booking),
            };
            outcome = Some(match written {
                Ok(()) => booked(booking.id),
                Err(BookingWriteError::Replay { booking, .. }) => booked(booking),
                Err(BookingWriteError::IdTaken) => continue,
                Err(BookingWriteError::AlreadyBooked { .. }) => EntryOutcome::AlreadyBooked,
                // Closed by the office since: back to the waiting list, in its place.
                Err(BookingWriteError::SlotFull | BookingWriteError::Closed) => {
                    EntryOutcome::Waiting
                }
                Err(error) => return Err(write_error(error, today_in_rome(now))),
            });
            break;
        }
        let outcome =
            outcome.ok_or_else(|| Error::internal(anyhow::anyhow!("no free booking number")))?;
        let mut next = entry.clone();
        next.outcome = Some(outcome);
        next.version += 1;
        // Back on the waiting list (the office closed the day since): the entrant is told.
        let notice = matches!(next.outcome, Some(EntryOutcome::Waiting))
            .then(|| Notice::of_entry(NoticeKind::Waiting, &next, now));
        if self.store.save_entry(&next, notice.as_ref()).await? {
            if next.booking().is_some() && release.drawn.is_some() {
                // A place from the waiting list: the draw lost no longer counts.
                self.store.forget_losses(&next.loss_keys).await?;
            }
            return Ok(next);
        }
        // Booked at the same moment by the other path (the entrant's acceptance and the
        // schedule's pass): the same booking (its claim), recorded by the other.
        match self.store.entry(&entry.release, &entry.pseudonym).await? {
            Some(recorded) if recorded.booking().is_some() => Ok(recorded),
            _ => Err(Error::internal(anyhow::anyhow!(
                "an entry changed while booked"
            ))),
        }
    }
}

/// Until when a free place can be offered from `now`, if it still can.
fn offer_ends(place: &OpenPlace, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let ends = (now + Duration::hours(OFFER_HOURS))
        .min(place.starts_at - Duration::hours(OFFER_MARGIN_HOURS));
    (ends - now >= Duration::minutes(OFFER_MIN_MINUTES)).then_some(ends)
}

/// The places (site and section) a release gives out.
pub(crate) fn release_places<'a>(
    catalogue: &'a Catalogue,
    release: &Release,
) -> Result<Vec<Place<'a>>> {
    let (service, place) = locate(
        catalogue,
        &release.service,
        &release.office,
        release.site.as_deref(),
    )?;
    Ok(catalogue.places(service, place.office, release.site.as_deref()))
}

/// The entries whose place is still to book (by index), in batches of at most
/// `WRITES_AT_ONCE` with no two in one slot: round after round, each slot's next entry.
fn slot_batches(entries: &[Entry]) -> Vec<Vec<usize>> {
    let mut by_slot: BTreeMap<(&str, &str, NaiveDate, NaiveTime), Vec<usize>> = BTreeMap::new();
    for (i, entry) in entries.iter().enumerate() {
        if let Some(EntryOutcome::Placed {
            place,
            booking: None,
        }) = &entry.outcome
        {
            let slot = (
                place.site.as_str(),
                place.section.as_str(),
                place.date,
                place.time,
            );
            by_slot.entry(slot).or_default().push(i);
        }
    }
    let mut batches = Vec::new();
    let mut round = 0;
    loop {
        let this_round: Vec<usize> = by_slot
            .values()
            .filter_map(|queue| queue.get(round).copied())
            .collect();
        if this_round.is_empty() {
            return batches;
        }
        batches.extend(this_round.chunks(WRITES_AT_ONCE).map(<[usize]>::to_vec));
        round += 1;
    }
}

/// What the draw decides for one entry.
struct Decided {
    position: u32,
    outcome: EntryOutcome,
    waiting_rank: Option<u32>,
}

/// Each entry's position in the draw's order and its place (or its rank on the waiting list),
/// in the order of `entries`.
fn allocation(release: &Release, entries: &[Entry], places: &[OpenPlace]) -> Vec<Decided> {
    let weighted: Vec<(Pseudonym, u32)> = entries
        .iter()
        .map(|entry| (entry.pseudonym, entry.weight))
        .collect();
    let order = draw_order(&release.seed, &weighted);
    let contenders: Vec<Contender<'_>> = order
        .iter()
        .map(|&i| Contender {
            vulnerable: entries[i].vulnerable,
            wishes: &entries[i].wishes,
        })
        .collect();
    let given = allocate(&contenders, places);
    let mut decided: Vec<Option<Decided>> = entries.iter().map(|_| None).collect();
    let mut waiting = 0;
    for (rank, (&i, place)) in order.iter().zip(given).enumerate() {
        let (outcome, waiting_rank) = match place {
            Some(place) => (
                EntryOutcome::Placed {
                    place: GivenPlace::from(&places[place]),
                    booking: None,
                },
                None,
            ),
            None => {
                waiting += 1;
                (EntryOutcome::Waiting, Some(waiting))
            }
        };
        decided[i] = Some(Decided {
            position: rank as u32 + 1,
            outcome,
            waiting_rank,
        });
    }
    decided
        .into_iter()
        .map(|d| d.expect("every entry is in the order"))
        .collect()
}

/// The booking the draw (or the waiting list) gives an entry.
fn drawn_booking(
    release: &Release,
    entry: &Entry,
    place: &GivenPlace,
    now: DateTime<Utc>,
) -> Booking {
    let mut booking = Booking {
        id: new_booking_id(),
        status: BookingStatus::Active,
        service: release.service.clone(),
        office: release.office.clone(),
        site: place.site.clone(),
        section: place.section.clone(),
        date: place.date,
        time: place.time,
        starts_at: place.starts_at,
        pool: place.pool,
        attendee: entry.attendee.clone(),
        children: Vec::new(),
        booked_by: entry.entered_by,
        booker: entry.booker,
        notify: entry.notify.clone(),
        language: entry.language,
        created_at: now,
        updated_at: now,
        version: 1,
        vulnerable: entry.vulnerable,
        release: Some(release.id.clone()),
        office_change: None,
        holds: Vec::new(),
        receipt: None,
    };
    booking.holds = booking.hold_keys();
    booking
}
