//! A release of places by draw, and its entries, as the store keeps them.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::accounts::Booker;
use crate::bookings::{Attendee, BookingId, Pool, hold_key};
use crate::draws::allocate::{DayPart, OpenPlace, Wishes};
use crate::draws::fairness::{Commitment, EntryCode, Pseudonym, Seed};
use crate::error::{Problem, Problems, Result};
use crate::input::Form;
use crate::texts::Language;
use crate::types::{Email, date};

/// The longest entry window, and the longest range of days one release gives out.
pub const MAX_WINDOW_DAYS: i64 = 14;
pub const MAX_RELEASE_DAYS: i64 = 62;
/// How far ahead of today a release may be opened.
pub const MAX_RELEASE_AHEAD_DAYS: i64 = 365;
/// How long a draw's run holds its release: past this, the run is taken to have died.
pub const DRAW_LEASE_SECONDS: i64 = 360;
/// How many partitions a release's entries are spread over: a click day's entries never meet
/// in one (DynamoDB allows 1,000 writes a second per partition).
pub const ENTRY_PARTITIONS: u8 = 16;

/// A release's number: `R` and 10 characters of Crockford's base32 (50 random bits).
pub fn new_release_id() -> String {
    let bits = crate::random::bits();
    let alphabet = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let chars: String = (0..10)
        .rev()
        .map(|i| alphabet[((bits >> (5 * i)) & 31) as usize] as char)
        .collect();
    format!("R{chars}")
}

/// Whether `id` has the shape `new_release_id` gives (anything else names no release).
pub fn is_release_id(id: &str) -> bool {
    id.len() == 11
        && id.starts_with('R')
        && id[1..]
            .bytes()
            .all(|b| b"0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(&b))
}

/// Where a release stands, as its times and its draw say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Published, its commitment too; the entry window has not opened.
    Announced,
    /// Taking entries.
    Open,
    /// The window closed; the draw is about to run.
    Closed,
    /// Drawn: the seed is revealed, the order published, the places given.
    Drawn,
}

/// What a finished draw gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawSummary {
    pub drawn_at: DateTime<Utc>,
    pub entries: u32,
    /// Entries that got an appointment.
    pub placed: u32,
    /// Entries on the waiting list.
    pub waiting: u32,
}

/// A service's places at an office (one site, or all that offer it) over a range of days, given
/// out by draw among the entries of a window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    pub id: String,
    pub office: String,
    pub service: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub commitment: Commitment,
    /// Secret until the draw: no view shows it before (`Release::revealed_seed`).
    pub seed: Seed,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    /// Its slots carry its mark: first come, first served takes none of them.
    #[serde(default)]
    pub marked: bool,
    /// The order and the places of its entries are recorded (the draw's first step).
    #[serde(default)]
    pub allocated: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drawn: Option<DrawSummary>,
    /// Its waiting list is done: its mark is lifted, and what is free is anyone's.
    #[serde(default)]
    pub returned: bool,
}

impl Release {
    pub fn phase(&self, now: DateTime<Utc>) -> Phase {
        if self.drawn.is_some() {
            Phase::Drawn
        } else if now < self.opens_at {
            Phase::Announced
        } else if now < self.closes_at {
            Phase::Open
        } else {
            Phase::Closed
        }
    }

    /// The seed, once the draw has run.
    pub fn revealed_seed(&self) -> Option<&Seed> {
        self.drawn.as_ref().map(|_| &self.seed)
    }

    /// The days it gives out.
    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.from.iter_days().take_while(|day| *day <= self.to)
    }

    /// Whether it gives out places of `site` on `date`.
    pub fn covers(&self, office: &str, site: &str, date: NaiveDate) -> bool {
        self.office == office
            && self.site.as_deref().is_none_or(|own| own == site)
            && (self.from..=self.to).contains(&date)
    }
}

/// An office's request to open a release by draw.
#[derive(Debug, Clone)]
pub struct ReleaseRequest {
    pub service: String,
    pub site: Option<String>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
}

fn instant(input: &str) -> std::result::Result<DateTime<Utc>, Problem> {
    DateTime::parse_from_rfc3339(input)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|_| Problem::Invalid)
}

/// Reads `POST /office/releases`; every bad field is named.
pub fn parse_release_request(body: &Value, now: DateTime<Utc>) -> Result<ReleaseRequest> {
    let form = Form::new(body)?;
    let mut problems = Problems::default();
    let service = form.text(&mut problems, "service");
    let site = form.optional_text(&mut problems, "site");
    let from = form.parse(&mut problems, "from", date);
    let to = form.parse(&mut problems, "to", date);
    let opens_at = form.parse(&mut problems, "opens_at", instant);
    let closes_at = form.parse(&mut problems, "closes_at", instant);
    if let (Some(opens_at), Some(closes_at)) = (opens_at, closes_at) {
        // A minute's grace: "now" as the office's clock read it a moment ago.
        if opens_at < now - Duration::minutes(1) {
            problems.add("opens_at", Problem::InPast);
        }
        if closes_at <= opens_at {
            problems.add("closes_at", Problem::Invalid);
        } else if closes_at - opens_at > Duration::days(MAX_WINDOW_DAYS) {
            problems.add(
                "closes_at",
                Problem::TooFar {
                    days: MAX_WINDOW_DAYS as u32,
                },
            );
        }
        if let Some(from) = from
            && from <= crate::time::today_in_rome(closes_at)
        {
            // The places start after the draw: the day after the window closes at the earliest.
            problems.add("from", Problem::Needs("closes_at"));
        }
    }
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            problems.add("to", Problem::Invalid);
        } else if (to - from).num_days() >= MAX_RELEASE_DAYS {
            problems.add(
                "to",
                Problem::TooFar {
                    days: MAX_RELEASE_DAYS as u32,
                },
            );
        }
        if (from - crate::time::today_in_rome(now)).num_days() > MAX_RELEASE_AHEAD_DAYS {
            problems.add(
                "from",
                Problem::TooFar {
                    days: MAX_RELEASE_AHEAD_DAYS as u32,
                },
            );
        }
    }
    problems.into_result()?;
    Ok(ReleaseRequest {
        service: service.expect("checked").to_owned(),
        site: site.map(str::to_owned),
        from: from.expect("checked"),
        to: to.expect("checked"),
        opens_at: opens_at.expect("checked"),
        closes_at: closes_at.expect("checked"),
    })
}

/// A place an entry was given by the draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GivenPlace {
    pub site: String,
    pub section: String,
    pub date: NaiveDate,
    #[serde(with = "crate::time::hhmm")]
    pub time: NaiveTime,
    pub starts_at: DateTime<Utc>,
    pub pool: Pool,
}

impl From<&OpenPlace> for GivenPlace {
    fn from(place: &OpenPlace) -> Self {
        GivenPlace {
            site: place.site.clone(),
            section: place.section.clone(),
            date: place.date,
            time: place.time,
            starts_at: place.starts_at,
            pool: place.pool,
        }
    }
}

/// What the draw made of an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum EntryOutcome {
    /// A place, and once made, its booking.
    Placed {
        place: GivenPlace,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        booking: Option<BookingId>,
    },
    /// No place: on the release's waiting list, at its place in the draw's order.
    Waiting,
    /// A place freed since the draw, offered to this entry until `expires_at` (the waiting
    /// list's turn): accepted, it becomes `Placed`; declined or let expire, `Passed`.
    Offered {
        place: GivenPlace,
        expires_at: DateTime<Utc>,
    },
    /// Off the waiting list: an offered place declined or let expire.
    Passed,
    /// The person already held an appointment for the service when the draw gave theirs: they
    /// keep the one they had, and the place goes to the waiting list.
    AlreadyBooked,
}

/// One entry: a person, entered by themselves or by an organisation, in one release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub release: String,
    pub pseudonym: Pseudonym,
    /// Keys the pseudonym; shown to the entrant, never published.
    pub code: EntryCode,
    pub attendee: Attendee,
    pub entered_by: Uuid,
    pub booker: Booker,
    /// Where its news goes: the entering account's e-mail, in its language.
    pub notify: Email,
    pub language: Language,
    /// Entered by a designated organisation for a vulnerable person (CAT-4).
    #[serde(default)]
    pub vulnerable: bool,
    #[serde(default)]
    pub wishes: Wishes,
    /// Its tickets: one, plus the earlier draws of the service the person lost (`weight`).
    pub weight: u32,
    /// Its claims "this person entered this release", under each identity key (BK-2's rules).
    pub claims: Vec<String>,
    /// The keys the person's lost draws of the service are counted under.
    pub loss_keys: Vec<String>,
    pub created_at: DateTime<Utc>,
    /// Its place in the draw's order, from 1, once drawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<EntryOutcome>,
    /// Its place on the waiting list as the draw left it (1: the first to be offered a freed
    /// place).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_rank: Option<u32>,
    /// The draw's result is counted in the person's record of losses (once).
    #[serde(default)]
    pub settled: bool,
    /// Each change of its outcome writes the next version, over the one it was computed from:
    /// two changes at once (an offer accepted as it expires) cannot both hold; and the notice
    /// of a change names the version it tells of (the outbox).
    pub version: u64,
}

/// An entry's public id: its release and its pseudonym (`R…` `.` 64 hexadecimal digits).
pub fn entry_id(release: &str, pseudonym: &Pseudonym) -> String {
    format!("{release}.{pseudonym}")
}

/// The release and pseudonym an entry's id names, if it has the shape `entry_id` gives.
pub fn parse_entry_id(id: &str) -> Option<(String, Pseudonym)> {
    let (release, pseudonym) = id.split_once('.')?;
    if !is_release_id(release) {
        return None;
    }
    Some((release.to_owned(), Pseudonym::parse(pseudonym)?))
}

impl Entry {
    pub fn id(&self) -> String {
        entry_id(&self.release, &self.pseudonym)
    }

    /// The booking the draw made for it.
    pub fn booking(&self) -> Option<&BookingId> {
        match &self.outcome {
            Some(EntryOutcome::Placed { booking, .. }) => booking.as_ref(),
            _ => None,
        }
    }
}

/// The claim keys of a person's entry in `release`, one per identity key (hashed).
pub fn entry_claims(release: &str, attendee: &Attendee) -> Vec<String> {
    attendee
        .identity_keys()
        .iter()
        .map(|key| hold_key(&format!("draw:{release}"), key))
        .collect()
}

/// The keys a person's lost draws of `service` are counted under (hashed).
pub fn loss_keys(service: &str, attendee: &Attendee) -> Vec<String> {
    attendee
        .identity_keys()
        .iter()
        .map(|key| hold_key(&format!("losses:{service}"), key))
        .collect()
}

/// What an entry asks for, as `POST /releases/{id}/entries` sends it.
#[derive(Debug, Clone)]
pub struct EntryRequest {
    /// Who enters, for an organisation or the office.
    pub beneficiary: Option<Attendee>,
    pub vulnerable: bool,
    pub wishes: Wishes,
}

/// Reads an entry request; every bad field is named.
pub fn parse_entry_request(body: &Value, today: NaiveDate) -> Result<EntryRequest> {
    let form = Form::new(body)?;
    let mut problems = Problems::default();
    let beneficiary = form
        .optional_object(&mut problems, "beneficiary")
        .and_then(|person| crate::bookings::parse_attendee(&person, &mut problems, today));
    let vulnerable = form
        .optional_bool(&mut problems, "vulnerable")
        .unwrap_or(false);
    let site = form.optional_text(&mut problems, "site");
    let part_of_day = form
        .parse_optional(&mut problems, "part_of_day", DayPart::parse)
        .unwrap_or_default();
    problems.into_result()?;
    Ok(EntryRequest {
        beneficiary,
        vulnerable,
        wishes: Wishes {
            site: site.map(str::to_owned),
            part_of_day,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        "2027-01-04T09:00:00Z".parse().unwrap()
    }

    #[test]
    fn release_numbers_have_one_shape() {
        let id = new_release_id();
        assert!(is_release_id(&id), "{id}");
        assert!(!is_release_id("R123"));
        assert!(!is_release_id("RIIIIIIIIII"));
    }

    #[test]
    fn a_release_request_names_every_bad_field() {
        let error = parse_release_request(
            &json!({
                "service": "",
                "from": "2027-01-05",
                "to": "2027-01-01",
                "opens_at": "2027-01-03T09:00:00Z",
                "closes_at": "2027-01-03T08:00:00Z"
            }),
            now(),
        )
        .unwrap_err();
        let fields: Vec<&str> = error.fields.keys().map(String::as_str).collect();
        for field in ["service", "to", "opens_at", "closes_at"] {
            assert!(fields.contains(&field), "{field} in {fields:?}");
        }
        let places_before_the_draw = parse_release_request(
            &json!({
                "service": "rilascio",
                "from": "2027-01-06",
                "to": "2027-01-20",
                "opens_at": "2027-01-04T09:00:00Z",
                "closes_at": "2027-01-06T09:00:00Z"
            }),
            now(),
        )
        .unwrap_err();
        assert_eq!(
            places_before_the_draw
                .fields
                .into_iter()
                .collect::<Vec<_>>(),
            [("from".to_owned(), Problem::Needs("closes_at"))]
        );
        let good = parse_release_request(
            &json!({
                "service": "rilascio",
                "from": "2027-01-07",
                "to": "2027-01-20",
                "opens_at": "2027-01-04T09:00:00Z",
                "closes_at": "2027-01-06T09:00:00Z"
            }),
            now(),
        )
        .unwrap();
        assert_eq!(good.to, "2027-01-20".parse().unwrap());
    }

    #[test]
    fn an_entry_request_reads_its_wishes() {
        let today = now().date_naive();
        let entry = parse_entry_request(
            &json!({"site": "via-fatebenefratelli", "part_of_day": "morning"}),
            today,
        )
        .unwrap();
        assert_eq!(entry.wishes.part_of_day, DayPart::Morning);
        let error = parse_entry_request(&json!({"part_of_day": "night"}), today).unwrap_err();
        assert_eq!(
            error.fields.into_iter().collect::<Vec<_>>(),
            [("part_of_day".to_owned(), Problem::NotAllowed)]
        );
    }
}
