//! What the scheduled functions share: which days a run does.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use prenota_domain::office::Run;
use prenota_domain::time::today_in_rome;
use serde_json::Value;

/// What a scheduled run does, from its event:
/// - `{"date": "YYYY-MM-DD"}`: that day alone (a rerun by hand; the progress stays);
/// - `{"scheduled_at": "…"}`: every day due through the day the schedule ran for (EventBridge
///   Scheduler fills it in: `<aws.scheduler.scheduled-time>` in the template), so an event
///   retried later, or replayed from the failed-job queue, still means that day;
/// - neither (a run by hand with `{}`): every day due through yesterday, never today, which a
///   morning run would otherwise count as done before its evening.
pub fn run(event: &Value, now: DateTime<Utc>) -> Result<Run, String> {
    let field = |name: &str| match event.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.as_str())),
        Some(other) => Err(format!("{name}: not a text: {other}")),
    };
    if let Some(text) = field("date")? {
        return NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Run::Day)
            .map_err(|_| format!("date: not a day: {text:?}"));
    }
    if let Some(text) = field("scheduled_at")? {
        let at = DateTime::parse_from_rfc3339(text)
            .map_err(|_| format!("scheduled_at: not a time: {text:?}"))?;
        return Ok(Run::Due(today_in_rome(at.with_timezone(&Utc))));
    }
    Ok(Run::Due(today_in_rome(now) - Duration::days(1)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn a_run_does_the_day_named_the_schedules_day_or_through_yesterday() {
        let now: DateTime<Utc> = "2027-01-12T08:00:00Z".parse().unwrap();
        assert_eq!(
            run(&json!({ "date": "2027-01-05" }), now),
            Ok(Run::Day(day("2027-01-05")))
        );
        // 20:30 in Rome on the 11th, retried the next morning: still the 11th.
        assert_eq!(
            run(&json!({ "scheduled_at": "2027-01-11T19:30:00Z" }), now),
            Ok(Run::Due(day("2027-01-11")))
        );
        // 23:30 in Rome is 22:30 UTC: the day is Rome's.
        assert_eq!(
            run(&json!({ "scheduled_at": "2027-07-11T22:30:00Z" }), now),
            Ok(Run::Due(day("2027-07-12")))
        );
        assert_eq!(run(&json!({}), now), Ok(Run::Due(day("2027-01-11"))));
    }

    #[test]
    fn a_malformed_event_is_refused_and_runs_nothing() {
        let now = Utc::now();
        for event in [
            json!({ "date": 20270105 }),
            json!({ "date": "5 gennaio" }),
            json!({ "scheduled_at": "yesterday" }),
            json!({ "scheduled_at": true }),
        ] {
            assert!(run(&event, now).is_err(), "{event}");
        }
    }
}
