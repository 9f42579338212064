//! `DELETE /me` (PD-3): an account and its bookings' personal data erased, its entries in draws
//! deleted, and the holder told.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use tracing::{info, instrument, warn};

use crate::App;
use crate::accounts::{Account, Caller, Holder};
use crate::bookings::{Booking, BookingStatus};
use crate::error::{Code, Error, Result};
use crate::paging::Cursor;
use crate::ports::{
    BookingChange, BookingFilter, BookingWriteError, Clock, ErasureReason, Mailer, Store,
};
use crate::texts::MailText;
use crate::texts::mail::{Requested, SERVICE_NAME, compose};

/// What an erasure did.
#[derive(Debug, Default, Serialize)]
pub struct Erasure {
    /// Appointments still to come, cancelled (their places freed).
    pub cancelled: usize,
    /// Bookings reduced to statistics.
    pub erased: usize,
}

fn write_failure(error: BookingWriteError) -> Error {
    match error {
        BookingWriteError::Failed(error) => Error::unavailable(error),
        other => Error::internal(anyhow::anyhow!("erasing a booking: {other:?}")),
    }
}

impl<S, M, K, C, D> App<S, M, K, C, D>
where
    S: Store,
    M: Mailer,
    C: Clock,
{
    /// `DELETE /me` (art. 17): the caller's account is erased; the e-mail confirms it. `None`
    /// when it did not finish within `Config::erasure_budget` (an organisation with many
    /// bookings): the nightly pass finishes it, and the e-mail is sent then. Office staff are
    /// managed by their administrator.
    #[instrument(skip_all, fields(account_id = %caller.account.id))]
    pub async fn erase_own_account(&self, caller: &Caller) -> Result<Option<Erasure>> {
        if matches!(caller.account.holder, Holder::Office(_)) {
            return Err(Code::Forbidden.into());
        }
        let budget = self.config.erasure_budget;
        Box::pin(self.erase_account(&caller.account, ErasureReason::Requested, budget)).await
    }

    /// Erases an account: its appointments still to come are cancelled (places freed), the
    /// past ones end, every booking is reduced to statistics, then the account and its claims
    /// are deleted, and its holder is told. Past the budget, the erasure is noted for the
    /// nightly pass to finish (`None`). An account used meanwhile (its version moved on) is
    /// read again; one erased meanwhile is done.
    pub(crate) async fn erase_account(
        &self,
        account: &Account,
        reason: ErasureReason,
        budget: Duration,
    ) -> Result<Option<Erasure>> {
        let now = self.clock.now();
        let give_up_at = now + budget;
        let mut erasure = Erasure::default();
        let mut from: Option<Cursor> = None;
        loop {
            let page = self
                .store
                .bookings_by(account.id, &BookingFilter::default(), from.as_ref())
                .await?;
            for booking in page.items {
                if self.clock.now() > give_up_at {
                    self.store.mark_erasure(account.id, reason).await?;
                    info!(erased = erasure.erased, "erasure continues tonight");
                    return Ok(None);
                }
                let cancelled = booking.status == BookingStatus::Active && booking.starts_at > now;
                // Boxed: each erasure awaits several store calls, whose futures are large.
                Box::pin(self.erase_booking(booking, now)).await?;
                erasure.erased += 1;
                erasure.cancelled += usize::from(cancelled);
            }
            from = page.next;
            if from.is_none() {
                break;
            }
        }
        // Its entries in draws: gone, with their claims and the records of lost draws; a
        // drawn release's publication keeps only pseudonyms nobody can link to anyone now.
        for entry in self.store.entries_by(account.id).await? {
            self.store.erase_entry(&entry).await?;
        }
        let mut current = account.clone();
        loop {
            if self.store.delete_account(&current, &[]).await? {
                break;
            }
            match self.store.account(account.id).await? {
                Some(fresh) => current = fresh,
                None => break,
            }
        }
        self.store.finish_erasure(account.id).await?;
        let cancelled = erasure.cancelled;
        match reason {
            ErasureReason::Requested => self.tell(&current, |t| t.account_erased(cancelled)).await,
            ErasureReason::Unused => self.tell(&current, |t| t.erased_for_inactivity()).await,
        }
        info!(cancelled, erased = erasure.erased, "account erased");
        Ok(Some(erasure))
    }

    /// Reduces one booking to statistics: an appointment still to come is cancelled first (its
    /// place is free again, its holds released); a past one still active ends as missed.
    pub(crate) async fn erase_booking(&self, booking: Booking, now: DateTime<Utc>) -> Result<()> {
        let mut booking = booking;
        loop {
            if booking.status == BookingStatus::Active {
                let ended = Booking {
                    status: if booking.starts_at > now {
                        BookingStatus::Cancelled
                    } else {
                        BookingStatus::NoShow
                    },
                    updated_at: now,
                    version: booking.version + 1,
                    ..booking.clone()
                };
                let change = if ended.status == BookingStatus::Cancelled {
                    BookingChange::Cancel {
                        previous: &booking,
                        cancelled: &ended,
                        daily_changes: None,
                        tell_holder: false,
                    }
                } else {
                    BookingChange::End {
                        previous: &booking,
                        ended: &ended,
                    }
                };
                match self.store.change_booking(change).await {
                    Ok(()) => booking = ended,
                    Err(BookingWriteError::Changed) => {
                        match self.store.booking(&booking.id).await? {
                            Some(fresh) => booking = fresh,
                            None => return Ok(()),
                        }
                        continue;
                    }
                    Err(error) => return Err(write_failure(error)),
                }
            }
            match self
                .store
                .erase_booking(&booking, &booking.erased(now))
                .await
            {
                Ok(()) => return Ok(()),
                // Changed meanwhile (by the office, or erased by a concurrent run): read again.
                Err(BookingWriteError::Changed) => match self.store.booking(&booking.id).await? {
                    Some(fresh) => booking = fresh,
                    None => return Ok(()),
                },
                Err(error) => return Err(write_failure(error)),
            }
        }
    }

    /// A notice to an account's holder; one that cannot be sent is logged (the erasure stands).
    pub(crate) async fn tell(
        &self,
        account: &Account,
        text: impl Fn(&dyn crate::texts::Texts) -> MailText,
    ) {
        let mail = compose(
            SERVICE_NAME,
            &account.email,
            &account.display_name(),
            account.language,
            Requested::ByTheRecipient,
            text,
        );
        if let Err(error) = self.mailer.send(&mail).await {
            warn!(account_id = %account.id, error = format!("{error:#}"), "privacy notice not sent");
        }
    }
}
