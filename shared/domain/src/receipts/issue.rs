//! Signing a booking's receipt (RC-1): once, with KMS; re-rendering never signs again.

use chrono::Timelike;
use tracing::warn;

use crate::App;
use crate::bookings::{Booking, Receipt};
use crate::ports::{Clock, Signer, Store};
use crate::receipts::receipt;

impl<S, M, K, C, D> App<S, M, K, C, D>
where
    S: Store,
    K: Signer,
    C: Clock,
{
    /// Signs the booking's receipt, if it can, for a download that finds none yet (the
    /// notifier signs it first, when it sends the confirmation): on failure, it is logged and
    /// the booking stays without one.
    pub async fn issue_receipt(&self, booking: &mut Booking) {
        match self.sign_and_save_receipt(booking).await {
            Ok(true) => {}
            Ok(false) => {
                warn!(booking_id = %booking.id, "the booking changed before its receipt was stored")
            }
            Err(error) => {
                warn!(booking_id = %booking.id, error = format!("{error:#}"), "receipt not issued")
            }
        }
    }

    /// Signs the booking's receipt through the signer and stores it with the booking, once the
    /// booking is written, so a request that does not book never signs (the signer's quota is
    /// spent on bookings only). `false`: the booking changed meanwhile, and keeps no receipt.
    pub(crate) async fn sign_and_save_receipt(
        &self,
        booking: &mut Booking,
    ) -> anyhow::Result<bool> {
        let receipt = self.sign_receipt(booking).await?;
        let saved = self.store.save_receipt(booking, &receipt).await?;
        if saved {
            booking.receipt = Some(receipt);
        }
        Ok(saved)
    }

    async fn sign_receipt(&self, booking: &Booking) -> anyhow::Result<Receipt> {
        let now = self.clock.now();
        let unsigned = receipt::prepare(
            &receipt::receipt_data(booking),
            self.signer.signing_key().await?,
        );
        let signature = self.signer.sign(&unsigned.to_be_signed()).await?;
        Ok(Receipt {
            code: unsigned.finish(&signature),
            issued_at: now.with_nanosecond(0).unwrap_or(now),
        })
    }
}
