//! Sample request bodies (API.md's person and organisation) with unique e-mails and documents,
//! for tests and benchmarks: the local mailbox is shared, so every address must be new.

use prenota_domain::catalogue::{Catalogue, Section, TimeRange, WeeklyHours};
use serde_json::{Value, json};

/// A unique e-mail address: the mailbox is shared by every test.
pub fn unique_email(name: &str) -> String {
    format!(
        "{name}.{}@example.org",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    )
}

/// A unique passport number.
pub fn unique_document() -> String {
    format!("YA{}", rand::random_range(1_000_000_000u64..9_999_999_999))
}

pub const PASSWORD: &str = "corretto cavallo batteria";

/// API.md's person, with a unique e-mail and document.
pub fn person() -> Value {
    person_with(&unique_email("amina"), &unique_document())
}

/// A second given name of random letters: people of one test must be different people (BK-2
/// tells persons apart by their names and date of birth, and by their document).
pub fn unique_given_names() -> String {
    let letters: String = (0..8)
        .map(|i| {
            let letter = char::from(b'a' + rand::random_range(0..26u8));
            if i == 0 {
                letter.to_ascii_uppercase()
            } else {
                letter
            }
        })
        .collect();
    format!("Amina {letters}")
}

pub fn person_with(email: &str, document_number: &str) -> Value {
    json!({ "kind": "person", "surname": "Rossi", "given_names": unique_given_names(), "birth_date": "1990-04-12",
        "sex": "F", "citizenship": "MA",
        "document": { "type": "passport", "number": document_number, "issuing_country": "MA" },
        "address": "Via Padova 21", "municipality": "Milano", "cap": "20127",
        "email": email, "phone": "+393331234567", "password": PASSWORD,
        "accept_terms": true, "accept_privacy": true, "language": "it" })
}

/// A valid partita IVA: ten random digits and their check digit.
pub fn unique_partita_iva() -> String {
    let mut digits: Vec<u32> = (0..10).map(|_| rand::random_range(0..10)).collect();
    digits[0] = rand::random_range(1..10);
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 0 {
                d
            } else if d * 2 > 9 {
                d * 2 - 9
            } else {
                d * 2
            }
        })
        .sum();
    digits.push((10 - sum % 10) % 10);
    digits
        .iter()
        .map(|d| char::from_digit(*d, 10).unwrap())
        .collect()
}

pub fn organisation() -> Value {
    json!({ "kind": "organisation", "name": "Associazione Porte Aperte", "fiscal_code": unique_partita_iva(),
        "address": "Viale Monza 79", "municipality": "Milano", "cap": "20125",
        "email": unique_email("ente"), "pec": unique_email("ente.pec"), "phone": "02 1234567",
        "password": PASSWORD, "accept_terms": true, "accept_privacy": true, "language": "en", "office": "milano" })
}

/// Monday 11 January 2027, 08:00 in Italy: the tests' working day (Epiphany past, the offices
/// open).
pub const MONDAY: &str = "2027-01-11T07:00:00Z";

/// Alessandria's general counters (its first site's `generale` section), changed by `change`:
/// the tests' section to reshape.
pub fn general_counters(catalogue: &mut Catalogue, change: impl FnOnce(&mut Section)) {
    let office = catalogue
        .offices
        .iter_mut()
        .find(|o| o.id == "alessandria")
        .expect("Alessandria in the repository's catalogue");
    change(
        office.sites[0]
            .sections
            .iter_mut()
            .find(|s| s.id == "generale")
            .expect("Alessandria's general counters"),
    );
}

/// Opening hours from `HH:MM-HH:MM` ranges.
pub fn hours(ranges: &[&str]) -> Vec<TimeRange> {
    ranges
        .iter()
        .map(|r| TimeRange::parse(r).expect("a time range"))
        .collect()
}

/// The same hours Monday to Friday, closed at weekends.
pub fn weekdays(ranges: &[&str]) -> WeeklyHours {
    let day = hours(ranges);
    WeeklyHours {
        mon: day.clone(),
        tue: day.clone(),
        wed: day.clone(),
        thu: day.clone(),
        fri: day,
        ..Default::default()
    }
}

/// What SNS delivers when SES publishes a permanent bounce (or, with `complaint`, a complaint)
/// of a mail to `address` through the configuration set: the event's JSON as the message.
pub fn ses_feedback_event(address: &str, complaint: bool) -> Value {
    let message = if complaint {
        json!({ "eventType": "Complaint", "mail": { "destination": [address] },
            "complaint": { "complainedRecipients": [{ "emailAddress": address }], "complaintFeedbackType": "abuse" } })
    } else {
        json!({ "eventType": "Bounce", "mail": { "destination": [address] },
            "bounce": { "bounceType": "Permanent", "bounceSubType": "General",
                "bouncedRecipients": [{ "emailAddress": address, "action": "failed", "status": "5.1.1" }] } })
    };
    json!({ "Records": [{ "EventSource": "aws:sns", "EventVersion": "1.0",
        "Sns": { "Type": "Notification", "Message": message.to_string() } }] })
}
