//! The documents Prenota prints (RC-2, EX-1): a booking's receipt and an office's agenda as
//! PDF, with the receipt's QR code. The domain asks for them through its `Documents` port; the
//! functions that e-mail or serve a PDF build their application with [`Printer`], the others
//! never link this crate, its PDF library or its fonts.

pub mod pdf;
pub mod qr;

use chrono::NaiveDate;
use prenota_domain::bookings::{Booking, Receipt};
use prenota_domain::catalogue::Catalogue;
use prenota_domain::ports::Documents;

/// Renders the domain's documents as PDF.
#[derive(Debug, Clone, Copy, Default)]
pub struct Printer;

impl Documents for Printer {
    fn receipt_pdf(&self, catalogue: &Catalogue, booking: &Booking, receipt: &Receipt) -> Vec<u8> {
        pdf::receipt(catalogue, booking, &receipt.code, receipt.issued_at)
    }

    fn agenda_pdf(
        &self,
        catalogue: &Catalogue,
        office: &str,
        date: NaiveDate,
        agenda: &[Booking],
    ) -> Vec<u8> {
        let agenda: Vec<&Booking> = agenda.iter().collect();
        pdf::agenda(catalogue, office, date, &agenda)
    }
}
