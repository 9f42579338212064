//! Personal data with a life span (GDPR art. 5(1)(e), 15, 17, 20; PD-1, PD-2).
//!
//! - A person sees everything stored about them (`GET /me/data`) and can erase their account
//!   (`DELETE /me`): appointments still to come are cancelled (their places freed at once), every
//!   booking is reduced to the statistics an office needs (service, site, day, time, outcome) and
//!   the account and its claims are deleted.
//! - Every night the retention pass does the same to the bookings whose day is
//!   `Config::retention_days` past, and to accounts unused for `Config::inactive_after` (warned by
//!   e-mail `Config::inactivity_notice` ahead). Unactivated registrations expire by themselves
//!   (the store's TTL), with their claims.
//!
//! Each step is its own transaction, so an erasure cut short leaves whole records, and running
//! it again finishes it.

use chrono::{DateTime, Duration, Months, NaiveDate, Utc};
use serde::Serialize;
use tracing::{info, instrument, warn};

use crate::App;
use crate::account::{Account, AccountView, Holder};
use crate::accounts::Caller;
use crate::booking::{Booking, BookingStatus, BookingView};
use crate::error::{Code, Error, Result};
use crate::mail::{Requested, compose};
use crate::paging::Cursor;
use crate::ports::{
    BookingChange, BookingFilter, BookingWriteError, Clock, ErasureReason, Mailer, Signer, Store,
};
use crate::texts::MailText;
use crate::time::today_in_rome;

/// `GET /me/data`: everything stored about the caller (art. 15), in a portable form (art. 20).
#[derive(Serialize)]
pub struct PersonalData<'a> {
    pub account: AccountView<'a>,
    /// Every booking the account made, with the data of each person in it.
    #[serde(serialize_with = "as_views")]
    pub bookings: Vec<Booking>,
    /// What else is kept, as codes the portal words in its languages: `password_hash` (only as
    /// an argon2id hash), `sessions_and_links` (open sessions, e-mailed links, rate-limit
    /// counters: hours, keyed by hashes), `unique_claims` (the e-mail and the document or fiscal
    /// code, kept to one account), `sent_emails` (in the sending service's logs).
    pub also_stored: Vec<&'static str>,
    pub retention: Retention,
}

fn as_views<S: serde::Serializer>(bookings: &[Booking], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(bookings.iter().map(BookingView::from))
}

/// How long data is kept, as the README explains.
#[derive(Serialize)]
pub struct Retention {
    pub booking_days_after_appointment: u32,
    pub unused_account_days: i64,
    pub unactivated_registration_hours: i64,
}

/// What an erasure did.
#[derive(Debug, Default, Serialize)]
pub struct Erasure {
    /// Appointments still to come, cancelled (their places freed).
    pub cancelled: usize,
    /// Bookings reduced to statistics.
    pub erased: usize,
}

/// What one night's retention pass did.
#[derive(Debug, Default, Serialize)]
pub struct RetentionReport {
    pub bookings_erased: usize,
    pub accounts_warned: usize,
    pub accounts_erased: usize,
}

/// How long the nightly pass erases one account (its Lambda has 15 minutes in all).
const PASS_BUDGET: Duration = Duration::minutes(5);

/// The retention pass looks this many days back past the retention time, so that a night it
/// did not run is caught up by the next ones.
const CATCH_UP_DAYS: i64 = 14;

impl<S, M, K, C> App<S, M, K, C>
where
    S: Store,
    M: Mailer,
    K: Signer,
    C: Clock,
{
    /// `GET /me/data`. Office staff see their account only: the bookings they made at the
    /// counter are the public's data, not theirs.
    pub async fn personal_data<'a>(&self, caller: &'a Caller) -> Result<PersonalData<'a>> {
        let bookings = if matches!(caller.account.holder, Holder::Office(_)) {
            Vec::new()
        } else {
            self.all_bookings_of(&caller.account).await?
        };
        Ok(PersonalData {
            account: self.account_view(&caller.account).await?,
            bookings,
            also_stored: vec![
                "password_hash",
                "sessions_and_links",
                "unique_claims",
                "sent_emails",
            ],
            retention: self.retention(),
        })
    }

    /// Every booking an account made (all pages).
    async fn all_bookings_of(&self, account: &Account) -> Result<Vec<Booking>> {
        let mut bookings = Vec::new();
        let mut from: Option<Cursor> = None;
        loop {
            let page = self
                .store
                .bookings_by(account.id, &BookingFilter::default(), from.as_ref())
                .await?;
            bookings.extend(page.items);
            from = page.next;
            if from.is_none() {
                return Ok(bookings);
            }
        }
    }

    fn retention(&self) -> Retention {
        Retention {
            booking_days_after_appointment: self.config.retention_days,
            unused_account_days: self.config.inactive_after.num_days(),
            unactivated_registration_hours: self.config.activation_link_valid.num_hours(),
        }
    }

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
    async fn erase_account(
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
    async fn erase_booking(&self, booking: Booking, now: DateTime<Utc>) -> Result<()> {
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

    /// The nightly retention pass (PD-1): bookings whose day is past the retention time lose
    /// their personal data; unused accounts are warned, then erased.
    #[instrument(skip_all)]
    pub async fn retention_pass(&self) -> Result<RetentionReport> {
        let now = self.clock.now();
        let mut report = RetentionReport::default();
        let catalogue = self.store.catalogue().await?;
        let last = today_in_rome(now) - Duration::days(i64::from(self.config.retention_days));
        let mut failed = 0;
        for office in &catalogue.offices {
            for back in 0..=CATCH_UP_DAYS {
                let day = last - Duration::days(back);
                report.bookings_erased += self.erase_day(&office.id, day, now, &mut failed).await?;
            }
        }
        self.unused_accounts(now, &mut report).await?;
        // Erasures that did not finish within their request.
        for (id, reason) in self.store.pending_erasures().await? {
            match self.store.account(id).await? {
                Some(account) => {
                    let erased = self.erase_account(&account, reason, PASS_BUDGET);
                    if Box::pin(erased).await?.is_some() {
                        report.accounts_erased += 1;
                    }
                }
                None => self.store.finish_erasure(id).await?,
            }
        }
        info!(?report, "retention pass");
        if failed > 0 {
            return Err(Error::unavailable(anyhow::anyhow!(
                "retention: {failed} bookings still to erase"
            )));
        }
        Ok(report)
    }

    /// Every booking of an office's day, reduced to statistics.
    async fn erase_day(
        &self,
        office: &str,
        day: NaiveDate,
        now: DateTime<Utc>,
        failed: &mut usize,
    ) -> Result<usize> {
        let mut erased = 0;
        let mut from: Option<Cursor> = None;
        loop {
            let page = self.store.agenda(office, day, None, from.as_ref()).await?;
            // One booking that fails does not stop the rest (the pass fails at the end, and
            // the next night's run catches it up).
            for booking in page.items {
                match Box::pin(self.erase_booking(booking, now)).await {
                    Ok(()) => erased += 1,
                    Err(error) => {
                        warn!(error = ?error, "retention: a booking not erased");
                        *failed += 1;
                    }
                }
            }
            from = page.next;
            if from.is_none() {
                return Ok(erased);
            }
        }
    }

    /// Accounts unused since `inactive_after` ago: warned `inactivity_notice` before, erased
    /// once the notice has run and they are still unused. They are found by the month of their
    /// last use, a few months back so that missed nights are caught up.
    async fn unused_accounts(
        &self,
        now: DateTime<Utc>,
        report: &mut RetentionReport,
    ) -> Result<()> {
        let warn_before = now - self.config.inactive_after + self.config.inactivity_notice;
        let mut month = warn_before - Months::new(3);
        while month <= warn_before {
            let mut from: Option<Cursor> = None;
            loop {
                let key = month.format("%Y-%m").to_string();
                let page = self
                    .store
                    .accounts_last_seen_in(&key, from.as_ref())
                    .await?;
                for account in page.items {
                    self.unused_account(account, now, report).await?;
                }
                from = page.next;
                if from.is_none() {
                    break;
                }
            }
            month = month + Months::new(1);
        }
        Ok(())
    }

    async fn unused_account(
        &self,
        account: Account,
        now: DateTime<Utc>,
        report: &mut RetentionReport,
    ) -> Result<()> {
        let last_used = account.last_seen_at.unwrap_or(account.created_at);
        let erase_on = last_used + self.config.inactive_after;
        if erase_on - self.config.inactivity_notice > now || account.expired(now) {
            return Ok(());
        }
        match account.inactivity_warned_at {
            Some(warned) if warned + self.config.inactivity_notice <= now && erase_on <= now => {
                let erased = self.erase_account(&account, ErasureReason::Unused, PASS_BUDGET);
                if Box::pin(erased).await?.is_some() {
                    report.accounts_erased += 1;
                }
            }
            Some(_) => {}
            None => {
                let warned = Account {
                    inactivity_warned_at: Some(now),
                    version: account.version + 1,
                    ..account.clone()
                };
                // Used meanwhile (its version moved on): nothing to warn about.
                if self.store.save_account(&warned).await? {
                    let on = today_in_rome(now + self.config.inactivity_notice);
                    let portal = self.config.portal_url.clone();
                    self.tell(&warned, |t| t.inactivity_warning(on, &portal))
                        .await;
                    report.accounts_warned += 1;
                }
            }
        }
        Ok(())
    }

    /// A notice to an account's holder; one that cannot be sent is logged (the erasure stands).
    async fn tell(&self, account: &Account, text: impl Fn(&dyn crate::texts::Texts) -> MailText) {
        let mail = compose(
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

fn write_failure(error: BookingWriteError) -> Error {
    match error {
        BookingWriteError::Failed(error) => Error::unavailable(error),
        other => Error::internal(anyhow::anyhow!("erasing a booking: {other:?}")),
    }
}
