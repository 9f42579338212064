//! `POST /bookings` (BK-1, BK-2, BK-3, BK-8, BK-10): a place taken in one transaction, a retry
//! answered with the booking it made.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde_json::Value;
use tracing::{Span, instrument};

use crate::App;
use crate::accounts::{Booker, Caller, Holder};
use crate::bookings::{
    Access, Attendee, Booking, BookingId, BookingRequest, BookingStatus, CONTENDED_TRIES,
    DailyChanges, FIRST_REACH_DAYS, FreeSlot, ID_ATTEMPTS, Pool, access, check_children_on,
    check_people, children_under_age, daily_changes, fingerprint, locate, new_booking_id,
    parse_booking_request, pick,
};
use crate::catalogue::{Place, Service};
use crate::error::{Code, Error, Problem, Result};
use crate::ports::{BookingWriteError, Clock, Counts, IdempotencyClaim, Store};
use crate::secrets::counter_key;
use crate::time::today_in_rome;
use crate::types::Country;

/// Who books (individual, organisation or office) and who attends, at `office`: a person
/// themselves, an organisation or the office its `beneficiary`. Draws' entries follow the same
/// rules.
pub(crate) fn attendee(
    caller: &Caller,
    service: &Service,
    office: &str,
    beneficiary: Option<&Attendee>,
) -> Result<(Booker, Attendee)> {
    match &caller.account.holder {
        Holder::Person(person) => {
            // ACC-1: Italian citizens may register, but no service is bookable for them.
            if person.citizenship == Country::ITALY || !service.bookable_by(Booker::Individual) {
                return Err(Code::ServiceNotBookable.into());
            }
            if beneficiary.is_some() {
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
            if booker == Booker::Office && !caller.account.is_staff_of(office) {
                return Err(Code::Forbidden.into());
            }
            let beneficiary = beneficiary
                .cloned()
                .ok_or_else(|| Error::invalid("beneficiary", Problem::Required))?;
            Ok((booker, beneficiary))
        }
    }
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
            id: new_booking_id(),
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
            release: None,
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

/// The error a failed write means to the caller.
pub(crate) fn write_error(error: BookingWriteError, today: NaiveDate) -> Error {
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

impl<S, M, K, C, D> App<S, M, K, C, D>
where
    S: Store,
    C: Clock,
{
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
        let (booker, attendee) = attendee(
            caller,
            service,
            &request.office,
            request.beneficiary.as_ref(),
        )?;
        let access = access(&caller.account, &place, request.vulnerable)?;
        check_people(&attendee, &request.children)?;
        let daily_changes = daily_changes(&self.config, &caller.account, &attendee, now, true);
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
        // Its confirmation, with the receipt, was written with it: the notifier sends it.
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
}
