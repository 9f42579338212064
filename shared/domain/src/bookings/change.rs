//! `DELETE /bookings/{id}` (BK-5) and `PATCH /bookings/{id}` (BK-6): cancelling and moving, by the
//! person or by the office.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde_json::Value;
use tracing::instrument;

use crate::App;
use crate::accounts::{Caller, Holder};
use crate::bookings::{
    Booking, BookingStatus, DailyChanges, OfficeAction, OfficeChange, check_children_on,
    daily_changes, ensure_changeable, locate, write_error,
};
use crate::catalogue::Place;
use crate::error::{Code, Error, Problem, Problems, Result};
use crate::ports::{BookingChange, BookingWriteError, Clock, Store};
use crate::time::today_in_rome;
use crate::types::date;

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

fn parse_new_slot(body: &Value) -> Result<(NaiveDate, chrono::NaiveTime)> {
    let form = crate::input::Form::new(body)?;
    let mut problems = Problems::default();
    let new_date = form.parse(&mut problems, "date", date);
    let new_time = form.parse(&mut problems, "time", crate::bookings::time);
    problems.into_result()?;
    Ok((new_date.expect("checked"), new_time.expect("checked")))
}

impl<S, M, K, C, D> App<S, M, K, C, D>
where
    S: Store,
    C: Clock,
{
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
            let daily_changes = daily_changes(
                &self.config,
                &caller.account,
                &previous.attendee,
                now,
                false,
            );
            let change = (daily_changes, office_change.clone());
            match self.cancel_change(&previous, now, change).await {
                Ok(cancelled) => break cancelled,
                Err(BookingWriteError::Changed) => previous = self.reread(&previous).await?,
                Err(error) => return Err(write_error(error, today_in_rome(now))),
            }
        };
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
                tell_holder: true,
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
            let daily_changes =
                daily_changes(&self.config, &caller.account, &previous.attendee, now, true);
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
}
