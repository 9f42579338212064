//! `POST /office/closures` (OF-3): an extraordinary closure of a day; each appointment hit is
//! moved to the nearest free slot or cancelled, and its holder told.
//!
//! The request only closes the day (nobody books it from then on) and writes the closure's job;
//! it answers 202 at once. The job is run off the request path (`functions/closures`: the
//! table's stream brings it at once, a schedule resumes any left unfinished), one appointment
//! at a time, each recorded just before it is handled: a run that dies half-way is finished by
//! the next, which finds only what is still to do, and nobody is told twice (each change's
//! notice is written with it, once). `GET /office/closures/{id}` reads the progress.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde_json::Value;
use tracing::{info, instrument, warn};

use crate::App;
use crate::accounts::Caller;
use crate::bookings::{
    Booking, BookingId, BookingStatus, CHANGE_ATTEMPTS, OfficeAction, OfficeChange,
    children_under_age, locate, new_booking_id,
};
use crate::catalogue::Catalogue;
use crate::error::{Code, Error, Problem, Problems, Result};
use crate::input::Form;
use crate::office::closure_job::{CLOSURE_LEASE_SECONDS, ClosureJob, ClosureOutcome, ClosureStep};
use crate::office::{check_own_site, staff_office};
use crate::ports::{BookingWriteError, Clock, Counts, Store};
use crate::time::today_in_rome;
use crate::types::{date, text_line};

/// What an extraordinary closure did so far.
pub struct Closure {
    pub id: String,
    /// Every appointment it hits handled (`pending` may still count some the store failed on).
    pub done: bool,
    pub date: NaiveDate,
    pub sites: Vec<String>,
    /// Each appointment it moved or cancelled, in the closed day's order.
    pub changes: Vec<ClosureChange>,
    /// Appointments it could not handle yet (the store failing): the next run handles them,
    /// telling nobody twice.
    pub pending: usize,
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
    /// day. The day is closed first, so nobody books it meanwhile; then the job that moves or
    /// cancels every appointment it hits is written, to run off the request path. Answers the
    /// job, just begun.
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
        let job = ClosureJob {
            // A booking number's alphabet and length: random, and read aloud without mistakes.
            id: new_booking_id().as_str().to_owned(),
            office: office_id,
            date: day,
            sites: sites.iter().map(|s| s.id.clone()).collect(),
            reason,
            created_at: now,
            done: false,
            leased_until: None,
        };
        self.store.create_closure_job(&job).await?;
        let pending = self.still_hit(&job).await?.len();
        info!(office = %job.office, %day, job = %job.id, pending, "closure begun");
        Ok(Closure {
            id: job.id,
            done: false,
            date: day,
            sites: job.sites,
            changes: Vec::new(),
            pending,
        })
    }

    /// `GET /office/closures/{id}`: how far the office's closure got, each appointment handled
    /// as it is now.
    #[instrument(skip_all, fields(account_id = %caller.account.id))]
    pub async fn closure(&self, caller: &Caller, id: &str) -> Result<Closure> {
        let office = staff_office(caller)?;
        // A job's id is a booking number's kind: anything else names no job.
        let id = BookingId::parse(id).ok_or(Code::NotFound)?;
        let (job, steps) = self
            .store
            .closure_job(office, id.as_str())
            .await?
            .ok_or(Code::NotFound)?;
        let ids: Vec<BookingId> = steps.iter().map(|step| step.booking.clone()).collect();
        let bookings = self.store.bookings(&ids).await?;
        let mut steps = steps;
        steps.sort_by(|a, b| (a.time, &a.site).cmp(&(b.time, &b.site)));
        let changes = steps
            .into_iter()
            .filter_map(|step| {
                let booking = bookings.iter().find(|b| b.id == step.booking)?.clone();
                Some(ClosureChange {
                    outcome: closure_outcome(&booking, &job)?,
                    site: step.site,
                    time: step.time,
                    booking,
                })
            })
            .collect();
        // What is left: the closed day's appointments still active (none once done).
        let pending = if job.done {
            0
        } else {
            self.still_hit(&job).await?.len()
        };
        Ok(Closure {
            id: job.id,
            done: job.done,
            date: job.date,
            sites: job.sites,
            changes,
            pending,
        })
    }

    /// Runs a closure's job (`functions/closures`): every appointment of the closed day still
    /// active is moved or cancelled, one at a time, each recorded just before it is handled.
    /// Held by one run at a time (a lease); a run that died leaves its lease to run out, and the
    /// next finds only what is still to do. One appointment the store fails on does not stop the
    /// others: the job then stays open for the next run. Answers whether the job is done.
    #[instrument(skip_all, fields(office = %office, job = %id))]
    pub async fn run_closure(&self, office: &str, id: &str) -> Result<bool> {
        let now = self.clock.now();
        let Some((job, _)) = self.store.closure_job(office, id).await? else {
            return Ok(true);
        };
        if job.done || job.leased_until.is_some_and(|until| until > now) {
            return Ok(job.done);
        }
        let lease = now + Duration::seconds(CLOSURE_LEASE_SECONDS);
        if !self.store.claim_closure_job(&job, now, lease).await? {
            return Ok(false);
        }
        let catalogue = self.store.catalogue().await?;
        // Each holder is told why, in the office's words.
        let note = |action| {
            Some(OfficeChange {
                action,
                reason: job.reason.clone(),
                at: now,
            })
        };
        let mut pending = 0;
        for booking in self.still_hit(&job).await? {
            // Recorded first: a run that dies after the change still accounts for it.
            let step = ClosureStep {
                booking: booking.id.clone(),
                site: booking.site.clone(),
                time: booking.time,
            };
            self.store.record_closure_step(&job, &step).await?;
            match Box::pin(self.rehome(&catalogue, booking, &note, now)).await {
                Ok(_) => {}
                Err(error) => {
                    warn!(error = ?error, "an appointment hit by a closure is still to handle");
                    pending += 1;
                }
            }
        }
        let done = pending == 0;
        self.store.release_closure_job(&job, lease, done).await?;
        info!(done, pending, "closure run");
        Ok(done)
    }

    /// The closures whose runs died or stopped with appointments left, resumed (the schedule's
    /// safety net; the stream starts each new one). Answers how many are done now.
    #[instrument(skip_all)]
    pub async fn resume_closures(&self) -> Result<usize> {
        let (mut done, mut failed) = (0, 0);
        // One job the store fails on does not stop the others; the pass then fails.
        for (office, id) in self.store.open_closure_jobs().await? {
            match self.run_closure(&office, &id).await {
                Ok(true) => done += 1,
                Ok(false) => {}
                Err(error) => {
                    warn!(%office, job = %id, error = ?error, "a closure's run failed");
                    failed += 1;
                }
            }
        }
        if failed > 0 {
            return Err(Error::unavailable(anyhow::anyhow!(
                "closures: {failed} runs failed"
            )));
        }
        Ok(done)
    }

    /// The appointments of a closure's day and sites still active.
    async fn still_hit(&self, job: &ClosureJob) -> Result<Vec<Booking>> {
        Ok(self
            .day(&job.office, job.date)
            .await?
            .into_iter()
            .filter(|b| b.status == BookingStatus::Active && job.sites.contains(&b.site))
            .collect())
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
        // The day's agenda is an index, read a moment late: one already moved off the closed
        // day (by an earlier run) is seen on it still, and must not be moved again.
        let closed_day = booking.date;
        let mut booking = booking;
        for _ in 0..CHANGE_ATTEMPTS {
            if booking.status != BookingStatus::Active || booking.date != closed_day {
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

/// What a closure made of a booking it took on, as the booking is now: cancelled by the office,
/// or active on another day; `None` while it is still on the closed day (to handle), or if its
/// holder cancelled it first.
fn closure_outcome(booking: &Booking, job: &ClosureJob) -> Option<ClosureOutcome> {
    let by_office = |action| {
        booking
            .office_change
            .as_ref()
            .is_some_and(|change| change.action == action)
    };
    match booking.status {
        BookingStatus::Cancelled if by_office(OfficeAction::Cancelled) => {
            Some(ClosureOutcome::Cancelled)
        }
        BookingStatus::Cancelled => None,
        _ if booking.date != job.date => Some(ClosureOutcome::Moved),
        _ => None,
    }
}
