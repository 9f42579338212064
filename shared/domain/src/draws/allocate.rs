//! Places to entries, in the draw's order (pure). Three passes:
//! 1. the vulnerable quota (CAT-4): the reserved places go to the entries of the organisations
//!    the office designated, made for a vulnerable person, in draw order;
//! 2. everyone still without a place, in draw order, takes a place open to all;
//! 3. reserved places the quota left over go on in the same order: the draw is the release of
//!    those places, and none of them stays empty for want of a vulnerable entry.
//!
//! Each entry takes the earliest place that meets its wishes (site, part of the day), else the
//! earliest at its site, else the earliest at its part of the day, else the earliest of all:
//! wishes are honoured where possible (the site first: another hour is easier to come at than
//! another town), and nobody with a place left for them goes without.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::bookings::Pool;

/// Morning appointments start before this hour.
const AFTERNOON_FROM_HOUR: u32 = 13;

/// When in the day an entrant would rather come.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayPart {
    #[default]
    Any,
    Morning,
    Afternoon,
}

impl DayPart {
    pub fn parse(input: &str) -> Result<DayPart, crate::Problem> {
        match input {
            "any" => Ok(DayPart::Any),
            "morning" => Ok(DayPart::Morning),
            "afternoon" => Ok(DayPart::Afternoon),
            _ => Err(crate::Problem::NotAllowed),
        }
    }

    fn fits(self, time: NaiveTime) -> bool {
        use chrono::Timelike;
        match self {
            DayPart::Any => true,
            DayPart::Morning => time.hour() < AFTERNOON_FROM_HOUR,
            DayPart::Afternoon => time.hour() >= AFTERNOON_FROM_HOUR,
        }
    }
}

/// An entrant's wishes.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wishes {
    /// A site of the release's, or any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    #[serde(default)]
    pub part_of_day: DayPart,
}

/// One place the draw gives out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenPlace {
    pub site: String,
    pub section: String,
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub starts_at: DateTime<Utc>,
    pub pool: Pool,
}

/// An entry as the allocation sees it.
#[derive(Debug, Clone)]
pub struct Contender<'a> {
    /// Made by a designated organisation for a vulnerable person: first claim on reserved places.
    pub vulnerable: bool,
    pub wishes: &'a Wishes,
}

/// How far a place is from wishes: 0 meets both, 1 another part of the day, 2 another site,
/// 3 neither.
fn miss(wishes: &Wishes, place: &OpenPlace) -> u8 {
    let site = wishes.site.as_ref().is_some_and(|site| *site != place.site);
    let part = !wishes.part_of_day.fits(place.time);
    2 * u8::from(site) + u8::from(part)
}

/// The place each contender (in draw order) gets, as an index into `places`, or none (the
/// waiting list).
pub fn allocate(contenders: &[Contender<'_>], places: &[OpenPlace]) -> Vec<Option<usize>> {
    let mut by_time: Vec<usize> = (0..places.len()).collect();
    by_time.sort_by(|&a, &b| {
        let (a, b) = (&places[a], &places[b]);
        (a.starts_at, &a.site, &a.section).cmp(&(b.starts_at, &b.site, &b.section))
    });
    let mut taken = vec![false; places.len()];
    let mut given: Vec<Option<usize>> = vec![None; contenders.len()];
    let passes: [(Pool, bool); 3] = [
        (Pool::Reserved, true),
        (Pool::General, false),
        (Pool::Reserved, false),
    ];
    for (pool, vulnerable_only) in passes {
        for (contender, slot) in contenders.iter().zip(given.iter_mut()) {
            if slot.is_some() || (vulnerable_only && !contender.vulnerable) {
                continue;
            }
            let best = by_time
                .iter()
                .copied()
                .filter(|&i| !taken[i] && places[i].pool == pool)
                // The earliest of the best-met: `min_by_key` keeps the first of equals.
                .min_by_key(|&i| miss(contender.wishes, &places[i]));
            if let Some(i) = best {
                taken[i] = true;
                *slot = Some(i);
            }
        }
    }
    given
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn place(site: &str, day: u32, hour: u32, pool: Pool) -> OpenPlace {
        let date = NaiveDate::from_ymd_opt(2027, 3, day).unwrap();
        let time = NaiveTime::from_hms_opt(hour, 0, 0).unwrap();
        OpenPlace {
            site: site.into(),
            section: "s".into(),
            date,
            time,
            starts_at: Utc.from_utc_datetime(&date.and_time(time)),
            pool,
        }
    }

    fn wishes(site: Option<&str>, part_of_day: DayPart) -> Wishes {
        Wishes {
            site: site.map(str::to_owned),
            part_of_day,
        }
    }

    #[test]
    fn places_go_in_draw_order_earliest_first() {
        let any = Wishes::default();
        let places = [
            place("a", 2, 9, Pool::General),
            place("a", 1, 9, Pool::General),
        ];
        let contenders = vec![
            Contender {
                vulnerable: false,
                wishes: &any,
            };
            3
        ];
        assert_eq!(
            allocate(&contenders, &places),
            [Some(1), Some(0), None],
            "the first drawn gets the earliest place, the third the waiting list"
        );
    }

    #[test]
    fn wishes_are_met_where_possible() {
        let afternoon = wishes(None, DayPart::Afternoon);
        let at_b_morning = wishes(Some("b"), DayPart::Morning);
        let places = [
            place("a", 1, 9, Pool::General),
            place("a", 1, 15, Pool::General),
            place("b", 2, 15, Pool::General),
        ];
        let contenders = [
            Contender {
                vulnerable: false,
                wishes: &afternoon,
            },
            // No morning at b is left: the place at b, in the afternoon, comes before a morning at a.
            Contender {
                vulnerable: false,
                wishes: &at_b_morning,
            },
            // Nothing this one wishes is left: the place left is theirs all the same.
            Contender {
                vulnerable: false,
                wishes: &afternoon,
            },
        ];
        assert_eq!(allocate(&contenders, &places), [Some(1), Some(2), Some(0)]);
    }

    #[test]
    fn reserved_places_go_to_vulnerable_entries_first_then_to_anyone() {
        let any = Wishes::default();
        let places = [
            place("a", 1, 9, Pool::General),
            place("a", 1, 10, Pool::Reserved),
            place("a", 1, 11, Pool::Reserved),
        ];
        let person = Contender {
            vulnerable: false,
            wishes: &any,
        };
        let vulnerable = Contender {
            vulnerable: true,
            wishes: &any,
        };
        // The vulnerable entry, drawn last, still has a reserved place; the reserved place it
        // left goes on to the next in order.
        let contenders = [person.clone(), person.clone(), vulnerable, person];
        assert_eq!(
            allocate(&contenders, &places),
            [Some(0), Some(2), Some(1), None]
        );
    }
}
