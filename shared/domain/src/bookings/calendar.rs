//! The appointment as a calendar file (iCalendar, RFC 5545), attached to the e-mails that give
//! an appointment its time: a phone's mail app adds it to the calendar in one tap. Times are
//! instants in UTC (`…Z`), taken from the booking's own instant, so the calendar shows the
//! right hour in Italy on either side of a change of daylight saving time, and the right hour
//! in the person's own time zone when abroad. Each change of the booking raises the event's
//! SEQUENCE (its version), so a calendar replaces the event it holds with the moved one; a
//! cancellation sends the event cancelled. The portal's "add to calendar" uses the same UID, so
//! importing both keeps one event.

use chrono::{DateTime, Duration, Utc};

use crate::bookings::{Booking, BookingStatus};
use crate::catalogue::Catalogue;
use crate::texts::Appointment;

/// How long the event lasts when the section's slot length is unknown.
const DEFAULT_MINUTES: i64 = 30;

/// The content type of a booking's calendar file: an event to add, or to take away.
pub fn calendar_type(booking: &Booking) -> &'static str {
    if booking.status == BookingStatus::Cancelled {
        "text/calendar; charset=utf-8; method=CANCEL"
    } else {
        "text/calendar; charset=utf-8; method=PUBLISH"
    }
}

/// The file name of an appointment's calendar file.
pub fn calendar_filename(booking: &Booking) -> String {
    format!("appuntamento-{}.ics", booking.id.printed())
}

/// The calendar file of `booking`, its texts as `appointment` words them, stamped `now`.
pub fn calendar_file(
    catalogue: &Catalogue,
    booking: &Booking,
    appointment: &Appointment,
    now: DateTime<Utc>,
) -> Vec<u8> {
    let minutes = catalogue
        .office(&booking.office)
        .and_then(|office| office.site(&booking.site))
        .and_then(|site| site.sections.iter().find(|s| s.id == booking.section))
        .map_or(DEFAULT_MINUTES, |section| i64::from(section.slot_minutes));
    let office = catalogue
        .office(&booking.office)
        .map_or(booking.office.as_str(), |office| office.name.as_str());
    let location = [appointment.site.as_str(), appointment.address.as_str()]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    let (method, status) = if booking.status == BookingStatus::Cancelled {
        ("CANCEL", "CANCELLED")
    } else {
        ("PUBLISH", "CONFIRMED")
    };
    let lines = [
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//Prenota//Prenota//IT".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        format!("METHOD:{method}"),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{}@prenota", booking.id),
        format!("SEQUENCE:{}", booking.version),
        format!("STATUS:{status}"),
        format!("DTSTAMP:{}", instant(now)),
        format!("DTSTART:{}", instant(booking.starts_at)),
        format!(
            "DTEND:{}",
            instant(booking.starts_at + Duration::minutes(minutes))
        ),
        format!(
            "SUMMARY:{}",
            text(&format!("{office} – {}", appointment.service))
        ),
        format!("LOCATION:{}", text(&location)),
        format!(
            "DESCRIPTION:{}",
            text(&format!("N. {}", appointment.number))
        ),
        "BEGIN:VALARM".to_owned(),
        "TRIGGER:-P1D".to_owned(),
        "ACTION:DISPLAY".to_owned(),
        "DESCRIPTION:Prenota".to_owned(),
        "END:VALARM".to_owned(),
        "END:VEVENT".to_owned(),
        "END:VCALENDAR".to_owned(),
    ];
    lines
        .iter()
        .map(|line| fold(line))
        .collect::<String>()
        .into_bytes()
}

/// An instant as iCalendar writes it in UTC: `20270111T073000Z`.
fn instant(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A text value, its special characters escaped.
fn text(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace("\r\n", "\\n")
        .replace('\n', "\\n")
}

/// A content line ended by CRLF, folded so that no line exceeds 75 octets (a fold is CRLF and a
/// space; a character is never split).
fn fold(line: &str) -> String {
    let mut folded = String::with_capacity(line.len() + 8);
    let mut octets = 0;
    for character in line.chars() {
        let width = character.len_utf8();
        if octets + width > 75 {
            folded.push_str("\r\n ");
            octets = 1;
        }
        folded.push(character);
        octets += width;
    }
    folded.push_str("\r\n");
    folded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_a_character() {
        let line = format!("SUMMARY:{}", "è".repeat(60));
        let folded = fold(&line);
        for physical in folded.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(physical.len() <= 75, "{} octets", physical.len());
        }
        let unfolded = folded.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, line);
    }

    #[test]
    fn text_values_escape_what_ical_reserves() {
        assert_eq!(text("a, b; c\\d\ne"), "a\\, b\\; c\\\\d\\ne");
    }

    #[test]
    fn instants_are_written_in_utc() {
        let at: DateTime<Utc> = "2027-07-12T07:30:00Z".parse().unwrap();
        assert_eq!(instant(at), "20270712T073000Z");
    }
}
