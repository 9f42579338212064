//! The nightly jobs catch up (BK-9, EX-2): each office's end-of-day pass, export and reminders run for every
//! day since the last one they completed, so that a run that failed, crashed or never started is
//! made good by the next; one office's failure does not hold up the others. The rules here; the
//! progress a run keeps in `progress`.

use chrono::{Duration, NaiveDate};

/// A nightly job whose progress is kept office by office.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    EndOfDay,
    Export,
    /// The holders of the appointments two days on (`bookings::remind`).
    Reminders,
}

impl Job {
    /// Its name in the store.
    pub fn key(self) -> &'static str {
        match self {
            Job::EndOfDay => "end-of-day",
            Job::Export => "export",
            Job::Reminders => "reminders",
        }
    }
}

/// How many days a run catches up at most, today included: a week of missed runs is an outage
/// someone has noticed, and older days are run by naming them.
pub const CATCH_UP_DAYS: i64 = 7;

/// What a run of a nightly job was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Run {
    /// The schedule's run on this day (Europe/Rome): every day due, and the progress moves on.
    Due(NaiveDate),
    /// One day named by hand (`{"date": …}`): that day alone, and the progress stays as it was.
    Day(NaiveDate),
}

impl Run {
    /// The last day the run does.
    pub fn last_day(self) -> NaiveDate {
        match self {
            Run::Due(day) | Run::Day(day) => day,
        }
    }
}

/// The days a job is due for an office on `today`: those after the last it completed, through
/// today, the latest `CATCH_UP_DAYS` at most; today alone the first time it runs.
pub fn days_due(completed_through: Option<NaiveDate>, today: NaiveDate) -> Vec<NaiveDate> {
    let earliest = today - Duration::days(CATCH_UP_DAYS - 1);
    let first = completed_through.map_or(today, |done| (done + Duration::days(1)).max(earliest));
    first.iter_days().take_while(|day| *day <= today).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn the_first_run_does_today_alone() {
        assert_eq!(days_due(None, day("2027-01-13")), [day("2027-01-13")]);
    }

    #[test]
    fn a_run_does_every_day_since_the_last_completed() {
        assert_eq!(
            days_due(Some(day("2027-01-10")), day("2027-01-13")),
            [day("2027-01-11"), day("2027-01-12"), day("2027-01-13")]
        );
        assert_eq!(
            days_due(Some(day("2027-01-13")), day("2027-01-13")),
            Vec::<NaiveDate>::new()
        );
    }

    #[test]
    fn a_run_catches_up_a_week_at_most() {
        let due = days_due(Some(day("2026-12-01")), day("2027-01-13"));
        assert_eq!(due.len(), CATCH_UP_DAYS as usize);
        assert_eq!(due.first(), Some(&day("2027-01-07")));
        assert_eq!(due.last(), Some(&day("2027-01-13")));
    }

    #[test]
    fn a_progress_ahead_of_today_leaves_nothing_due() {
        assert!(days_due(Some(day("2027-01-20")), day("2027-01-13")).is_empty());
    }
}
