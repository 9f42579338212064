//! My bookings (BK-7), a receipt (RC-1) and moving a booking (BK-6): `GET /bookings`,
//! `GET /bookings/{id}`, `GET /bookings/{id}/receipt.pdf`,
//! `POST /bookings/{id}/reschedule`.

use lambda_http::{Body, Request, Response};
use prenota_domain::Result;
use prenota_domain::ports::{Clock, Documents, Signer};
use prenota_domain::receipts::receipt_filename;
use prenota_platform::AwsApp;
use prenota_platform::http::{answer, authorization, json, json_body, pdf, query};
use prenota_platform::responses::{BookingPage, BookingView};
use prenota_platform::routes::{BookingsEndpoint, find_for};

#[tracing::instrument(skip_all)]
pub async fn handle<M, K: Signer, D: Documents, C: Clock>(
    app: &AwsApp<M, K, D, C>,
    request: Request,
) -> Response<Body> {
    answer(&request, dispatch(app, &request)).await
}

async fn dispatch<M, K: Signer, D: Documents, C: Clock>(
    app: &AwsApp<M, K, D, C>,
    request: &Request,
) -> Result<Response<Body>> {
    let matched = find_for::<BookingsEndpoint>(request.method(), request.uri().path())?;
    let caller = app.authenticate(authorization(request)).await?;
    let id = matched.param("id").unwrap_or_default();
    match matched.endpoint {
        BookingsEndpoint::ListBookings => {
            let page = app.bookings_of(&caller, &query(request)?).await?;
            Ok(json(200, &BookingPage::from(&page)))
        }
        BookingsEndpoint::GetBooking => Ok(json(
            200,
            &BookingView::from(&app.booking_of(&caller, id).await?),
        )),
        BookingsEndpoint::ReceiptPdf => {
            let (booking, document) = app.receipt_pdf(&caller, id).await?;
            Ok(pdf(document, &receipt_filename(&booking.id)))
        }
        BookingsEndpoint::RescheduleBooking => {
            let moved = app
                .reschedule_booking(&caller, id, &json_body(request)?)
                .await?;
            Ok(json(200, &BookingView::from(&moved)))
        }
    }
}
