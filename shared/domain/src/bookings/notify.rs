//! The e-mails about a booking, with its receipt attached.

use crate::App;
use crate::bookings::{
    Booking, BookingStatus, NoticeKind, calendar_file, calendar_filename, calendar_type,
};
use crate::catalogue::Catalogue;
use crate::ports::{Clock, Documents};
use crate::receipts::receipt_filename;
use crate::texts::mail::{Attachment, OutgoingMail, Requested, SERVICE_NAME, compose};
use crate::texts::{Appointment, Texts};

/// Who a mail about a booking is from: its office.
pub(crate) fn sender_name(catalogue: &Catalogue, booking: &Booking) -> String {
    catalogue
        .office(&booking.office)
        .map_or_else(|| SERVICE_NAME.to_owned(), |office| office.name.clone())
}

impl<S, M, K, C, D> App<S, M, K, C, D> {
    /// A booking's page in the portal (which shows it, and cancels it with a button: a link
    /// never cancels, so a mail scanner opening it changes nothing).
    pub(crate) fn booking_page(&self, booking: &Booking) -> String {
        format!("{}/appuntamenti/{}", self.config.portal_url, booking.id)
    }
}

impl<S, M, K, C, D> App<S, M, K, C, D>
where
    C: Clock,
    D: Documents,
{
    /// The e-mail of a notice to the booking's holder, in both languages, with its receipt and
    /// calendar file attached while the booking is to come (once cancelled, the calendar file
    /// cancelling it).
    pub(crate) fn booking_mail(
        &self,
        catalogue: &Catalogue,
        booking: &Booking,
        kind: NoticeKind,
    ) -> Option<OutgoingMail> {
        let link = self.booking_page(booking);
        let text = |t: &dyn Texts, a: &Appointment| match kind {
            NoticeKind::Confirmed => Some(t.booking_confirmed(a, &link)),
            NoticeKind::Moved => Some(t.booking_moved(a, &link)),
            NoticeKind::Cancelled => Some(t.booking_cancelled(a)),
            // A draw's entry's news (`draws::notify`).
            NoticeKind::Entered | NoticeKind::Waiting | NoticeKind::Offered => None,
        };
        // Checked once, so that `compose` below always has a text.
        let language = booking.language.texts();
        text(
            language,
            &Appointment::of(catalogue, booking, booking.language),
        )?;
        // A booking still to come: its receipt and its calendar file go with the e-mail; a
        // cancelled one: the calendar file that takes it out of the calendar.
        let upcoming = booking.status == BookingStatus::Active;
        let receipt = booking.receipt.as_ref().filter(|_| upcoming);
        let mut mail = compose(
            &sender_name(catalogue, booking),
            &booking.notify,
            &booking.attendee.full_name(),
            booking.language,
            Requested::ByTheRecipient,
            |t| {
                let mut part =
                    text(t, &Appointment::of(catalogue, booking, t.language())).unwrap_or_default();
                if receipt.is_some() {
                    part.closing.push(t.receipt_attached().to_owned());
                }
                part
            },
        );
        if let Some(receipt) = receipt {
            mail.attachments.push(Attachment {
                filename: receipt_filename(&booking.id),
                content_type: "application/pdf",
                content: self.documents.receipt_pdf(catalogue, booking, receipt),
            });
        }
        if upcoming || booking.status == BookingStatus::Cancelled {
            let appointment = Appointment::of(catalogue, booking, booking.language);
            mail.attachments.push(Attachment {
                filename: calendar_filename(booking),
                content_type: calendar_type(booking),
                content: calendar_file(catalogue, booking, &appointment, self.clock.now()),
            });
        }
        Some(mail)
    }
}
