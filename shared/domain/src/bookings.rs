//! The booking use cases (CAT-3, BK-1 … BK-8, BK-10): availability, booking, my bookings,
//! cancelling and moving. Every rule about bookings lives here and in `booking`, `slots` and
//! `calendar`; the store only makes each change atomic.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde::Serialize;
use serde_json::Value;
use tracing::{Span, instrument, warn};

use crate::App;
use crate::account::Holder;
use crate::accounts::Caller;
use crate::booking::{
    Attendee, Booking, BookingId, BookingRequest, BookingStatus, OfficeAction, OfficeChange, Pool,
    fingerprint, parse_booking_request,
};
use crate::catalogue::{Booker, Catalogue, Place, Service};
use crate::error::{Code, Error, Problem, Problems, Result};
use crate::mail::{Attachment, Requested, compose};
use crate::paging::{Cursor, Page};
use crate::ports::{
    BookingChange, BookingFilter, BookingWriteError, Clock, Counts, DailyChanges, IdempotencyClaim,
    Mailer, Signer, Store,
};
use crate::receipts::{receipt_document, receipt_filename};
use crate::secrets::counter_key;
use crate::slots::{Access, FreeSlot, pick};
use crate::texts::{Appointment, Language, MailText, Texts};
use crate::time::today_in_rome;
use crate::types::{Country, age_on, date, transliterate};

/// Children under this age on the appointment day come with a parent's booking (BK-8).
pub const CHILD_AGE_LIMIT: u32 = 14;

/// How many random booking numbers a booking tries (a clash is one chance in 2^60).
const ID_ATTEMPTS: usize = 3;
/// Tries that others' transactions cancel before a "first available" request is told to come
/// back (a slot found full is not one: the picture learns from it and the request goes on).
const CONTENDED_TRIES: u32 = 3;
/// The days a "first available" request reads first, before the rest of the horizon.
const FIRST_REACH_DAYS: u32 = 7;

/// Free times and places per date (`GET /availability`).
#[derive(Serialize)]
pub struct Availability {
    pub service: String,
    pub office: String,
    pub site: String,
    /// The other sites of the office that offer the service.
    pub sites: Vec<String>,
    pub dates: Vec<AvailableDate>,
}

#[derive(Serialize)]
pub struct AvailableDate {
    pub date: NaiveDate,
    pub slots: Vec<AvailableSlot>,
}

#[derive(Serialize)]
pub struct AvailableSlot {
    #[serde(with = "crate::booking::hhmm")]
    pub time: chrono::NaiveTime,
    pub remaining: u32,
}

impl<S, M, K, C> App<S, M, K, C>
where
    S: Store,
    M: Mailer,
    K: Signer,
    C: Clock,
{
    pub async fn catalogue(&self) -> Result<Arc<Catalogue>> {
        Ok(self.store.catalogue().await?)
    }

    /// `GET /availability?service=&office=&site=&from=&days=`: one query for the site.
    #[instrument(skip_all)]
    pub async fn availability(&self, query: &BTreeMap<String, String>) -> Result<Availability> {
        let now = self.clock.now();
        let today = today_in_rome(now);
        let mut problems = Problems::default();
        let text = |name: &str, problems: &mut Problems| {
            let value = query.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
            if value.is_none() {
                problems.add(name, Problem::Required);
            }
            value
        };
        let service_id = text("service", &mut problems);
        let office_id = text("office", &mut problems);
        let from = match query.get("from") {
            Some(from) => problems.check(
                "from",
                date(from).and_then(|d| {
                    if d < today {
                        Err(Problem::InPast)
                    } else {
                        Ok(d)
                    }
                }),
            ),
            None => Some(today),
        };
        let horizon = self.config.booking_horizon_days;
        let days = match query.get("days") {
            Some(days) => problems.check(
                "days",
                days.parse::<u32>()
                    .map_err(|_| Problem::Invalid)
                    .and_then(|d| {
                        if (1..=horizon).contains(&d) {
                            Ok(d)
                        } else {
                            Err(Problem::TooFar { days: horizon })
                        }
                    }),
            ),
            None => Some(14),
        };
        problems.into_result()?;
        let (Some(service_id), Some(office_id), Some(from), Some(days)) =
            (service_id, office_id, from, days)
        else {
            unreachable!("checked above")
        };
        let catalogue = self.store.catalogue().await?;
        let (service, place) = locate(
            &catalogue,
            service_id,
            office_id,
            query.get("site").map(String::as_str),
        )?;
        // Never past the horizon, whatever `from` and `days` say.
        let last = (from + Duration::days(i64::from(days) - 1))
            .min(today + Duration::days(i64::from(horizon)));
        let days = u32::try_from((last - from).num_days() + 1).unwrap_or(0);
        let counts = self
            .store
            .slot_counts(&place, from, last.max(from), Counts::Recent)
            .await?;
        let free = place.free_slots(&counts, from, days, now, Access::Public);
        let mut dates: Vec<AvailableDate> = Vec::new();
        for slot in free {
            let entry = AvailableSlot {
                time: slot.time,
                remaining: slot.remaining(Access::Public),
            };
            match dates.last_mut() {
                Some(last) if last.date == slot.date => last.slots.push(entry),
                _ => dates.push(AvailableDate {
                    date: slot.date,
                    slots: vec![entry],
                }),
            }
        }
        let sites = catalogue
            .places(service, place.office, None)
            .iter()
            .map(|p| p.site.id.clone())
            .collect();
        Ok(Availability {
            service: service.id.clone(),
            office: place.office.id.clone(),
            site: place.site.id.clone(),
            sites,
            dates,
        })
    }

    /// `POST /bookings` (BK-1, BK-2, BK-3, BK-8, BK-10, CAT-4): one transaction takes the place,
    /// claims the person's holds, the idempotency key and the day's change, and puts the
    /// booking. A retry with the same key gets the booking it made.
    #[instrument(skip_all, fields(account_id = %caller.account.id, booking_id))]
    pub async fn book(
        &self,
        caller: &Caller,
        body: &Value,
        idempotency_key: Option<&str>,
    ) -> Result<Booking> {
        let now = self.clock.now();
        let today = today_in_rome(now);
        let request = parse_booking_request(body, today)?;
        let idempotency = idempotency_key
            .map(|key| self.idempotency_claim(caller, key, body, now))
            .transpose()?;
        // A retry finds its booking before anything else: the slot may have filled meanwhile.
        if let Some(claim) = &idempotency
            && let Some((booking, fingerprint)) = self.store.idempotent_booking(claim, now).await?
        {
            return self
                .replay(caller, &booking, &fingerprint, Some(claim))
                .await;
        }
        let catalogue = self.store.catalogue().await?;
        let (service, place) = locate(
            &catalogue,
            &request.service,
            &request.office,
            request.site.as_deref(),
        )?;
        let (booker, attendee) = attendee(caller, service, &request)?;
        let access = self.access(caller, &place, &request)?;
        check_people(&attendee, &request.children)?;
        let daily_changes = self.daily_changes(caller, &attendee, now, true);
        let draft = Draft {
            caller,
            booker,
            place: &place,
            service,
            attendee: &attendee,
            request: &request,
            access,
            idempotency: idempotency.as_ref(),
            daily_changes: daily_changes.as_ref(),
        };
        let outcome = match (request.date, request.time) {
            (Some(date), Some(time)) => self.book_slot(&draft, date, time, now).await,
            (date, _) => self.book_first_free(&draft, date, now).await,
        };
        let booking = match outcome {
            Ok(booking) => booking,
            Err(Attempt::Replay {
                booking,
                fingerprint,
            }) => {
                return self
                    .replay(caller, &booking, &fingerprint, idempotency.as_ref())
                    .await;
            }
            Err(Attempt::Refused(error)) => return Err(error),
        };
        Span::current().record("booking_id", tracing::field::display(&booking.id));
        let mut booking = booking;
        self.issue_receipt(&mut booking).await;
        self.notify(&catalogue, &booking, |t, a| t.booking_confirmed(a))
            .await;
        Ok(booking)
    }

    /// An explicit day and time: one transaction decides (nothing is read first; the
    /// section's capacities stand in for the places left).
    async fn book_slot(
        &self,
        draft: &Draft<'_>,
        date: NaiveDate,
        time: NaiveTime,
        now: DateTime<Utc>,
    ) -> std::result::Result<Booking, Attempt> {
        let place = draft.place;
        let starts_at = place
            .check_slot(date, Some(time), now, self.config.booking_horizon_days)
            .map_err(|(field, problem)| Error::invalid(field, problem))?
            .expect("a time was given");
        check_children_on(&draft.request.children, date)?;
        let slot = FreeSlot {
            date,
            time,
            starts_at,
            general_left: place.capacity(Pool::General),
            reserved_left: place.capacity(Pool::Reserved),
            reserved_released: place.reserved_released(date, now),
        };
        for pool in place.pools_for(draft.access, date, now) {
            match self.try_slot(draft, &slot, pool, now).await {
                Tried::Booked(booking) => return Ok(*booking),
                Tried::Full => continue,
                Tried::Closed => return Err(Error::invalid("date", Problem::Closed).into()),
                Tried::Busy => return Err(self.come_back().into()),
                Tried::Failed(attempt) => return Err(attempt),
            }
        }
        Err(Error::from(Code::SlotFull).into())
    }

    /// "First available" (BK-3), on `date` or from today: it keeps going until it has a place
    /// or the counts show none left, so a burst never answers "no places" while there are some
    /// (the counts may be a moment old: a place freed since by a cancellation or a move is found
    /// by the next request, as if it had been freed a moment later).
    /// It starts from the function's recent picture of the counts and tries a slot picked at
    /// random among the first ones with room (`pick`); a full slot is dropped, a closed day
    /// too; when the picture is used up the counts are read afresh. When others'
    /// transactions cancel `CONTENDED_TRIES` of its tries, or past `booking_patience`, the
    /// answer is 429 `busy` with `retry_after` (come back), never `no_availability`.
    async fn book_first_free(
        &self,
        draft: &Draft<'_>,
        date: Option<NaiveDate>,
        now: DateTime<Utc>,
    ) -> std::result::Result<Booking, Attempt> {
        let place = draft.place;
        let children = &draft.request.children;
        let (from, days) = match date {
            Some(date) => {
                place
                    .check_slot(date, None, now, self.config.booking_horizon_days)
                    .map_err(|(field, problem)| Error::invalid(field, problem))?;
                check_children_on(children, date)?;
                (date, 1)
            }
            None => {
                // Children only grow older: one too old today fits no date.
                check_children_on(children, today_in_rome(now))?;
                (today_in_rome(now), self.config.booking_horizon_days + 1)
            }
        };
        let give_up_at = now + self.config.booking_patience;
        // The first picture may be a moment old (shared by the requests of this moment); once
        // it is used up, the counts are read afresh, and only a fresh read says "no places".
        let mut counts = Counts::Recent;
        // The first week first, then four, then the horizon: most requests need no more
        // than the first reads (each day of a section is a partition, one query).
        let mut reach = days.min(FIRST_REACH_DAYS);
        let mut contended = 0;
        loop {
            let (mut free, in_demand) = self
                .free_slots(place, from, reach, self.clock.now(), draft.access, counts)
                .await?;
            free.retain(|slot| children_under_age(children, slot.date));
            if free.is_empty() {
                if reach < days {
                    reach = (reach * 4).min(days);
                    continue;
                }
                // Even from a recent picture: since it was read, places could only have been
                // freed by a cancellation or a move, which could as well have come a moment later.
                return Err(Error::from(Code::NoAvailability).into());
            }
            counts = Counts::Current;
            // When others are booking the first free day, or cancelled a try of this one, the
            // pick spreads over the following days too; each cancelled try doubles the window:
            // under a burst, requests spread over more items (and days' partitions).
            let rush = free
                .first()
                .is_some_and(|slot| in_demand.contains(&slot.date));
            while let Some(index) = pick(
                &free,
                draft.access,
                self.config.burst_spread << contended,
                rush || contended > 0,
                crate::random::below,
            ) {
                if contended == CONTENDED_TRIES || self.clock.now() > give_up_at {
                    return Err(self.come_back().into());
                }
                let slot = free[index].clone();
                let mut slot_full = true;
                for pool in slot.pools(draft.access) {
                    match self.try_slot(draft, &slot, pool, now).await {
                        Tried::Booked(booking) => return Ok(*booking),
                        Tried::Full => continue,
                        Tried::Closed => {
                            free.retain(|other| other.date != slot.date);
                            slot_full = false;
                            break;
                        }
                        // Held by others right now: try elsewhere, this slot stays a candidate.
                        Tried::Busy => {
                            contended += 1;
                            slot_full = false;
                            break;
                        }
                        Tried::Failed(attempt) => return Err(attempt),
                    }
                }
                if slot_full {
                    free.remove(index);
                }
            }
        }
    }

    /// The answer when others' transactions keep taking the slots tried (a click day): 429
    /// `busy`, to come back in 1 to 5 seconds (at random, so that those told at once do not
    /// all come back at once) with the same `Idempotency-Key`. Nothing was written.
    fn come_back(&self) -> Error {
        let wait_ms = 1000 + i64::from(crate::random::below(4000));
        Error::busy(self.clock.now() + Duration::milliseconds(wait_ms))
    }

    /// One transaction for one pool of one slot.
    async fn try_slot(
        &self,
        draft: &Draft<'_>,
        slot: &FreeSlot,
        pool: Pool,
        now: DateTime<Utc>,
    ) -> Tried {
        // A new random booking number if the first is taken (one in 2^60).
        for _ in 0..ID_ATTEMPTS {
            let booking = draft.booking(slot, pool, now);
            let written = self
                .store
                .create_booking(
                    &booking,
                    draft.place.capacity(pool),
                    draft.idempotency,
                    draft.daily_changes,
                )
                .await;
            return match written {
                Ok(()) => Tried::Booked(Box::new(booking)),
                Err(BookingWriteError::SlotFull) => Tried::Full,
                Err(BookingWriteError::Closed) => Tried::Closed,
                Err(BookingWriteError::Busy) => Tried::Busy,
                Err(BookingWriteError::IdTaken) => continue,
                Err(BookingWriteError::Replay {
                    booking,
                    fingerprint,
                }) => Tried::Failed(Attempt::Replay {
                    booking,
                    fingerprint,
                }),
                Err(error) => Tried::Failed(write_error(error, today_in_rome(now)).into()),
            };
        }
        Tried::Failed(Error::internal(anyhow::anyhow!("no free booking number")).into())
    }

    /// `GET /bookings?cursor=&date=&name=` (BK-7): a page of the bookings the caller made (an
    /// organisation: for others), newest first; an organisation finds one by the appointment's
    /// day or a name's words.
    pub async fn bookings_of(
        &self,
        caller: &Caller,
        query: &BTreeMap<String, String>,
    ) -> Result<Page<Booking>> {
        let mut problems = Problems::default();
        let from = cursor_of(query, &mut problems);
        let filter = BookingFilter {
            date: query
                .get("date")
                .and_then(|text| problems.check("date", date(text))),
            name_words: match query.get("name") {
                Some(text) => problems
                    .check(
                        "name",
                        crate::types::text_line(text, crate::limits::SEARCH_CHARS),
                    )
                    .map(|name| {
                        transliterate(&name)
                            .split(' ')
                            .filter(|word| !word.is_empty())
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default(),
                None => Vec::new(),
            },
        };
        problems.into_result()?;
        Ok(self
            .store
            .bookings_by(caller.account.id, &filter, from.as_ref())
            .await?)
    }

    /// `GET /bookings/{id}`: the account that made it may see it, and the office's staff.
    pub async fn booking_of(&self, caller: &Caller, id: &str) -> Result<Booking> {
        let id = BookingId::parse(id).ok_or(Code::NotFound)?;
        let booking = self.store.booking(&id).await?.ok_or(Code::NotFound)?;
        if booking.booked_by != caller.account.id && !caller.account.is_staff_of(&booking.office) {
            return Err(Code::Forbidden.into());
        }
        Ok(booking)
    }

    /// `DELETE /bookings/{id}` (BK-5): the place is free again at once, and the person may book
    /// the service again. Of two concurrent changes of one booking, the second is told the
    /// booking cannot change any more (409), never that the service failed.
    /// Office staff may give a reason (`body`: `{"reason"}`), which the person is shown.
    #[instrument(skip_all, fields(account_id = %caller.account.id))]
    pub async fn cancel_booking(
        &self,
        caller: &Caller,
        id: &str,
        body: Option<&Value>,
    ) -> Result<Booking> {
        let now = self.clock.now();
        let office_change = office_change(caller, body, OfficeAction::Cancelled, now)?;
        let mut previous = self.booking_of(caller, id).await?;
        let cancelled = loop {
            ensure_changeable(&previous, now)?;
            // Counted, never refused: a cancellation only frees a place.
            let daily_changes = self.daily_changes(caller, &previous.attendee, now, false);
            let change = (daily_changes, office_change.clone());
            match self.cancel_change(&previous, now, change).await {
                Ok(cancelled) => break cancelled,
                Err(BookingWriteError::Changed) => previous = self.reread(&previous).await?,
                Err(error) => return Err(write_error(error, today_in_rome(now))),
            }
        };
        let catalogue = self.store.catalogue().await?;
        self.notify(&catalogue, &cancelled, |t, a| t.booking_cancelled(a))
            .await;
        Ok(cancelled)
    }

    /// A booking read again after a concurrent change; gone or no longer changeable is 409.
    async fn reread(&self, booking: &Booking) -> Result<Booking> {
        self.store
            .booking(&booking.id)
            .await?
            .filter(|fresh| fresh.version > booking.version)
            .ok_or_else(|| Error::new(Code::BookingClosed))
    }

    /// Cancels a booking in one transaction: the place is freed and the holds released. The
    /// office's reason, if it is the office's doing, goes with it.
    pub(crate) async fn cancel_change(
        &self,
        previous: &Booking,
        now: DateTime<Utc>,
        (daily_changes, office_change): (Option<DailyChanges>, Option<OfficeChange>),
    ) -> std::result::Result<Booking, BookingWriteError> {
        let cancelled = Booking {
            status: BookingStatus::Cancelled,
            updated_at: now,
            version: previous.version + 1,
            office_change,
            ..previous.clone()
        };
        self.store
            .change_booking(BookingChange::Cancel {
                previous,
                cancelled: &cancelled,
                daily_changes,
            })
            .await?;
        Ok(cancelled)
    }

    /// `POST /bookings/{id}/reschedule` (BK-6): the new slot is taken in the same transaction
    /// that releases the old one, or nothing changes. The booking keeps the places it may hold
    /// (a vulnerable person's reserved ones, or anyone's).
    #[instrument(skip_all, fields(account_id = %caller.account.id))]
    pub async fn reschedule_booking(
        &self,
        caller: &Caller,
        id: &str,
        body: &Value,
    ) -> Result<Booking> {
        let now = self.clock.now();
        let today = today_in_rome(now);
        let (new_date, new_time) = parse_new_slot(body)?;
        let office_change = office_change(caller, Some(body), OfficeAction::Moved, now)?;
        let mut previous = self.booking_of(caller, id).await?;
        let catalogue = self.store.catalogue().await?;
        let moved = loop {
            ensure_changeable(&previous, now)?;
            if (previous.date, previous.time) == (new_date, new_time) {
                return Ok(previous);
            }
            let (_, place) = locate(
                &catalogue,
                &previous.service,
                &previous.office,
                Some(&previous.site),
            )?;
            let starts_at = place
                .check_slot(
                    new_date,
                    Some(new_time),
                    now,
                    self.config.booking_horizon_days,
                )
                .map_err(|(field, problem)| Error::invalid(field, problem))?
                .expect("a time was given");
            check_children_on(&previous.children, new_date)?;
            let daily_changes = self.daily_changes(caller, &previous.attendee, now, true);
            let slot = (new_date, new_time, starts_at);
            let change = (daily_changes, office_change.clone());
            match self
                .move_booking(&previous, &place, slot, change, now)
                .await
            {
                Ok(moved) => break moved,
                Err(BookingWriteError::Changed) => previous = self.reread(&previous).await?,
                Err(BookingWriteError::Closed) => {
                    return Err(Error::invalid("date", Problem::Closed));
                }
                Err(error) => return Err(write_error(error, today)),
            }
        };
        let mut moved = moved;
        self.issue_receipt(&mut moved).await;
        self.notify(&catalogue, &moved, |t, a| t.booking_moved(a))
            .await;
        Ok(moved)
    }

    /// Moves a booking to another slot of its place: the new place is taken (in the pools the
    /// booking may use) in the transaction that frees the old one. Neither signs nor tells.
    pub(crate) async fn move_booking(
        &self,
        previous: &Booking,
        place: &Place<'_>,
        (date, time, starts_at): (NaiveDate, NaiveTime, DateTime<Utc>),
        (daily_changes, office_change): (Option<DailyChanges>, Option<OfficeChange>),
        now: DateTime<Utc>,
    ) -> std::result::Result<Booking, BookingWriteError> {
        for pool in place.pools_for(previous.access(), date, now) {
            let moved = Booking {
                date,
                time,
                starts_at,
                pool,
                updated_at: now,
                version: previous.version + 1,
                // The old receipt shows the old time: a new one is issued once moved.
                receipt: None,
                office_change: office_change.clone(),
                ..previous.clone()
            };
            let change = BookingChange::Move {
                previous,
                moved: &moved,
                capacity: place.capacity(pool),
                daily_changes: daily_changes.clone(),
            };
            match self.store.change_booking(change).await {
                Ok(()) => return Ok(moved),
                Err(BookingWriteError::SlotFull) => continue,
                Err(error) => return Err(error),
            }
        }
        Err(BookingWriteError::SlotFull)
    }

    async fn free_slots(
        &self,
        place: &Place<'_>,
        from: NaiveDate,
        days: u32,
        now: DateTime<Utc>,
        access: Access,
        counts: Counts,
    ) -> Result<(Vec<FreeSlot>, BTreeSet<NaiveDate>)> {
        let to = from + Duration::days(i64::from(days.max(1)) - 1);
        let counts = self.store.slot_counts(place, from, to, counts).await?;
        // A single day asked for and closed by the office: say so, as for any closed day.
        if days == 1 && counts.closed.contains(&from) {
            return Err(Error::invalid("date", Problem::Closed));
        }
        let free = place.free_slots(&counts, from, days, now, access);
        Ok((free, counts.in_demand))
    }

    /// May this caller take a reserved place (CAT-4)? Only a designated organisation (or the
    /// office) for a vulnerable person.
    fn access(
        &self,
        caller: &Caller,
        place: &Place<'_>,
        request: &BookingRequest,
    ) -> Result<Access> {
        if !request.vulnerable {
            return Ok(Access::Public);
        }
        match &caller.account.holder {
            Holder::Organisation(organisation)
                if place.office.designates(organisation.fiscal_code.as_str()) =>
            {
                Ok(Access::Vulnerable)
            }
            Holder::Office(_) if caller.account.is_staff_of(&place.office.id) => {
                Ok(Access::Vulnerable)
            }
            _ => Err(Error::new(Code::Forbidden).field("vulnerable", Problem::NotAllowed)),
        }
    }

    /// Operations on one person are counted per day: an organisation's on each beneficiary
    /// (BK-4), a person's on their own bookings (booking and cancelling cost a signature and an
    /// e-mail each). Every identity key of the person counts, so another spelling does not
    /// start a new count. Office staff are not limited.
    fn daily_changes(
        &self,
        caller: &Caller,
        attendee: &Attendee,
        now: DateTime<Utc>,
        enforced: bool,
    ) -> Option<DailyChanges> {
        let limit = match caller.account.holder {
            Holder::Organisation(_) => self.config.daily_changes_per_beneficiary,
            Holder::Person(_) => self.config.daily_changes_per_person,
            Holder::Office(_) => return None,
        };
        let today = today_in_rome(now);
        Some(DailyChanges {
            ids: attendee
                .identity_keys()
                .iter()
                .map(|key| {
                    format!(
                        "{}#{}#{today}",
                        caller.account.id,
                        counter_key("person", key)
                    )
                })
                .collect(),
            limit,
            enforced,
            expires_at: now + Duration::days(2),
        })
    }

    fn idempotency_claim(
        &self,
        caller: &Caller,
        key: &str,
        body: &Value,
        now: DateTime<Utc>,
    ) -> Result<IdempotencyClaim> {
        if key.is_empty()
            || key.len() > crate::limits::IDEMPOTENCY_KEY_BYTES
            || !key.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(Error::invalid("Idempotency-Key", Problem::Invalid));
        }
        Ok(IdempotencyClaim {
            account: caller.account.id,
            key: counter_key("idempotency", key),
            fingerprint: fingerprint(body),
            expires_at: now + self.config.idempotency_valid,
        })
    }

    /// A retried request: the same booking, if it is the same request.
    async fn replay(
        &self,
        caller: &Caller,
        id: &BookingId,
        stored: &str,
        claim: Option<&IdempotencyClaim>,
    ) -> Result<Booking> {
        if claim.is_none_or(|claim| claim.fingerprint != stored) {
            return Err(Code::IdempotencyKeyReused.into());
        }
        let booking = self
            .store
            .booking(id)
            .await?
            .ok_or_else(|| Error::internal(anyhow::anyhow!("replayed booking missing")))?;
        if booking.booked_by != caller.account.id {
            return Err(Code::Forbidden.into());
        }
        Ok(booking)
    }

    /// Tells the booking's account, in both languages, with the receipt attached when the
    /// booking has one. A mail that cannot be sent never undoes a booking: it is logged.
    pub(crate) async fn notify(
        &self,
        catalogue: &Catalogue,
        booking: &Booking,
        text: impl Fn(&dyn Texts, &Appointment) -> MailText,
    ) {
        let receipt = booking
            .receipt
            .as_ref()
            .filter(|_| booking.status == BookingStatus::Active);
        let mut mail = compose(
            &booking.notify,
            &booking.attendee.full_name(),
            booking.language,
            Requested::ByTheRecipient,
            |t| {
                let mut part = text(t, &appointment(catalogue, booking, t.language()));
                if receipt.is_some() {
                    part.paragraphs.push(t.receipt_attached().to_owned());
                }
                part
            },
        );
        if let Some(receipt) = receipt {
            mail.attachments.push(Attachment {
                filename: receipt_filename(&booking.id),
                content_type: "application/pdf",
                content: receipt_document(catalogue, booking, receipt),
            });
        }
        if let Err(error) = self.mailer.send(&mail).await {
            warn!(booking_id = %booking.id, error = format!("{error:#}"), "booking e-mail not sent");
        }
    }
}

/// The `cursor` of a list's query, if any; one this service did not write is named.
pub(crate) fn cursor_of(
    query: &BTreeMap<String, String>,
    problems: &mut Problems,
) -> Option<Cursor> {
    query
        .get("cursor")
        .filter(|text| !text.is_empty())
        .and_then(|text| problems.check("cursor", Cursor::parse(text)))
}

/// The service and place asked for; unknown ids are named.
pub(crate) fn locate<'a>(
    catalogue: &'a Catalogue,
    service: &str,
    office: &str,
    site: Option<&str>,
) -> Result<(&'a Service, Place<'a>)> {
    catalogue.place(service, office, site).map_err(|problems| {
        problems.into_iter().fold(
            Error::new(Code::ValidationFailed),
            |error, (field, problem)| error.field(field, problem),
        )
    })
}

/// Who books (individual or organisation) and who attends.
fn attendee(
    caller: &Caller,
    service: &Service,
    request: &BookingRequest,
) -> Result<(Booker, Attendee)> {
    match &caller.account.holder {
        Holder::Person(person) => {
            // ACC-1: Italian citizens may register, but no service is bookable for them.
            if person.citizenship == Country::ITALY || !service.bookable_by(Booker::Individual) {
                return Err(Code::ServiceNotBookable.into());
            }
            if request.beneficiary.is_some() {
                return Err(Error::invalid("beneficiary", Problem::NotAllowed));
            }
            let attendee = Attendee {
                surname: person.surname.clone(),
                given_names: person.given_names.clone(),
                birth_date: person.birth_date,
                document: Some(person.document.clone()),
            };
            Ok((Booker::Individual, attendee))
        }
        Holder::Organisation(_) | Holder::Office(_) => {
            let booker = if matches!(caller.account.holder, Holder::Office(_)) {
                Booker::Office
            } else {
                Booker::Organisation
            };
            if !service.bookable_by(booker) {
                return Err(Code::ServiceNotBookable.into());
            }
            // Office staff book at their own office only.
            if booker == Booker::Office && !caller.account.is_staff_of(&request.office) {
                return Err(Code::Forbidden.into());
            }
            let beneficiary = request
                .beneficiary
                .clone()
                .ok_or_else(|| Error::invalid("beneficiary", Problem::Required))?;
            Ok((booker, beneficiary))
        }
    }
}

/// A person appears once in a booking: two operations on one hold cannot share a transaction,
/// and a child cannot be attached twice.
fn check_people(attendee: &Attendee, children: &[Attendee]) -> Result<()> {
    let mut seen: HashSet<String> = attendee.identity_keys().into_iter().collect();
    let mut problems = Problems::default();
    for (index, child) in children.iter().enumerate() {
        let keys = child.identity_keys();
        if keys.iter().any(|key| seen.contains(key)) {
            problems.add(format!("children.{index}"), Problem::AlreadyUsed);
        }
        seen.extend(keys);
    }
    problems.into_result()
}

/// Whether every child is still under the age limit on `date` (BK-8).
pub(crate) fn children_under_age(children: &[Attendee], date: NaiveDate) -> bool {
    children
        .iter()
        .all(|child| age_on(child.birth_date, date) < CHILD_AGE_LIMIT)
}

fn check_children_on(children: &[Attendee], date: NaiveDate) -> Result<()> {
    let mut problems = Problems::default();
    for (index, child) in children.iter().enumerate() {
        if age_on(child.birth_date, date) >= CHILD_AGE_LIMIT {
            problems.add(format!("children.{index}.birth_date"), Problem::NotAChild);
        }
    }
    problems.into_result()
}

/// What a booking request settles before any slot is tried.
struct Draft<'a> {
    caller: &'a Caller,
    booker: Booker,
    place: &'a Place<'a>,
    service: &'a Service,
    attendee: &'a Attendee,
    request: &'a BookingRequest,
    access: Access,
    idempotency: Option<&'a IdempotencyClaim>,
    daily_changes: Option<&'a DailyChanges>,
}

impl Draft<'_> {
    /// The booking of this request in `slot`, holding a place of `pool`.
    fn booking(&self, slot: &FreeSlot, pool: Pool, now: DateTime<Utc>) -> Booking {
        let mut booking = Booking {
            id: BookingId::generate(),
            status: BookingStatus::Active,
            service: self.service.id.clone(),
            office: self.place.office.id.clone(),
            site: self.place.site.id.clone(),
            section: self.place.section.id.clone(),
            date: slot.date,
            time: slot.time,
            starts_at: slot.starts_at,
            pool,
            attendee: self.attendee.clone(),
            children: self.request.children.clone(),
            booked_by: self.caller.account.id,
            booker: self.booker,
            notify: self.caller.account.email.clone(),
            language: self.caller.account.language,
            created_at: now,
            updated_at: now,
            version: 1,
            vulnerable: self.access == Access::Vulnerable,
            office_change: None,
            holds: Vec::new(),
            receipt: None,
        };
        booking.holds = booking.hold_keys();
        booking
    }
}

/// How one transaction for a slot went.
enum Tried {
    Booked(Box<Booking>),
    Full,
    Closed,
    /// Contention: nothing written; another slot (or a later try) may work.
    Busy,
    Failed(Attempt),
}

/// Why a booking request ends without a new booking: a retry of an earlier one (answered with
/// its booking), or a refusal.
enum Attempt {
    Replay {
        booking: BookingId,
        fingerprint: String,
    },
    Refused(Error),
}

impl From<Error> for Attempt {
    fn from(error: Error) -> Self {
        Attempt::Refused(error)
    }
}

/// The office's note on a move or cancellation by its staff (`reason` in the body, optional);
/// `None` when the holder makes the change themselves.
fn office_change(
    caller: &Caller,
    body: Option<&Value>,
    action: OfficeAction,
    now: DateTime<Utc>,
) -> Result<Option<OfficeChange>> {
    if !matches!(caller.account.holder, Holder::Office(_)) {
        return Ok(None);
    }
    let reason = match body {
        Some(body) => {
            let form = crate::input::Form::new(body)?;
            let mut problems = Problems::default();
            let reason = form.parse_optional(&mut problems, "reason", |text| {
                crate::types::text_line(text, crate::limits::REASON_CHARS)
            });
            problems.into_result()?;
            reason.unwrap_or_default()
        }
        None => String::new(),
    };
    Ok(Some(OfficeChange {
        action,
        reason,
        at: now,
    }))
}

/// Only an active appointment still to come can be cancelled or moved.
fn ensure_changeable(booking: &Booking, now: DateTime<Utc>) -> Result<()> {
    if booking.status != BookingStatus::Active || booking.starts_at <= now {
        return Err(Code::BookingClosed.into());
    }
    Ok(())
}

fn parse_new_slot(body: &Value) -> Result<(NaiveDate, chrono::NaiveTime)> {
    let form = crate::input::Form::new(body)?;
    let mut problems = Problems::default();
    let new_date = form.parse(&mut problems, "date", date);
    let new_time = form.parse(&mut problems, "time", crate::booking::time);
    problems.into_result()?;
    Ok((new_date.expect("checked"), new_time.expect("checked")))
}

/// The error a failed write means to the caller.
fn write_error(error: BookingWriteError, today: NaiveDate) -> Error {
    match error {
        BookingWriteError::SlotFull => Code::SlotFull.into(),
        BookingWriteError::Closed => Error::invalid("date", Problem::Closed),
        BookingWriteError::AlreadyBooked { index: 0 } => Code::AlreadyBooked.into(),
        BookingWriteError::AlreadyBooked { index } => Error::new(Code::AlreadyBooked)
            .field(format!("children.{}", index - 1), Problem::AlreadyUsed),
        BookingWriteError::TooManyChanges => Error::too_many_changes(today + Duration::days(1)),
        // Changed again after being read again: someone else is changing it right now.
        BookingWriteError::Changed => Error::new(Code::BookingClosed),
        BookingWriteError::Busy => Error::busy(Utc::now() + Duration::seconds(2)),
        BookingWriteError::Replay { .. } | BookingWriteError::IdTaken => {
            Error::internal(anyhow::anyhow!("unexpected booking write outcome"))
        }
        BookingWriteError::Failed(error) => Error::unavailable(error),
    }
}

/// An appointment's details in one language, for e-mails and receipts.
pub fn appointment(catalogue: &Catalogue, booking: &Booking, language: Language) -> Appointment {
    let service = catalogue.service(&booking.service);
    let office = catalogue.office(&booking.office);
    let site = office.and_then(|office| office.site(&booking.site));
    Appointment {
        number: booking.id.printed(),
        service: service.map_or_else(
            || booking.service.clone(),
            |s| s.name.get(language).to_owned(),
        ),
        date: booking.date,
        time: booking.time.format("%H:%M").to_string(),
        site: site.map_or_else(|| booking.site.clone(), |s| s.name.clone()),
        address: site.map_or_else(String::new, |s| s.address.clone()),
        person: booking.attendee.full_name(),
        children: booking.children.iter().map(Attendee::full_name).collect(),
        office_reason: booking
            .office_change
            .as_ref()
            .map(|change| change.reason.clone())
            .filter(|reason| !reason.is_empty()),
        documents: service
            .map(|s| {
                catalogue
                    .documents_for(s)
                    .map(|d| d.get(language).to_owned())
                    .collect()
            })
            .unwrap_or_default(),
        fees: service
            .map(|s| {
                catalogue
                    .fees_for(s)
                    .map(|f| format!("{}: {}", f.description.get(language), f.amount(language)))
                    .collect()
            })
            .unwrap_or_default(),
    }
}
