//! The reminders (issue 14): two days before an appointment its holder gets an e-mail with the
//! appointment, the documents to bring, and a link to its page in the portal, where it can be
//! cancelled (a link never cancels: a mail scanner opening it changes nothing). Run each
//! evening for the appointments of the day after next, office by office, catching up as the
//! other evening jobs do (`office::jobs`).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use tracing::{info, instrument, warn};

use crate::App;
use crate::bookings::notify::sender_name;
use crate::bookings::{Booking, BookingStatus};
use crate::catalogue::Catalogue;
use crate::error::{Error, Result};
use crate::office::{Job, Run};
use crate::ports::{Clock, Mailer, Store};
use crate::texts::mail::{Requested, compose};
use crate::texts::{Appointment, Texts};

/// How many days before an appointment its holder is reminded.
pub const REMINDER_DAYS: i64 = 2;

/// How many holders of an office's appointments on a day were reminded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reminded {
    pub office: String,
    /// The appointments' day (the run's day plus `REMINDER_DAYS`).
    pub date: NaiveDate,
    pub reminded: usize,
}

impl<S, M, K, C, D> App<S, M, K, C, D>
where
    S: Store,
    M: Mailer,
    C: Clock,
{
    /// The evening's reminders, for every office on each day of the run. A booking is reminded
    /// once for its date (a marker claimed on it before sending, released if the send fails, so
    /// that the next run tries again); one moved to another day is reminded of that one. One
    /// office or day that fails does not stop the others; the run then fails, so that the
    /// scheduler tries again.
    #[instrument(skip_all, fields(?run))]
    pub async fn send_reminders(&self, run: Run) -> Result<Vec<Reminded>> {
        let now = self.clock.now();
        let catalogue = self.store.catalogue().await?;
        let (mut done, mut failed) = (Vec::new(), 0);
        for office in &catalogue.offices {
            let (days, mut progress) = match self.days_to_run(Job::Reminders, &office.id, run).await
            {
                Ok(planned) => planned,
                Err(error) => {
                    warn!(office = %office.id, error = ?error, "reminders: the progress unread");
                    failed += 1;
                    continue;
                }
            };
            for day in days {
                let date = day + Duration::days(REMINDER_DAYS);
                let sent = self.remind_day(&catalogue, &office.id, date, now).await;
                self.day_done(&mut progress, day, sent.is_ok()).await;
                match sent {
                    Ok(reminded) => done.push(Reminded {
                        office: office.id.clone(),
                        date,
                        reminded,
                    }),
                    Err(error) => {
                        warn!(office = %office.id, %date, error = ?error, "reminders failed");
                        failed += 1;
                    }
                }
            }
        }
        if failed > 0 {
            return Err(Error::unavailable(anyhow::anyhow!(
                "reminders: {failed} office days failed"
            )));
        }
        info!(days = done.len(), "reminders");
        Ok(done)
    }

    /// Reminds the holders of an office's appointments on `date` still to come and not yet
    /// reminded of it. Stops at the first that cannot be sent (its marker released).
    async fn remind_day(
        &self,
        catalogue: &Catalogue,
        office: &str,
        date: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let mut reminded = 0;
        for booking in self.day(office, date).await? {
            if booking.status != BookingStatus::Active
                || booking.starts_at <= now
                || self.refuses_mail(&booking).await?
            {
                continue;
            }
            if !self.store.mark_reminded(&booking).await? {
                continue; // reminded already, or changed meanwhile
            }
            if let Err(error) = self.remind(catalogue, &booking).await {
                self.store.unmark_reminded(&booking).await?;
                return Err(Error::unavailable(error));
            }
            reminded += 1;
        }
        Ok(reminded)
    }

    async fn remind(&self, catalogue: &Catalogue, booking: &Booking) -> anyhow::Result<()> {
        let link = self.booking_page(booking);
        let mail = compose(
            &sender_name(catalogue, booking),
            &booking.notify,
            &booking.attendee.full_name(),
            booking.language,
            Requested::ByTheRecipient,
            |t: &dyn Texts| {
                let appointment = Appointment::of(catalogue, booking, t.language());
                t.booking_reminder(&appointment, &link)
            },
        );
        self.mailer.send(&mail).await
    }
}
