//! The receipt of a booking: what its code certifies, from the booking. The code itself (its
//! record, COSE, base45, the keys' JWK) is `prenota-receipt-code`, re-exported here.

pub use prenota_receipt_code::*;

use crate::bookings::{Attendee, Booking};

/// What the receipt of `booking` certifies.
pub fn receipt_data(booking: &Booking) -> ReceiptData {
    ReceiptData {
        booking: booking.id.clone(),
        number: booking.id.printed(),
        name: receipt_name(&booking.attendee),
        document: booking.attendee.document.as_ref().map(|d| d.identity_key()),
        children: u32::try_from(booking.children.len()).unwrap_or(u32::MAX),
        site: booking.site.clone(),
        service: booking.service.clone(),
        date: booking.date,
        time: booking.time,
    }
}

/// The name as the QR code carries it: `SURNAME, GIVEN NAMES`, transliterated, at most
/// `limits::RECEIPT_NAME_BYTES` bytes (cut at a character boundary, without a dangling comma).
pub fn receipt_name(attendee: &Attendee) -> String {
    let full = format!(
        "{}, {}",
        attendee.surname.folded(),
        attendee.given_names.folded()
    );
    let mut end = full.len().min(crate::limits::RECEIPT_NAME_BYTES);
    while !full.is_char_boundary(end) {
        end -= 1;
    }
    full[..end].trim_end_matches([',', ' ']).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, NaiveTime};

    /// The largest record the limits allow: the longest site and service ids the catalogue
    /// accepts, a name past the cut, the longest document, as many children as allowed.
    fn worst_case() -> ReceiptData {
        use crate::types::{Name, birth_date};
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let attendee = Attendee {
            surname: Name::parse("Wolfeschlegelsteinhausenbergerdorff").unwrap(),
            given_names: Name::parse("Hubert Blaine").unwrap(),
            birth_date: birth_date("1990-01-01", today).unwrap(),
            document: None,
        };
        let name = receipt_name(&attendee);
        assert_eq!(name.len(), crate::limits::RECEIPT_NAME_BYTES);
        ReceiptData {
            number: "ZZZZ-ZZZZ-ZZZZ".into(),
            booking: BookingId::parse("ZZZZ-ZZZZ-ZZZZ").unwrap(),
            name,
            document: Some(format!("VN:{}", "Z".repeat(20))),
            children: crate::limits::CHILDREN as u32,
            site: "s".repeat(crate::limits::SITE_ID_BYTES),
            service: "s".repeat(crate::limits::SERVICE_ID_BYTES),
            date: NaiveDate::from_ymd_opt(2099, 12, 31).unwrap(),
            time: NaiveTime::from_hms_opt(23, 59, 0).unwrap(),
        }
    }

    #[test]
    fn the_worst_case_receipt_code_fits_max_code_chars() {
        // A signature is always 64 bytes: its value does not change the code's length (the
        // receipt code's own tests check signing and verifying).
        let code = prepare(&worst_case(), KeyId([0; 8])).finish(&[0; 64]);
        assert!(code.len() <= MAX_CODE_CHARS, "{} characters", code.len());
        // (shared/documents checks that MAX_CODE_CHARS such characters fit its QR code.)
        assert_eq!(decode(&code).map(|decoded| decoded.data), Ok(worst_case()));
        assert!(
            code.bytes()
                .all(|b| b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".contains(&b)),
            "alphanumeric mode"
        );
    }
}
