//! The receipt use cases (RC-1 … RC-5): issuing it once when a booking is made or moved, the
//! PDF, and verifying a scanned code online.

use chrono::{NaiveDate, NaiveTime, Timelike};
use serde::Serialize;
use serde_json::Value;
use tracing::{instrument, warn};

use crate::App;
use crate::accounts::Caller;
use crate::booking::{Booking, BookingId, BookingRecord, BookingStatus};
use crate::catalogue::Catalogue;
use crate::error::{Code, Result};
use crate::ports::{Clock, Mailer, Signer, Store};
use crate::receipt::{self, Forged, ReceiptData};

/// A receipt as stored with its booking: signing happens once, re-rendering never signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Receipt {
    pub code: String,
    pub issued_at: chrono::DateTime<chrono::Utc>,
}

/// The answer to a scanned code (`GET /receipts/verify`).
#[derive(Serialize)]
pub struct Verification {
    pub genuine: bool,
    /// Why not genuine.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// The booking's live status; `null` if not genuine or no longer stored.
    pub status: Option<BookingStatus>,
    /// What the receipt certifies, to compare with the person's document.
    pub booking: Option<ReceiptData>,
    /// The office of the receipt's site.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office: Option<String>,
    /// The appointment was moved after this receipt was issued: the current one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_to: Option<MovedTo>,
}

#[derive(Serialize)]
pub struct MovedTo {
    pub date: NaiveDate,
    #[serde(with = "crate::booking::hhmm")]
    pub time: NaiveTime,
}

impl<S, M, K, C> App<S, M, K, C>
where
    S: Store,
    M: Mailer,
    K: Signer,
    C: Clock,
{
    /// Signs the booking's receipt through the signer and stores it with the booking. Called
    /// after the booking is written, so a request that does not book never signs (the signer's
    /// quota is spent on bookings only). On failure the booking stands and the receipt is
    /// issued when first asked for.
    pub async fn issue_receipt(&self, booking: &mut Booking) {
        match self.sign_receipt(booking).await {
            Ok(receipt) => match self.store.save_receipt(booking, &receipt).await {
                Ok(true) => booking.receipt = Some(receipt),
                Ok(false) => {
                    warn!(booking_id = %booking.id, "the booking changed before its receipt was stored")
                }
                Err(error) => {
                    warn!(booking_id = %booking.id, error = format!("{error:#}"), "receipt not stored")
                }
            },
            Err(error) => {
                warn!(booking_id = %booking.id, error = format!("{error:#}"), "receipt not signed")
            }
        }
    }

    async fn sign_receipt(&self, booking: &Booking) -> anyhow::Result<Receipt> {
        let now = self.clock.now();
        let unsigned =
            receipt::prepare(&ReceiptData::of(booking), self.signer.signing_key().await?);
        let signature = self.signer.sign(&unsigned.to_be_signed()).await?;
        Ok(Receipt {
            code: unsigned.finish(&signature),
            issued_at: now.with_nanosecond(0).unwrap_or(now),
        })
    }

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
        let pdf = receipt_document(&catalogue, &booking, &receipt);
        Ok((booking, pdf))
    }

    /// `GET /receipts/verify?code=`: the signature against the cached keys (no signer call),
    /// then the booking's live status. A damaged or forged code is an answer, not an error.
    #[instrument(skip_all)]
    pub async fn verify_receipt(&self, code: &str) -> Result<Verification> {
        let keys = self.signer.receipt_keys().await?;
        let data = match receipt::verify(code, &keys) {
            Ok(data) => data,
            Err(forged) => return Ok(forged_answer(forged)),
        };
        let record = self.store.booking_record(&data.booking).await?;
        // An erased booking keeps its day and time, so a receipt of it is never "moved".
        let moved_to = record
            .as_ref()
            .map(|record| match record {
                BookingRecord::Live(b) => (b.date, b.time),
                BookingRecord::Erased(e) => (e.date, e.time),
            })
            .filter(|current| *current != (data.date, data.time))
            .map(|(date, time)| MovedTo { date, time });
        let office = self
            .store
            .catalogue()
            .await?
            .office_of_site(&data.site)
            .map(|office| office.id.clone());
        Ok(Verification {
            genuine: true,
            reason: None,
            status: record.map(|record| record.status()),
            booking: Some(data),
            office,
            moved_to,
        })
    }

    /// `GET /.well-known/receipt-keys`: the JWK set of every trusted key.
    pub async fn receipt_keys(&self) -> Result<Value> {
        Ok(receipt::jwks(&self.signer.receipt_keys().await?))
    }
}

fn forged_answer(forged: Forged) -> Verification {
    Verification {
        genuine: false,
        reason: Some(forged.as_str()),
        status: None,
        booking: None,
        office: None,
        moved_to: None,
    }
}

/// The PDF of a stored receipt.
pub fn receipt_document(catalogue: &Catalogue, booking: &Booking, receipt: &Receipt) -> Vec<u8> {
    crate::pdf::receipt(catalogue, booking, &receipt.code, receipt.issued_at)
}

/// The file name of a receipt.
pub fn receipt_filename(id: &BookingId) -> String {
    format!("ricevuta-receipt-{}.pdf", id.printed())
}
