//! The e-mails about a booking, with its receipt attached.

use tracing::warn;

use crate::App;
use crate::bookings::{Booking, BookingStatus, calendar_file, calendar_filename, calendar_type};
use crate::catalogue::Catalogue;
use crate::ports::{Clock, Documents, Mailer, Store};
use crate::receipts::receipt_filename;
use crate::texts::mail::{Attachment, Requested, compose};
use crate::texts::{Appointment, MailText, Texts};

impl<S, M, K, C, D> App<S, M, K, C, D>
where
    S: Store,
    M: Mailer,
    C: Clock,
    D: Documents,
{
    /// Tells the booking's account, in both languages, with its receipt and calendar file
    /// attached while the booking is to come (once cancelled, the calendar file cancelling it).
    /// A mail that cannot be sent never undoes a booking: it is logged.
    pub(crate) async fn notify(
        &self,
        catalogue: &Catalogue,
        booking: &Booking,
        text: impl Fn(&dyn Texts, &Appointment) -> MailText,
    ) {
        // A booking still to come: its receipt and its calendar file go with the e-mail; a
        // cancelled one: the calendar file that takes it out of the calendar.
        let upcoming = booking.status == BookingStatus::Active;
        let receipt = booking.receipt.as_ref().filter(|_| upcoming);
        let mut mail = compose(
            &booking.notify,
            &booking.attendee.full_name(),
            booking.language,
            Requested::ByTheRecipient,
            |t| {
                let mut part = text(t, &Appointment::of(catalogue, booking, t.language()));
                if receipt.is_some() {
                    part.paragraphs.push(t.receipt_attached().to_owned());
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
        if let Err(error) = self.mailer.send(&mail).await {
            warn!(booking_id = %booking.id, error = format!("{error:#}"), "booking e-mail not sent");
        }
    }
}
