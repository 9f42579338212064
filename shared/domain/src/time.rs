//! Offices keep Italian time: dates and times in the API are Europe/Rome, instants are UTC.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

pub const ROME: Tz = chrono_tz::Europe::Rome;

/// Today's date at the offices.
pub fn today_in_rome(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&ROME).date_naive()
}

/// `HH:MM` times in JSON and in the store.
pub mod hhmm {
    use chrono::NaiveTime;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(time: &NaiveTime, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&time.format("%H:%M").to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveTime, D::Error> {
        let text = String::deserialize(deserializer)?;
        NaiveTime::parse_from_str(&text, "%H:%M").map_err(serde::de::Error::custom)
    }
}
