//! Offices keep Italian time: dates and times in the API are Europe/Rome, instants are UTC.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

pub const ROME: Tz = chrono_tz::Europe::Rome;

/// Today's date at the offices.
pub fn today_in_rome(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&ROME).date_naive()
}
