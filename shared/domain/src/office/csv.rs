//! The reports' spreadsheets (EX-1): CSV that opens right in a spreadsheet with Italian settings
//! (`;` between fields, UTF-8 with a byte-order mark, dates dd/mm/yyyy, CRLF), written a row at
//! a time as the store's pages arrive. (The printable agenda is `prenota-documents`'.) It stays in
//! the domain because a report streams a day's bookings into it page by page, and it needs
//! nothing but the standard library.

use crate::accounts::Booker;
use crate::bookings::{Booking, BookingStatus};
use crate::catalogue::Catalogue;
use crate::texts::Language;
use crate::time::ROME;
use crate::types::IdentityDocument;

/// A CSV file being written.
pub struct Csv {
    bytes: Vec<u8>,
    rows: usize,
}

impl Csv {
    /// A file with its header row.
    pub fn new(columns: &[String]) -> Csv {
        // The BOM tells spreadsheets the file is UTF-8 (accented names stay right).
        let mut csv = Csv {
            bytes: "\u{feff}".as_bytes().to_vec(),
            rows: 0,
        };
        csv.line(columns);
        csv
    }

    pub fn row(&mut self, fields: &[String]) {
        self.line(fields);
        self.rows += 1;
    }

    fn line(&mut self, fields: &[String]) {
        for (index, field) in fields.iter().enumerate() {
            if index > 0 {
                self.bytes.push(b';');
            }
            self.bytes.extend_from_slice(escape(field).as_bytes());
        }
        self.bytes.extend_from_slice(b"\r\n");
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

/// A field as a spreadsheet must read it: quoted when it holds a separator, a quote or a line
/// break; never taken for a formula (a name starting with `=`, `+`, `-` or `@` is text).
fn escape(field: &str) -> String {
    let text = if field.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{field}")
    } else {
        field.to_owned()
    };
    if text.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The header of the bookings CSV, in both languages (`Numero / Number`).
pub fn booking_columns() -> Vec<String> {
    let (it, en) = (
        Language::It.texts().export_labels(),
        Language::En.texts().export_labels(),
    );
    [
        (it.number, en.number),
        (it.date, en.date),
        (it.time, en.time),
        (it.site, en.site),
        (it.service, en.service),
        (it.surname, en.surname),
        (it.given_names, en.given_names),
        (it.birth_date, en.birth_date),
        (it.document, en.document),
        (it.children, en.children),
        (it.booked_by, en.booked_by),
        (it.status, en.status),
        (it.created_at, en.created_at),
    ]
    .iter()
    .map(|(it, en)| format!("{it} / {en}"))
    .collect()
}

/// A booking as a row of the bookings CSV.
pub fn booking_row(catalogue: &Catalogue, booking: &Booking) -> Vec<String> {
    let (it, en) = (Language::It.texts(), Language::En.texts());
    let site = catalogue
        .office(&booking.office)
        .and_then(|office| office.site(&booking.site))
        .map_or_else(|| booking.site.clone(), |site| site.name.clone());
    let service = catalogue
        .service(&booking.service)
        .map_or_else(|| booking.service.clone(), |s| s.name.it.clone());
    let (booker_it, booker_en) = match booking.booker {
        Booker::Individual => (it.export_labels().person, en.export_labels().person),
        Booker::Organisation => (
            it.export_labels().organisation,
            en.export_labels().organisation,
        ),
        Booker::Office => (it.export_labels().office, en.export_labels().office),
    };
    let person = &booking.attendee;
    vec![
        booking.id.printed(),
        booking.date.format("%d/%m/%Y").to_string(),
        booking.time.format("%H:%M").to_string(),
        site,
        service,
        person.surname.as_str().to_owned(),
        person.given_names.as_str().to_owned(),
        person.birth_date.format("%d/%m/%Y").to_string(),
        person
            .document
            .as_ref()
            .map(IdentityDocument::listed)
            .unwrap_or_default(),
        booking
            .children
            .iter()
            .map(|c| c.full_name())
            .collect::<Vec<_>>()
            .join(", "),
        format!("{booker_it} / {booker_en}"),
        format!(
            "{} / {}",
            it.booking_status(booking.status),
            en.booking_status(booking.status)
        ),
        booking
            .created_at
            .with_timezone(&ROME)
            .format("%d/%m/%Y %H:%M")
            .to_string(),
    ]
}

/// Whether a booking belongs on an agenda (still expected, or already at the counter).
pub fn on_agenda(booking: &Booking) -> bool {
    matches!(
        booking.status,
        BookingStatus::Active | BookingStatus::CheckedIn
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_never_formulas() {
        assert_eq!(escape("Rossi"), "Rossi");
        assert_eq!(escape("Via Roma; 1"), "\"Via Roma; 1\"");
        assert_eq!(escape("D'Amico \"Toto\""), "\"D'Amico \"\"Toto\"\"\"");
        assert_eq!(escape("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(escape("-5"), "'-5");
        assert_eq!(escape("Nguyễn"), "Nguyễn");
    }

    #[test]
    fn the_file_starts_with_a_bom_and_ends_lines_with_crlf() {
        let mut csv = Csv::new(&["Numero / Number".into(), "Cognome / Surname".into()]);
        csv.row(&["7K3P-9QX2-M4ND".into(), "Çelik".into()]);
        let text = String::from_utf8(csv.into_bytes()).unwrap();
        assert_eq!(
            text,
            "\u{feff}Numero / Number;Cognome / Surname\r\n7K3P-9QX2-M4ND;Çelik\r\n"
        );
    }
}
