//! Sending the outbox's notices (`notice`): each once, whatever fails, is redelivered or
//! changes meanwhile; and which booking change writes which notice.

use chrono::Duration;
use tracing::{error, info, instrument, warn};

use crate::App;
use crate::bookings::{
    BookingId, BookingStatus, Delivery, NOTICE_ATTEMPTS, NOTICE_LEASE_SECONDS, NOTICE_PASS_SECONDS,
    NOTICES_PER_PASS, Notice, NoticeId, NoticeKind, NoticeState, NoticesDelivered, Subject,
    retry_delay,
};
use crate::draws::release::parse_entry_id;
use crate::error::{Error, Result};
use crate::ports::{BookingChange, Clock, Documents, Mailer, Signer, Store};

impl BookingChange<'_> {
    /// What a change tells the holder: a move or a cancellation, whoever made it (the holder,
    /// the office, a closure), except the cancellations of an erasure. An appointment held or
    /// missed tells nothing.
    pub fn notice(&self) -> Option<Notice> {
        match self {
            BookingChange::Cancel {
                cancelled,
                tell_holder: true,
                ..
            } => Some(Notice::of(NoticeKind::Cancelled, cancelled)),
            BookingChange::Cancel { .. } => None,
            BookingChange::Move { moved, .. } => Some(Notice::of(NoticeKind::Moved, moved)),
            BookingChange::End { .. } => None,
        }
    }
}

/// How many times a notice's settlement is tried.
const SETTLE_TRIES: usize = 3;

/// Why a notice is not sent.
enum NotSent {
    /// For good: `Dropped`, with the reason.
    Moot(&'static str),
    /// This time: tried again later.
    Failed(anyhow::Error),
}

impl From<anyhow::Error> for NotSent {
    fn from(error: anyhow::Error) -> Self {
        NotSent::Failed(error)
    }
}

impl<S, M, K, C, D> App<S, M, K, C, D>
where
    S: Store,
    M: Mailer,
    K: Signer,
    C: Clock,
    D: Documents,
{
    /// Sends one notice: it is claimed (a lease, counting an attempt) before sending and
    /// settled after, so a second sender (a redelivered stream record, the sweep) finds it held
    /// or settled (at least once: see `notice`). A failed send makes it due again after `retry_delay`; the last failed attempt
    /// puts it in the dead-letter list. An `Err` is the store failing: nothing was settled.
    #[instrument(skip_all, fields(subject = %id.subject, version = id.version))]
    pub async fn deliver_notice(&self, id: &NoticeId) -> Result<Delivery> {
        let now = self.clock.now();
        let Some(stored) = self.store.notice(id).await? else {
            return Ok(Delivery::Nothing);
        };
        if stored.state != NoticeState::Pending || stored.leased_until.is_some_and(|t| t > now) {
            return Ok(Delivery::Nothing);
        }
        let lease = now + Duration::seconds(NOTICE_LEASE_SECONDS);
        if !self.store.claim_notice(&stored, now, lease).await? {
            return Ok(Delivery::Nothing);
        }
        let attempt = stored.attempts + 1;
        // Attempts that never came back (a sender that died, a settlement that failed) count
        // too: past the last, the notice is given up without another try.
        let sent = if attempt > NOTICE_ATTEMPTS {
            Err(NotSent::Failed(anyhow::anyhow!("every attempt made")))
        } else {
            self.send_notice(&stored.notice).await
        };
        let (state, delivery) = match sent {
            Ok(()) => (NoticeState::Sent, Delivery::Sent),
            Err(NotSent::Moot(reason)) => {
                info!(reason, "notice dropped");
                (NoticeState::Dropped, Delivery::Dropped)
            }
            Err(NotSent::Failed(failure)) if attempt >= NOTICE_ATTEMPTS => {
                // The dead-letter list's alarm counts this line (`notice_dead`).
                error!(
                    event = "notice_dead",
                    attempt,
                    error = format!("{failure:#}"),
                    "notice given up"
                );
                (NoticeState::Dead, Delivery::Dead)
            }
            Err(NotSent::Failed(failure)) => {
                let due = now + retry_delay(attempt);
                warn!(attempt, %due, error = format!("{failure:#}"), "notice not sent");
                self.store.retry_notice(id, attempt, due).await?;
                return Ok(Delivery::Retrying);
            }
        };
        // Sent and not recorded would be sent again: the settlement is tried again (each try
        // with the SDK's own back-off) before giving up.
        let mut settled = self.store.settle_notice(id, attempt, state, now).await;
        for _ in 1..SETTLE_TRIES {
            if settled.is_ok() {
                break;
            }
            settled = self.store.settle_notice(id, attempt, state, now).await;
        }
        settled?;
        Ok(delivery)
    }

    /// The notices due, oldest first, each delivered (at most `NOTICES_PER_PASS`): the
    /// notifier's schedule, for the retries and for any notice its stream did not deliver, and
    /// the local stack's only way (it has no stream). One notice the store fails on does not
    /// stop the others; the pass then fails.
    #[instrument(skip_all)]
    pub async fn deliver_due_notices(&self) -> Result<NoticesDelivered> {
        let started = self.clock.now();
        let due = self.store.due_notices(started, NOTICES_PER_PASS).await?;
        let (mut delivered, mut failed) = (NoticesDelivered::default(), 0);
        for id in &due {
            // The rest wait for the next pass, rather than for Lambda to stop this one mid-send.
            if self.clock.now() - started > Duration::seconds(NOTICE_PASS_SECONDS) {
                break;
            }
            match self.deliver_notice(id).await {
                Ok(delivery) => delivered.count(delivery),
                Err(error) => {
                    warn!(subject = %id.subject, error = ?error, "notice: the store failed");
                    failed += 1;
                }
            }
        }
        if failed > 0 {
            return Err(Error::unavailable(anyhow::anyhow!(
                "notices: the store failed on {failed}"
            )));
        }
        if !due.is_empty() {
            info!(?delivered, "notices");
        }
        Ok(delivered)
    }

    /// The dead-letter list sent again, once its cause is fixed (the notifier's event
    /// `{"redrive_dead": true}`): every dead notice pending again, with all its attempts.
    #[instrument(skip_all)]
    pub async fn redrive_dead_notices(&self) -> Result<usize> {
        let redriven = self.store.redrive_dead_notices(self.clock.now()).await?;
        info!(redriven, "dead notices made pending again");
        Ok(redriven)
    }

    /// Composes and sends a notice from its subject as it is now.
    async fn send_notice(&self, notice: &Notice) -> std::result::Result<(), NotSent> {
        match &notice.id.subject {
            Subject::Booking(id) => self.send_booking_notice(id, notice).await,
            Subject::Entry(id) => self.send_entry_notice(id, notice).await,
        }
    }

    /// A booking's notice, with the receipt signed first if the booking has none yet.
    async fn send_booking_notice(
        &self,
        id: &BookingId,
        notice: &Notice,
    ) -> std::result::Result<(), NotSent> {
        let Some(mut booking) = self.store.booking(id).await? else {
            return Err(NotSent::Moot("the booking is erased"));
        };
        if booking.version != notice.id.version {
            return Err(NotSent::Moot("the booking changed again"));
        }
        if self.refuses_mail(&booking).await? {
            return Err(NotSent::Moot("the address refuses mail"));
        }
        if booking.status == BookingStatus::Active
            && booking.receipt.is_none()
            && !self.sign_and_save_receipt(&mut booking).await?
        {
            return Err(NotSent::Moot("the booking changed again"));
        }
        let catalogue = self.store.catalogue().await?;
        let mail = self
            .booking_mail(&catalogue, &booking, notice.kind)
            .ok_or(NotSent::Moot("not a booking's news"))?;
        self.mailer.send(&mail).await?;
        Ok(())
    }

    /// A draw's entry's notice, from the entry and its release as they are now.
    async fn send_entry_notice(
        &self,
        id: &str,
        notice: &Notice,
    ) -> std::result::Result<(), NotSent> {
        let Some((release_id, pseudonym)) = parse_entry_id(id) else {
            return Err(NotSent::Moot("not an entry's id"));
        };
        let (Some(release), Some(entry)) = (
            self.store.release(&release_id).await?,
            self.store.entry(&release_id, &pseudonym).await?,
        ) else {
            return Err(NotSent::Moot("the entry is gone"));
        };
        if entry.version != notice.id.version {
            return Err(NotSent::Moot("the entry changed again"));
        }
        if self.account_refuses_mail(entry.entered_by).await? {
            return Err(NotSent::Moot("the address refuses mail"));
        }
        let catalogue = self.store.catalogue().await?;
        let mail = self
            .entry_mail(&catalogue, &release, &entry, notice.kind)
            .ok_or(NotSent::Moot("not an entry's news"))?;
        self.mailer.send(&mail).await?;
        Ok(())
    }
}
