//! `GET /bookings/{id}/receipt` (RC-2): the receipt as a PDF.

use tracing::instrument;

use crate::App;
use crate::accounts::Caller;
use crate::bookings::{Booking, BookingId, BookingStatus};
use crate::error::{Code, Result};
use crate::ports::{Clock, Documents, Signer, Store};

/// The file name of a receipt.
pub fn receipt_filename(id: &BookingId) -> String {
    format!("ricevuta-receipt-{}.pdf", id.printed())
}

impl<S, M, K, C, D> App<S, M, K, C, D>
where
    S: Store,
    K: Signer,
    C: Clock,
    D: Documents,
{
    /// `GET /bookings/{id}/receipt.pdf`, for the account that made the booking.
    #[instrument(skip_all, fields(account_id = %caller.account.id))]
    pub async fn receipt_pdf(&self, caller: &Caller, id: &str) -> Result<(Booking, Vec<u8>)> {
        let mut booking = self.booking_of(caller, id).await?;
        if booking.receipt.is_none() {
            if booking.status != BookingStatus::Active {
                return Err(Code::BookingClosed.into());
            }
            self.issue_receipt(&mut booking).await;
        }
        let catalogue = self.store.catalogue().await?;
        let receipt = booking
            .receipt
            .clone()
            .ok_or_else(|| anyhow::anyhow!("the receipt could not be issued"))?;
        let pdf = self.documents.receipt_pdf(&catalogue, &booking, &receipt);
        Ok((booking, pdf))
    }
}
