//! The day at the counter: the agenda of a site (OF-1), check-in, and the end-of-day pass that
//! marks the appointments nobody came to.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use tracing::{info, instrument, warn};

use crate::App;
use crate::accounts::Caller;
use crate::bookings::{Booking, BookingStatus, cursor_of};
use crate::error::{Code, Error, Problems, Result};
use crate::office::{Job, Run, asked_office, check_own_site, staff_office};
use crate::paging::Cursor;
use crate::ports::{BookingChange, BookingWriteError, Clock, Store};
use crate::time::today_in_rome;

/// How many appointments of an office's day the end-of-day pass found nobody came to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoShows {
    pub office: String,
    pub date: NaiveDate,
    pub no_shows: usize,
}

/// An office's day at the counter.
pub struct Agenda {
    pub office: String,
    pub date: NaiveDate,
    pub site: Option<String>,
    /// One page of the day's appointments, and where the next starts.
    pub appointments: Vec<Booking>,
    pub next: Option<Cursor>,
}

impl<S, M, K, C, D> App<S, M, K, C, D>
where
    S: Store,
    C: Clock,
{
    /// `GET /office/agenda?date=&site=`: the day's appointments, by site and time.
    pub async fn office_agenda(
        &self,
        caller: &Caller,
        query: &BTreeMap<String, String>,
    ) -> Result<Agenda> {
        let office_id = asked_office(caller, query)?.to_owned();
        let mut problems = Problems::default();
        let day = self.asked_day(query, &mut problems);
        let site = query.get("site").filter(|s| !s.is_empty()).cloned();
        let from = cursor_of(query, &mut problems);
        let catalogue = self.store.catalogue().await?;
        let office = catalogue.office(&office_id).ok_or(Code::NotFound)?;
        check_own_site(&catalogue, office, site.as_deref(), &mut problems)?;
        problems.into_result()?;
        let day = day.expect("checked");
        let page = self
            .store
            .agenda(&office_id, day, site.as_deref(), from.as_ref())
            .await?;
        Ok(Agenda {
            office: office_id,
            date: day,
            next: page.next,
            appointments: page.items,
            site,
        })
    }

    /// `POST /office/bookings/{id}/check-in`: the person came. The place stays counted; the
    /// person may book the service again later.
    #[instrument(skip_all, fields(account_id = %caller.account.id))]
    pub async fn check_in(&self, caller: &Caller, id: &str) -> Result<Booking> {
        staff_office(caller)?;
        let now = self.clock.now();
        let previous = self.booking_of(caller, id).await?;
        if previous.status != BookingStatus::Active || previous.date != today_in_rome(now) {
            return Err(Code::BookingClosed.into());
        }
        self.end(&previous, BookingStatus::CheckedIn, now).await
    }

    /// Ends a booking (checked in, no-show): the place stays counted, the holds go.
    async fn end(
        &self,
        previous: &Booking,
        status: BookingStatus,
        now: DateTime<Utc>,
    ) -> Result<Booking> {
        let ended = Booking {
            status,
            updated_at: now,
            version: previous.version + 1,
            ..previous.clone()
        };
        self.store
            .change_booking(BookingChange::End {
                previous,
                ended: &ended,
            })
            .await
            .map_err(|error| match error {
                BookingWriteError::Changed => Error::new(Code::BookingClosed),
                BookingWriteError::Failed(error) => Error::unavailable(error),
                other => Error::internal(anyhow::anyhow!(
                    "unexpected outcome ending a booking: {other:?}"
                )),
            })?;
        Ok(ended)
    }

    /// End of day (BK-9): the appointments nobody came to become `no_show`, which frees each
    /// person to book that service again; for every office, on each day of the run (the days
    /// due catch up a failed or missed pass: `office::jobs`). Answers how many per office and
    /// day. One office or day that fails does not stop the others; the run fails at the end, so
    /// that the scheduler tries again (what was done stays done).
    #[instrument(skip_all, fields(?run))]
    pub async fn end_of_day(&self, run: Run) -> Result<Vec<NoShows>> {
        let now = self.clock.now();
        let catalogue = self.store.catalogue().await?;
        let (mut done, mut failed) = (Vec::new(), 0);
        for office in &catalogue.offices {
            let (days, mut progress) = match self.days_to_run(Job::EndOfDay, &office.id, run).await
            {
                Ok(planned) => planned,
                Err(error) => {
                    warn!(office = %office.id, error = ?error, "end of day: the progress unread");
                    failed += 1;
                    continue;
                }
            };
            for day in days {
                let ended = self.end_office_day(&office.id, day, now).await;
                self.day_done(&mut progress, day, ended.is_ok()).await;
                match ended {
                    Ok(no_shows) => done.push(NoShows {
                        office: office.id.clone(),
                        date: day,
                        no_shows,
                    }),
                    Err(error) => {
                        warn!(office = %office.id, %day, error = ?error, "end of day failed");
                        failed += 1;
                    }
                }
            }
        }
        if failed > 0 {
            return Err(Error::unavailable(anyhow::anyhow!(
                "end of day: {failed} office days failed"
            )));
        }
        info!(days = done.len(), "end of day");
        Ok(done)
    }

    /// One office's day: its past appointments still open become no-shows. One that fails does
    /// not stop the others; the day then fails, to be done again (done again, it changes
    /// nothing).
    async fn end_office_day(
        &self,
        office: &str,
        day: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let (mut missed, mut first_error) = (0, None);
        for booking in self.day(office, day).await? {
            if booking.status == BookingStatus::Active && booking.starts_at < now {
                match self.end(&booking, BookingStatus::NoShow, now).await {
                    Ok(_) => missed += 1,
                    // Checked in meanwhile: nothing to do.
                    Err(error) if error.code == Code::BookingClosed => {}
                    Err(error) => {
                        first_error.get_or_insert(error);
                    }
                }
            }
        }
        first_error.map_or(Ok(missed), Err)
    }

    /// Every booking of an office's day (its agenda, all statuses), page after page.
    pub(crate) async fn day(&self, office: &str, day: NaiveDate) -> Result<Vec<Booking>> {
        let mut bookings = Vec::new();
        let mut from = None;
        loop {
            let page = self.store.agenda(office, day, None, from.as_ref()).await?;
            bookings.extend(page.items);
            from = page.next;
            if from.is_none() {
                return Ok(bookings);
            }
        }
    }
}
