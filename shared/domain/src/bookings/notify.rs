//! The e-mails about a booking, with its receipt attached.

use tracing::warn;

use crate::App;
use crate::bookings::{Booking, BookingStatus};
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
    /// Tells the booking's account, in both languages, with the receipt attached when the
    /// booking has one. A mail that cannot be sent never undoes a booking: it is logged.
    pub(crate) async fn notify(
        &self,
        catalogue: &Catalogue,
        booking: &Booking,
        text: impl Fn(&dyn Texts, &Appointment) -> MailText,
    ) {
        let receipt = booking
            .receipt
            .as_ref()
            .filter(|_| booking.status == BookingStatus::Active);
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
        if let Err(error) = self.mailer.send(&mail).await {
            warn!(booking_id = %booking.id, error = format!("{error:#}"), "booking e-mail not sent");
        }
    }
}
