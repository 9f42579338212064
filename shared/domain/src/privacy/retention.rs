//! The nightly retention pass (PD-1): bookings past their keeping time and unused accounts erased.

use chrono::{DateTime, Duration, Months, NaiveDate, Utc};
use serde::Serialize;
use tracing::{info, instrument, warn};

use crate::App;
use crate::accounts::Account;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::paging::Cursor;
use crate::ports::{Clock, ErasureReason, Mailer, Store};
use crate::time::today_in_rome;

/// How long data is kept, as the README explains.
#[derive(Serialize)]
pub struct Retention {
    pub booking_days_after_appointment: u32,
    pub unused_account_days: i64,
    pub unactivated_registration_hours: i64,
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

impl Retention {
    /// How long data is kept under the deployment's settings.
    pub(crate) fn of(config: &Config) -> Retention {
        Retention {
            booking_days_after_appointment: config.retention_days,
            unused_account_days: config.inactive_after.num_days(),
            unactivated_registration_hours: config.activation_link_valid.num_hours(),
        }
    }
}

impl<S, M, K, C, D> App<S, M, K, C, D>
where
    S: Store,
    M: Mailer,
    C: Clock,
{
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
}
