//! A booking: who attends (a person, or an organisation's beneficiary, with children under 14),
//! for which service, where and when, and in which state.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::accounts::Booker;
use crate::accounts::registration::parse_document;
use crate::error::{Problem, Problems, Result};
use crate::input::Form;
use crate::texts::Language;
use crate::types::{Email, IdentityDocument, Name, birth_date, date};

/// A booking's number: 60 random bits, written in Crockford's base32 (12 characters), printed
/// as `XXXX-XXXX-XXXX`. It travels in the receipt's code, which defines it.
pub use prenota_receipt_code::BookingId;

/// A new booking number, drawn at random.
pub fn new_booking_id() -> BookingId {
    BookingId::from_bits(crate::random::bits())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    Active,
    Cancelled,
    CheckedIn,
    NoShow,
}

/// Which places of the slot the booking holds: anyone's, or those reserved for vulnerable
/// persons (CAT-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pool {
    General,
    Reserved,
}

/// A person attending: the account holder, an organisation's beneficiary, or a child.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendee {
    pub surname: Name,
    pub given_names: Name,
    pub birth_date: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<IdentityDocument>,
}

impl Attendee {
    /// The keys that make two bookings the same person's (BK-2, BK-4): the names and date of
    /// birth always, and the identity document when there is one. A booking claims them all,
    /// so neither another spelling of the name nor leaving the document out gets a second
    /// appointment. Names are compared transliterated and as the letters they hold, in any
    /// order: case, diacritics, apostrophes, dashes and spaces do not matter (`D'Amico`,
    /// `D Amico`, `DAMICO`), nor which field a name was typed in.
    pub fn identity_keys(&self) -> Vec<String> {
        let mut letters: Vec<char> =
            format!("{}{}", self.surname.folded(), self.given_names.folded())
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
        letters.sort_unstable();
        let letters: String = letters.into_iter().collect();
        let mut keys = vec![format!("NAME:{letters}|{}", self.birth_date)];
        if let Some(document) = &self.document {
            keys.push(format!("DOC:{}", document.identity_key()));
        }
        keys
    }

    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_names.as_str(), self.surname.as_str())
    }
}

/// The key of the claim "this person holds an active booking for this service" (BK-2), for one
/// of the person's identity keys, hashed: it must not carry the document number in clear.
pub fn hold_key(service: &str, identity_key: &str) -> String {
    let digest = Sha256::digest(format!("{service}\u{0}{identity_key}").as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

#[derive(Clone, Serialize, Deserialize)]
pub struct Booking {
    pub id: BookingId,
    pub status: BookingStatus,
    pub service: String,
    pub office: String,
    pub site: String,
    pub section: String,
    pub date: NaiveDate,
    #[serde(with = "crate::time::hhmm")]
    pub time: NaiveTime,
    pub starts_at: DateTime<Utc>,
    pub pool: Pool,
    pub attendee: Attendee,
    pub children: Vec<Attendee>,
    pub booked_by: Uuid,
    pub booker: Booker,
    /// Where confirmations go: the booking account's e-mail, in its language.
    pub notify: Email,
    pub language: Language,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
    /// Booked for a vulnerable person (CAT-4) by a designated organisation or the office: it
    /// may take reserved places, and keeps that right when moved. A public booking that got a
    /// reserved place released to everyone does not.
    #[serde(default)]
    pub vulnerable: bool,
    /// Given by this release's draw (or its waiting list): the only way into a slot that a
    /// release by draw holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    /// The hold keys the booking claimed when it was made (released with it, whatever the
    /// identity rules say by then).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holds: Vec<String>,
    /// Why the office moved or cancelled the appointment (the person sees it in their list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_change: Option<OfficeChange>,
    /// The signed receipt of the booking as it is now (none while being issued, or after a move
    /// until the new one is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<Receipt>,
}

impl Booking {
    /// The holds this booking claims, with whose they are: 0 the attendee, `i + 1` child `i`.
    pub fn holds_by_person(&self) -> Vec<(usize, String)> {
        std::iter::once(&self.attendee)
            .chain(&self.children)
            .enumerate()
            .flat_map(|(person, attendee)| {
                attendee
                    .identity_keys()
                    .into_iter()
                    .map(move |key| (person, hold_key(&self.service, &key)))
            })
            .collect()
    }

    pub fn hold_keys(&self) -> Vec<String> {
        self.holds_by_person()
            .into_iter()
            .map(|(_, key)| key)
            .collect()
    }

    /// The holds to release: those the booking recorded claiming, or (a booking written before
    /// they were recorded) those its people have.
    pub fn claimed_holds(&self) -> Vec<String> {
        if self.holds.is_empty() {
            self.hold_keys()
        } else {
            self.holds.clone()
        }
    }

    /// Which places the booking may hold when it moves: the same as when it was made.
    pub fn access(&self) -> Access {
        if self.vulnerable {
            Access::Vulnerable
        } else {
            Access::Public
        }
    }
}

impl Booking {
    /// The words of every name of the booking (the attendee's and the children's),
    /// transliterated, for finding it by name.
    pub fn search_words(&self) -> String {
        let mut words: Vec<String> = std::iter::once(&self.attendee)
            .chain(&self.children)
            .flat_map(|a| [a.surname.folded(), a.given_names.folded()])
            .flat_map(|names| names.split(' ').map(str::to_owned).collect::<Vec<_>>())
            .collect();
        words.sort();
        words.dedup();
        format!(" {} ", words.join(" "))
    }

    /// What remains of the booking once its personal data is erased: what the office's
    /// statistics need, and its status for a receipt still in someone's hands.
    pub fn erased(&self, at: DateTime<Utc>) -> ErasedBooking {
        ErasedBooking {
            id: self.id.clone(),
            status: self.status,
            service: self.service.clone(),
            office: self.office.clone(),
            site: self.site.clone(),
            section: self.section.clone(),
            date: self.date,
            time: self.time,
            pool: self.pool,
            booker: self.booker,
            vulnerable: self.vulnerable,
            children: self.children.len(),
            created_at: self.created_at,
            erased_at: at,
            version: self.version + 1,
        }
    }
}

/// A booking without any person in it (PD-1, PD-2): no names, document, e-mail, account or
/// receipt; how many children came stays, as a number.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErasedBooking {
    pub id: BookingId,
    pub status: BookingStatus,
    pub service: String,
    pub office: String,
    pub site: String,
    pub section: String,
    pub date: NaiveDate,
    #[serde(with = "crate::time::hhmm")]
    pub time: NaiveTime,
    pub pool: Pool,
    pub booker: Booker,
    pub vulnerable: bool,
    pub children: usize,
    pub created_at: DateTime<Utc>,
    pub erased_at: DateTime<Utc>,
    pub version: u64,
}

/// A booking as the store keeps it.
#[derive(Clone)]
pub enum BookingRecord {
    Live(Box<Booking>),
    Erased(ErasedBooking),
}

impl BookingRecord {
    pub fn status(&self) -> BookingStatus {
        match self {
            BookingRecord::Live(booking) => booking.status,
            BookingRecord::Erased(erased) => erased.status,
        }
    }
}

/// What the office did to an appointment, and why (a move or cancellation at the counter, an
/// extraordinary closure).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeChange {
    pub action: OfficeAction,
    pub reason: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfficeAction {
    Moved,
    Cancelled,
}

/// A time written `HH:MM`.
pub fn time(input: &str) -> std::result::Result<NaiveTime, Problem> {
    if input.len() != 5 {
        return Err(Problem::InvalidTime);
    }
    NaiveTime::parse_from_str(input, "%H:%M").map_err(|_| Problem::InvalidTime)
}

/// `POST /bookings`, parsed: every bad field named at once.
pub struct BookingRequest {
    pub service: String,
    pub office: String,
    pub site: Option<String>,
    pub date: Option<NaiveDate>,
    pub time: Option<NaiveTime>,
    pub beneficiary: Option<Attendee>,
    pub children: Vec<Attendee>,
    /// A place reserved for vulnerable persons (CAT-4) is asked for.
    pub vulnerable: bool,
}

pub fn parse_booking_request(body: &Value, today: NaiveDate) -> Result<BookingRequest> {
    let form = Form::new(body)?;
    let mut problems = Problems::default();
    let service = form.text(&mut problems, "service").map(str::to_owned);
    let office = form.text(&mut problems, "office").map(str::to_owned);
    let site = form.optional_text(&mut problems, "site").map(str::to_owned);
    let date = form.parse_optional(&mut problems, "date", date);
    let time = form.parse_optional(&mut problems, "time", time);
    if time.is_some() && date.is_none() && form.optional_text(&mut problems, "date").is_none() {
        problems.add("time", Problem::Needs("date"));
    }
    let beneficiary = form
        .optional_object(&mut problems, "beneficiary")
        .and_then(|b| parse_attendee(&b, &mut problems, today));
    let children_forms = form.objects(&mut problems, "children");
    if children_forms.len() > crate::limits::CHILDREN {
        problems.add(
            "children",
            Problem::TooMany {
                max: crate::limits::CHILDREN,
            },
        );
    }
    let children: Vec<Attendee> = children_forms
        .iter()
        .take(crate::limits::CHILDREN)
        .filter_map(|child| parse_attendee(child, &mut problems, today))
        .collect();
    let vulnerable = form
        .optional_bool(&mut problems, "vulnerable")
        .unwrap_or(false);
    problems.into_result()?;
    Ok(BookingRequest {
        service: service.expect("checked"),
        office: office.expect("checked"),
        site,
        date,
        time,
        beneficiary,
        children,
        vulnerable,
    })
}

/// `{"surname", "given_names", "birth_date", "document"?}`
pub fn parse_attendee(form: &Form, problems: &mut Problems, today: NaiveDate) -> Option<Attendee> {
    let surname = form.parse(problems, "surname", Name::parse);
    let given_names = form.parse(problems, "given_names", Name::parse);
    let birth = form.parse(problems, "birth_date", |text| birth_date(text, today));
    let document = parse_document(form, problems, "document", false);
    Some(Attendee {
        surname: surname?,
        given_names: given_names?,
        birth_date: birth?,
        document,
    })
}

/// The fingerprint of a request body, to tell a retry from a different request with the same
/// `Idempotency-Key` (object keys are sorted, so equal JSON gives equal fingerprints).
pub fn fingerprint(body: &Value) -> String {
    let digest = Sha256::digest(body.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A receipt as stored with its booking: signing happens once, re-rendering never signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub code: String,
    pub issued_at: chrono::DateTime<chrono::Utc>,
}

/// Who is booking: anyone, or someone allowed to book a place reserved for a vulnerable person
/// (a designated organisation, the office).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    Vulnerable,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    #[test]
    fn booking_numbers_are_random_and_read_back_as_printed() {
        let id = new_booking_id();
        assert_eq!(id.as_str().len(), 12);
        assert_ne!(id, new_booking_id());
        assert_eq!(
            BookingId::parse(&id.printed().to_lowercase()),
            Some(id.clone())
        );
        assert_eq!(
            BookingId::parse("O1IL-0000-0000").unwrap().as_str(),
            "011100000000"
        );
        assert!(
            BookingId::parse("ABCD-EFGH-IJKU").is_none(),
            "U is not in the alphabet"
        );
        assert!(BookingId::parse("ABC").is_none());
        assert_eq!(BookingId::from_bytes(id.to_bytes()), id);
    }

    #[test]
    fn a_person_is_the_same_by_document_or_by_name_and_birth_date() {
        let mut problems = Problems::default();
        let body = json!({"surname": "Çelik", "given_names": "Ayşe", "birth_date": "1980-01-02"});
        let without = parse_attendee(&Form::new(&body).unwrap(), &mut problems, today()).unwrap();
        let spellings = [
            json!({"surname": "ÇELIK", "given_names": "  AYŞE ", "birth_date": "1980-01-02"}),
            json!({"surname": "Celik", "given_names": "Ayse", "birth_date": "1980-01-02"}),
            // The names' fields swapped, as people whose names are written surname first do.
            json!({"surname": "Ayşe", "given_names": "Çelik", "birth_date": "1980-01-02"}),
        ];
        for body in spellings {
            let other = parse_attendee(&Form::new(&body).unwrap(), &mut problems, today()).unwrap();
            assert_eq!(without.identity_keys(), other.identity_keys(), "{body}");
        }
        let key = &without.identity_keys()[0];
        assert_ne!(hold_key("s", key), hold_key("t", key));
        assert!(!hold_key("s", key).contains("ELIK"));
        // With a document, both the names and the document identify the person.
        let body = json!({"surname": "Çelik", "given_names": "Ayşe", "birth_date": "1980-01-02",
            "document": {"type": "passport", "number": "U1234567", "issuing_country": "TR"}});
        let with = parse_attendee(&Form::new(&body).unwrap(), &mut problems, today()).unwrap();
        assert_eq!(with.identity_keys()[0], without.identity_keys()[0]);
        assert_eq!(with.identity_keys()[1], "DOC:TR:U1234567");
        assert!(problems.is_empty());
    }

    #[test]
    fn a_booking_request_names_every_bad_field() {
        let body = json!({"service": "", "date": "2027-02-30", "time": "9:00",
            "beneficiary": {"surname": "X1", "birth_date": "2030-01-01", "document": {"type": "visa"}},
            "children": [{"surname": "Rossi", "given_names": "Luca", "birth_date": "2020-01-01"}, 7],
            "vulnerable": "yes"});
        let error = parse_booking_request(&body, today()).err().unwrap();
        for field in [
            "service",
            "office",
            "date",
            "time",
            "beneficiary.surname",
            "beneficiary.given_names",
            "beneficiary.birth_date",
            "beneficiary.document.type",
            "beneficiary.document.number",
            "children.1",
            "vulnerable",
        ] {
            assert!(
                error.fields.contains_key(field),
                "{field}: {:?}",
                error.fields.keys()
            );
        }
        let error = parse_booking_request(
            &json!({"service": "s", "office": "o", "time": "09:00"}),
            today(),
        )
        .err()
        .unwrap();
        assert_eq!(error.fields["time"], Problem::Needs("date"));
        let child = json!({"surname": "Rossi", "given_names": "Luca", "birth_date": "2020-01-01"});
        let error = parse_booking_request(
            &json!({"service": "s", "office": "o", "children": vec![child; 11]}),
            today(),
        )
        .err()
        .unwrap();
        assert_eq!(error.fields["children"], Problem::TooMany { max: 10 });
    }

    #[test]
    fn fingerprints_ignore_key_order() {
        assert_eq!(
            fingerprint(&json!({"a": 1, "b": 2})),
            fingerprint(&json!({"b": 2, "a": 1}))
        );
        assert_ne!(fingerprint(&json!({"a": 1})), fingerprint(&json!({"a": 2})));
    }
}
