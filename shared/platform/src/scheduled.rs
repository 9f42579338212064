//! What the scheduled functions share.

use chrono::{DateTime, NaiveDate, Utc};
use prenota_domain::office::Run;
use serde_json::Value;

/// What a scheduled run does: the event's `date` (`YYYY-MM-DD`) alone, or every day due (the
/// schedule's own events name none).
pub fn run(event: &Value, now: DateTime<Utc>) -> Result<Run, String> {
    let named = match event.get("date").and_then(Value::as_str) {
        Some(text) => Some(
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| format!("not a date: {text:?}"))?,
        ),
        None => None,
    };
    Ok(Run::of(named, now))
}
