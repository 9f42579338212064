//! When offices are open (CAT-2): national holidays (Easter Monday computed), the city's patron
//! day, weekly hours cut into slots, and the instant of each slot in Europe/Rome, right across
//! the daylight-saving changes. Extraordinary closures are stored, not computed: see `bookings`.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};

use crate::catalogue::{Office, Section};
use crate::time::ROME;

/// Easter Sunday (Gregorian calendar), by the anonymous Gregorian algorithm.
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("a valid Easter date")
}

/// The national holiday on `date`, if any (L. 260/1949 and later laws).
pub fn national_holiday(date: NaiveDate) -> Option<&'static str> {
    let fixed = match (date.month(), date.day()) {
        (1, 1) => Some("Capodanno"),
        (1, 6) => Some("Epifania"),
        (4, 25) => Some("Festa della Liberazione"),
        (5, 1) => Some("Festa del Lavoro"),
        (6, 2) => Some("Festa della Repubblica"),
        (8, 15) => Some("Ferragosto"),
        // San Francesco d'Assisi, national holiday again from 2026 (L. 151/2025).
        (10, 4) if date.year() >= 2026 => Some("San Francesco d'Assisi"),
        (11, 1) => Some("Ognissanti"),
        (12, 8) => Some("Immacolata Concezione"),
        (12, 25) => Some("Natale"),
        (12, 26) => Some("Santo Stefano"),
        _ => None,
    };
    fixed.or_else(|| {
        (date == easter_sunday(date.year()) + Duration::days(1)).then_some("Lunedì dell'Angelo")
    })
}

impl Office {
    /// Closed for the whole office by the calendar (not counting extraordinary closures).
    pub fn closed_on(&self, date: NaiveDate) -> bool {
        national_holiday(date).is_some() || self.patron_day.is(date)
    }
}

impl Section {
    /// The start times of the slots of `date`, by the weekly hours (a slot must end within
    /// its range). Empty on a closed weekday; holidays are the office's to decide.
    pub fn slot_times(&self, date: NaiveDate) -> Vec<NaiveTime> {
        let step = Duration::minutes(i64::from(self.slot_minutes));
        let mut times = Vec::new();
        for range in self.hours.on(date.weekday()) {
            let mut start = range.start;
            while start + step <= range.end && start + step > start {
                times.push(start);
                start += step;
            }
        }
        times
    }
}

/// The instant a slot starts. `None` for a local time that does not exist (the hour skipped
/// when clocks go forward); the earlier of the two when it happens twice (clocks going back).
pub fn slot_instant(date: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    match ROME.from_local_datetime(&date.and_time(time)) {
        LocalResult::Single(instant) => Some(instant.with_timezone(&Utc)),
        LocalResult::Ambiguous(earlier, _) => Some(earlier.with_timezone(&Utc)),
        LocalResult::None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{Sector, Text, TimeRange, WeeklyHours};

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn catalogue() -> crate::catalogue::Catalogue {
        crate::catalogue::Catalogue::from_files(
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/catalogue/services.json"
            )),
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/catalogue/offices.json"
            )),
        )
        .unwrap()
    }

    #[test]
    fn easter_is_computed() {
        // Known dates of Easter Sunday.
        for (year, easter) in [
            (2024, "2024-03-31"),
            (2025, "2025-04-20"),
            (2026, "2026-04-05"),
            (2027, "2027-03-28"),
            (2028, "2028-04-16"),
            (2038, "2038-04-25"),
            (2285, "2285-03-22"),
        ] {
            assert_eq!(easter_sunday(year), date(easter), "{year}");
        }
    }

    #[test]
    fn easter_monday_2027_and_2028_are_closed_everywhere() {
        let catalogue = catalogue();
        for office in &catalogue.offices {
            assert!(office.closed_on(date("2027-03-29")), "{}", office.id);
            assert!(office.closed_on(date("2028-04-17")), "{}", office.id);
            assert!(!office.closed_on(date("2028-04-18")), "{}", office.id);
        }
        assert_eq!(
            national_holiday(date("2027-03-29")),
            Some("Lunedì dell'Angelo")
        );
    }

    #[test]
    fn the_seventh_of_december_is_closed_in_milan_but_open_in_alessandria() {
        let catalogue = catalogue();
        let (milano, alessandria) = (
            catalogue.office("milano").unwrap(),
            catalogue.office("alessandria").unwrap(),
        );
        assert!(milano.closed_on(date("2027-12-07")));
        assert!(!alessandria.closed_on(date("2027-12-07")));
        assert!(alessandria.closed_on(date("2027-11-10")));
        assert!(!milano.closed_on(date("2027-11-10")));
    }

    #[test]
    fn national_holidays_are_the_law_s() {
        for holiday in [
            "2027-01-01",
            "2027-01-06",
            "2027-04-25",
            "2027-05-01",
            "2027-06-02",
            "2027-08-15",
            "2027-10-04",
            "2027-11-01",
            "2027-12-08",
            "2027-12-25",
            "2027-12-26",
        ] {
            assert!(national_holiday(date(holiday)).is_some(), "{holiday}");
        }
        assert!(national_holiday(date("2025-10-04")).is_none());
        assert!(national_holiday(date("2027-03-28")).is_none());
    }

    #[test]
    fn slots_fill_each_range_and_end_within_it() {
        let catalogue = catalogue();
        let site = &catalogue.office("alessandria").unwrap().sites[0];
        let general = site.sections.iter().find(|s| s.id == "generale").unwrap();
        // Monday 2027-01-11: 08:30–13:00 and 14:30–17:00, every 20 minutes.
        let times: Vec<String> = general
            .slot_times(date("2027-01-11"))
            .iter()
            .map(|t| t.format("%H:%M").to_string())
            .collect();
        assert_eq!(times.first().unwrap(), "08:30");
        // 13 slots in the morning (the last at 12:30: 12:50 would end after 13:00), 7 after lunch.
        assert!(times.contains(&"12:30".to_owned()) && !times.contains(&"12:50".to_owned()));
        assert!(times.contains(&"14:30".to_owned()) && times.contains(&"16:30".to_owned()));
        assert_eq!(times.len(), 13 + 7);
        assert!(
            general.slot_times(date("2027-01-16")).is_empty(),
            "Saturday"
        );
    }

    fn always_open() -> Section {
        let all_day = vec![TimeRange::parse("00:00-23:59").unwrap()];
        Section {
            id: "test".into(),
            name: Text {
                it: "t".into(),
                en: "t".into(),
            },
            sector: Sector::Autorizzatorio,
            services: None,
            slot_minutes: 30,
            counters: 1,
            reserved: 0,
            reserved_release_days: 0,
            hours: WeeklyHours {
                mon: all_day.clone(),
                tue: all_day.clone(),
                wed: all_day.clone(),
                thu: all_day.clone(),
                fri: all_day.clone(),
                sat: all_day.clone(),
                sun: all_day,
            },
        }
    }

    #[test]
    fn slot_instants_follow_daylight_saving() {
        let at = |text: &str| {
            DateTime::parse_from_rfc3339(text)
                .unwrap()
                .with_timezone(&Utc)
        };
        let time = |text: &str| NaiveTime::parse_from_str(text, "%H:%M").unwrap();
        // Last Sunday of March 2027: clocks go from 02:00 CET to 03:00 CEST.
        let march = date("2027-03-28");
        assert_eq!(
            slot_instant(march, time("01:30")),
            Some(at("2027-03-28T00:30:00Z"))
        );
        assert_eq!(
            slot_instant(march, time("02:30")),
            None,
            "this hour does not exist"
        );
        assert_eq!(
            slot_instant(march, time("08:30")),
            Some(at("2027-03-28T06:30:00Z"))
        );
        assert_eq!(
            slot_instant(date("2027-03-27"), time("08:30")),
            Some(at("2027-03-27T07:30:00Z"))
        );
        // Last Sunday of October 2027: clocks go from 03:00 CEST back to 02:00 CET.
        let october = date("2027-10-31");
        assert_eq!(
            slot_instant(october, time("02:30")),
            Some(at("2027-10-31T00:30:00Z")),
            "the earlier 02:30"
        );
        assert_eq!(
            slot_instant(october, time("08:30")),
            Some(at("2027-10-31T07:30:00Z"))
        );
        assert_eq!(
            slot_instant(date("2027-10-30"), time("08:30")),
            Some(at("2027-10-30T06:30:00Z"))
        );

        // A section open on those Sundays: the grid is the same, the instants shift.
        let section = always_open();
        assert_eq!(section.slot_times(march).len(), 47);
        let instants: Vec<_> = section
            .slot_times(march)
            .into_iter()
            .filter_map(|t| slot_instant(march, t))
            .collect();
        assert_eq!(
            instants.len(),
            45,
            "02:00 and 02:30 do not exist that night"
        );
        assert!(instants.windows(2).all(|pair| pair[0] < pair[1]));
    }
}
