//! What the scheduled functions share.

use chrono::{DateTime, NaiveDate, Utc};
use prenota_domain::time::today_in_rome;
use serde_json::Value;

/// The day a scheduled run works on: the event's `date` (`YYYY-MM-DD`), or today in Italy.
pub fn day(event: &Value, now: DateTime<Utc>) -> Result<NaiveDate, String> {
    match event.get("date").and_then(Value::as_str) {
        Some(text) => {
            NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| format!("not a date: {text:?}"))
        }
        None => Ok(today_in_rome(now)),
    }
}
