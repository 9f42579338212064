//! The outbox (RC-5, BK-9): every change its holder must hear of (a booking made, moved,
//! cancelled, by its holder, the office or a closure) writes its notice in the very transaction
//! that makes the change. The notifier sends it afterwards: the request never waits for KMS or
//! SES, and a failure to send loses nothing, since the notice stays until it is sent.
//!
//! A draw's entries are told of theirs the same way (`Subject::Entry`).
//!
//! A notice names only the booking and the version of it that the change wrote: whom to tell, in
//! which language and with which receipt is read from the booking when it is sent, so a notice
//! holds no personal data and one of an erased booking is dropped. One change, one notice: the
//! booking's version identifies it, and a sender claims it before sending, so a redelivered
//! record or a second sender does not send it again. Delivery is at least once, not exactly:
//! a sender that sends and then cannot record it (its settlement failing through every retry,
//! or Lambda stopping it between the two) leaves the notice to be sent again once its lease
//! runs out. SES offers no idempotency key that could close that gap.

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::bookings::{Booking, BookingId};
use crate::draws::release::{Entry, parse_entry_id};
use crate::random;

/// What a notice tells: a booking's holder of its booking, or an entrant of their entry in a
/// release's draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    Confirmed,
    Moved,
    Cancelled,
    /// An entry taken: its code, its pseudonym, when the draw runs.
    Entered,
    /// The draw gave no place: the entry's place on the waiting list.
    Waiting,
    /// A freed place offered from the waiting list, until when.
    Offered,
}

/// What a notice is about: a booking, or an entry in a draw (by its id, `draws::entry_id`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    Booking(BookingId),
    Entry(String),
}

impl Subject {
    /// A subject as `Display` writes it: a booking number, or an entry's id.
    pub fn parse(text: &str) -> Option<Subject> {
        if parse_entry_id(text).is_some() {
            return Some(Subject::Entry(text.to_owned()));
        }
        BookingId::parse(text).map(Subject::Booking)
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Booking(id) => write!(f, "{id}"),
            Subject::Entry(id) => f.write_str(id),
        }
    }
}

/// A notice's identity: its subject, and the version of it that the change wrote.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NoticeId {
    pub subject: Subject,
    pub version: u64,
}

/// A message to a booking's holder about one change of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: NoticeId,
    pub kind: NoticeKind,
    /// When the change was made: the notice is due from then.
    pub created_at: DateTime<Utc>,
}

impl Notice {
    pub(crate) fn of(kind: NoticeKind, booking: &Booking) -> Notice {
        Notice {
            id: NoticeId {
                subject: Subject::Booking(booking.id.clone()),
                version: booking.version,
            },
            kind,
            created_at: booking.updated_at,
        }
    }

    /// The confirmation of a booking just made.
    pub fn of_new(booking: &Booking) -> Notice {
        Notice::of(NoticeKind::Confirmed, booking)
    }

    /// A notice of an entry's change, as the version it wrote (`Entry::version`).
    pub fn of_entry(kind: NoticeKind, entry: &Entry, at: DateTime<Utc>) -> Notice {
        Notice {
            id: NoticeId {
                subject: Subject::Entry(entry.id()),
                version: entry.version,
            },
            kind,
            created_at: at,
        }
    }
}

/// Where a notice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeState {
    /// To be sent (or being sent, while a sender's lease runs).
    Pending,
    Sent,
    /// Nothing to send any more: the booking was erased, or changed again (the later change's
    /// notice tells of it).
    Dropped,
    /// Every attempt failed: kept in the dead-letter list, and alarmed.
    Dead,
}

/// A notice as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNotice {
    pub notice: Notice,
    pub state: NoticeState,
    /// The attempts made so far (a claim counts one).
    pub attempts: u32,
    /// While a sender holds it: until when.
    pub leased_until: Option<DateTime<Utc>>,
}

/// How many times a notice is tried before it goes to the dead-letter list: with the delays of
/// `retry_delay`, about seven hours of an SES or KMS outage.
pub const NOTICE_ATTEMPTS: u32 = 14;

/// How long a sender holds a notice: past this, its sender is taken to have died, and another
/// may send it. Longer than the notifier's time-out (180 s, `tests/api/contract.rs`), so a
/// sender still running never loses it.
pub const NOTICE_LEASE_SECONDS: i64 = 240;

/// How many due notices one pass of the notifier sends at most.
pub const NOTICES_PER_PASS: usize = 300;

/// How long a pass goes on claiming notices: well within the notifier's time-out, so that
/// Lambda does not stop it between a send and its settlement.
pub const NOTICE_PASS_SECONDS: i64 = 120;

/// The wait before attempt `attempt + 1`: 30 s doubling to an hour, less up to a fifth at random
/// so that the notices an outage held back are not all retried in the same second.
pub fn retry_delay(attempt: u32) -> Duration {
    let full = (30i64 << attempt.saturating_sub(1).min(7)).min(3600);
    Duration::seconds(full - i64::from(random::below((full / 5).max(1) as u32)))
}

/// What became of one notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    Dropped,
    /// Not sent this time: due again later.
    Retrying,
    /// Not sent, and no attempt left: in the dead-letter list.
    Dead,
    /// Nothing to do: already settled, unknown, or held by another sender.
    Nothing,
}

/// One pass over the notices due.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NoticesDelivered {
    pub sent: usize,
    pub dropped: usize,
    pub retrying: usize,
    pub dead: usize,
}

impl NoticesDelivered {
    pub(crate) fn count(&mut self, delivery: Delivery) {
        match delivery {
            Delivery::Sent => self.sent += 1,
            Delivery::Dropped => self.dropped += 1,
            Delivery::Retrying => self.retrying += 1,
            Delivery::Dead => self.dead += 1,
            Delivery::Nothing => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_longer_each_time_up_to_an_hour_with_jitter() {
        for _ in 0..200 {
            let first = retry_delay(1).num_seconds();
            assert!((24..=30).contains(&first), "{first}");
            let fourth = retry_delay(4).num_seconds();
            assert!((192..=240).contains(&fourth), "{fourth}");
            for attempt in 8..40 {
                let late = retry_delay(attempt).num_seconds();
                assert!((2880..=3600).contains(&late), "{attempt}: {late}");
            }
        }
        let total: i64 = (1..NOTICE_ATTEMPTS)
            .map(|a| (30i64 << (a - 1).min(7)).min(3600))
            .sum();
        // About seven hours before a notice is given up.
        assert!((6 * 3600..8 * 3600).contains(&total), "{total}");
    }
}
