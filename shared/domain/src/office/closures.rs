//! `POST /office/closures` (OF-3): an extraordinary closure of a day; each appointment hit is
//! moved to the nearest free slot or cancelled, and its holder told.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde_json::Value;
use tracing::{info, instrument, warn};

use crate::App;
use crate::accounts::Caller;
use crate::bookings::{
    Booking, BookingStatus, CHANGE_ATTEMPTS, OfficeAction, OfficeChange, children_under_age, locate,
};
use crate::catalogue::Catalogue;
use crate::error::{Code, Error, Problem, Problems, Result};
use crate::input::Form;
use crate::office::{check_own_site, staff_office};
use crate::ports::{BookingWriteError, Clock, Counts, Store};
use crate::time::today_in_rome;
use crate::types::{date, text_line};

/// What an extraordinary closure did.
pub struct Closure {
    pub date: NaiveDate,
    pub sites: Vec<String>,
    /// Each appointment it moved or cancelled, in the closed day's order.
    pub changes: Vec<ClosureChange>,
    /// Appointments it could not handle now (the store failing): the same closure run again
    /// handles them, telling nobody twice.
    pub pending: usize,
}

/// What a closure did to one appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClosureOutcome {
    /// To the first free time after the closed day.
    Moved,
    /// No free time within the horizon.
    Cancelled,
}

/// One appointment of a closed day, moved or cancelled.
pub struct ClosureChange {
    /// Where and when it was.
    pub site: String,
    pub time: NaiveTime,
    pub outcome: ClosureOutcome,
    /// As it is now: on its new day, or cancelled.
    pub booking: Booking,
}

impl Closure {
    fn count(&self, outcome: ClosureOutcome) -> usize {
        self.changes.iter().filter(|c| c.outcome == outcome).count()
    }

    pub fn moved(&self) -> usize {
        self.count(ClosureOutcome::Moved)
    }

    pub fn cancelled(&self) -> usize {
        self.count(ClosureOutcome::Cancelled)
    }
}

impl<S, M, K, C, D> App<S, M, K, C, D>
where
    S: Store,
    C: Clock,
{
    /// `POST /office/closures`: an extraordinary closure of a site (or of the whole office) on a
    /// day. The day is closed first, so nobody books it meanwhile; then every appointment it
    /// hits is moved to the first free slot after it, or cancelled where none is free, and each
    /// holder gets one e-mail. Answers what became of each, and how many are left to handle.
    #[instrument(skip_all, fields(account_id = %caller.account.id))]
    pub async fn close(&self, caller: &Caller, body: &Value) -> Result<Closure> {
        let office_id = staff_office(caller)?.to_owned();
        let now = self.clock.now();
        let form = Form::new(body)?;
        let mut problems = Problems::default();
        let day = form.parse(&mut problems, "date", |text| {
            let day = date(text)?;
            if day < today_in_rome(now) {
                Err(Problem::InPast)
            } else {
                Ok(day)
            }
        });
        let reason = form.parse(&mut problems, "reason", |text| {
            text_line(text, crate::limits::REASON_CHARS)
        });
        let site = form.optional_text(&mut problems, "site").map(str::to_owned);
        let catalogue = self.store.catalogue().await?;
        let office = catalogue.office(&office_id).ok_or(Code::NotFound)?;
        check_own_site(&catalogue, office, site.as_deref(), &mut problems)?;
        problems.into_result()?;
        let (day, reason) = (day.expect("checked"), reason.expect("checked"));
        let sites: Vec<_> = office
            .sites
            .iter()
            .filter(|s| site.as_ref().is_none_or(|id| &s.id == id))
            .collect();
        for site in &sites {
            self.store
                .close_site(&office_id, site, day, &reason)
                .await?;
        }

        let site_ids: Vec<String> = sites.iter().map(|s| s.id.clone()).collect();
        let hit: Vec<Booking> = self
            .day(&office_id, day)
            .await?
            .into_iter()
            .filter(|b| b.status == BookingStatus::Active && site_ids.contains(&b.site))
            .collect();
        let mut changes = Vec::new();
        // Each holder is told why, in the office's words.
        let closure = |action| {
            Some(OfficeChange {
                action,
                reason: reason.clone(),
                at: now,
            })
        };
        let mut pending = 0;
        for booking in hit {
            let (site, time) = (booking.site.clone(), booking.time);
            // One appointment that cannot be handled now does not stop the others, nor hides
            // what was done to them: the answer says how many are left for another run.
            match Box::pin(self.rehome(&catalogue, booking, &closure, now)).await {
                Ok(Some((outcome, booking))) => changes.push(ClosureChange {
                    site,
                    time,
                    outcome,
                    booking,
                }),
                // No longer active (cancelled or ended meanwhile).
                Ok(None) => {}
                Err(error) => {
                    warn!(error = ?error, "an appointment hit by a closure is still to handle");
                    pending += 1;
                }
            }
        }
        let closure = Closure {
            date: day,
            sites: site_ids,
            changes,
            pending,
        };
        info!(office = %office_id, %day, moved = closure.moved(), cancelled = closure.cancelled(), pending, "closure");
        Ok(closure)
    }

    /// Moves an appointment of a closed day to the first free slot after it, or cancels it
    /// where none is free within the horizon, and tells its holder. One changed meanwhile (by
    /// its holder, or another run of the closure) is read again; one no longer active is left.
    async fn rehome(
        &self,
        catalogue: &Catalogue,
        booking: Booking,
        closure: &impl Fn(OfficeAction) -> Option<OfficeChange>,
        now: DateTime<Utc>,
    ) -> Result<Option<(ClosureOutcome, Booking)>> {
        let mut booking = booking;
        for _ in 0..CHANGE_ATTEMPTS {
            if booking.status != BookingStatus::Active {
                return Ok(None);
            }
            let outcome = match self
                .move_after_closure(catalogue, &booking, closure(OfficeAction::Moved), now)
                .await?
            {
                Some(moved) => Ok((ClosureOutcome::Moved, moved)),
                None => self
                    .cancel_change(&booking, now, (None, closure(OfficeAction::Cancelled)))
                    .await
                    .map(|gone| (ClosureOutcome::Cancelled, gone)),
            };
            match outcome {
                // Each change wrote its notice: the notifier tells the holder.
                Ok(changed) => return Ok(Some(changed)),
                Err(BookingWriteError::Changed) => match self.store.booking(&booking.id).await? {
                    Some(fresh) => booking = fresh,
                    None => return Ok(None),
                },
                Err(BookingWriteError::Failed(error)) => return Err(Error::unavailable(error)),
                Err(other) => {
                    return Err(Error::unavailable(anyhow::anyhow!(
                        "handling a closed day's appointment: {other:?}"
                    )));
                }
            }
        }
        Err(Error::unavailable(anyhow::anyhow!(
            "an appointment of a closed day kept changing"
        )))
    }

    /// The first free slot after a closed day for a booking, taken; `None` if there is none
    /// within the horizon. A slot taken meanwhile is passed over for the next.
    async fn move_after_closure(
        &self,
        catalogue: &Catalogue,
        booking: &Booking,
        note: Option<OfficeChange>,
        now: DateTime<Utc>,
    ) -> std::result::Result<Option<Booking>, Error> {
        let (_, place) = locate(
            catalogue,
            &booking.service,
            &booking.office,
            Some(&booking.site),
        )?;
        let from = booking.date + Duration::days(1);
        let to = today_in_rome(now) + Duration::days(i64::from(self.config.booking_horizon_days));
        let days = u32::try_from((to - from).num_days() + 1).unwrap_or(0);
        let counts = self
            .store
            .slot_counts(&place, from, to, Counts::Current)
            .await?;
        let free = place.free_slots(&counts, from, days, now, booking.access());
        for slot in free
            .iter()
            .filter(|slot| children_under_age(&booking.children, slot.date))
        {
            match self
                .move_booking(
                    booking,
                    &place,
                    (slot.date, slot.time, slot.starts_at),
                    (None, note.clone()),
                    now,
                )
                .await
            {
                Ok(moved) => return Ok(Some(moved)),
                Err(
                    BookingWriteError::SlotFull
                    | BookingWriteError::Closed
                    | BookingWriteError::Busy,
                ) => {
                    continue;
                }
                Err(BookingWriteError::Changed) => {
                    return Err(Error::new(Code::BookingClosed));
                }
                Err(BookingWriteError::Failed(error)) => return Err(Error::unavailable(error)),
                Err(other) => {
                    return Err(Error::internal(anyhow::anyhow!(
                        "moving after a closure: {other:?}"
                    )));
                }
            }
        }
        Ok(None)
    }
}
