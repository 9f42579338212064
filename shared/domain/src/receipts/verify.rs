//! `GET /receipts/verify` and `GET /receipts/keys` (RC-3): a scanned code checked, and the keys
//! that check it offline.

use chrono::{NaiveDate, NaiveTime};
use serde::Serialize;
use serde_json::Value;
use tracing::instrument;

use crate::App;
use crate::bookings::{BookingRecord, BookingStatus};
use crate::error::Result;
use crate::ports::{Clock, Signer, Store};
use crate::receipts::receipt::{self, Forged, ReceiptData};

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
    #[serde(with = "crate::time::hhmm")]
    pub time: NaiveTime,
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

impl<S, M, K, C, D> App<S, M, K, C, D>
where
    S: Store,
    K: Signer,
    C: Clock,
{
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
