//! An extraordinary closure's job, as the store keeps it (`closures` runs it).

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::bookings::BookingId;

/// An extraordinary closure, as its job is recorded: what it closes and why, and how far it
/// got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosureJob {
    pub id: String,
    pub office: String,
    pub date: NaiveDate,
    pub sites: Vec<String>,
    /// The office's words, which each holder reads.
    pub reason: String,
    pub created_at: DateTime<Utc>,
    pub done: bool,
    /// While a run holds it: until when.
    pub leased_until: Option<DateTime<Utc>>,
}

/// An appointment a closure's job takes on, recorded before it is moved or cancelled: what
/// became of it is read from the booking itself, so a run that dies between the two leaves
/// nothing unaccounted for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosureStep {
    pub booking: BookingId,
    /// Where and when it was.
    pub site: String,
    pub time: NaiveTime,
}

/// How long a run of a closure holds its job: past this, the run is taken to have died (a
/// Lambda time-out), and the next resumes it. The function stops after 5 minutes.
pub const CLOSURE_LEASE_SECONDS: i64 = 360;

/// What a closure did to one appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosureOutcome {
    /// To the first free time after the closed day.
    Moved,
    /// No free time within the horizon.
    Cancelled,
}
