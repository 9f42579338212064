//! `POST /bookings` (BK-1 … BK-4, BK-8, BK-10, CAT-4): one transaction takes the place, claims
//! the person's hold for the service and the idempotency key, and puts the booking.

use lambda_http::{Body, Request, Response};
use prenota_domain::Result;
use prenota_domain::ports::Clock;
use prenota_platform::AwsApp;
use prenota_platform::http::{answer, authorization, header_text, json, json_body};
use prenota_platform::responses::BookingView;
use prenota_platform::routes::{BookEndpoint, find_for};

#[tracing::instrument(skip_all)]
pub async fn handle<M, K, D, C: Clock>(
    app: &AwsApp<M, K, D, C>,
    request: Request,
) -> Response<Body> {
    answer(&request, book(app, &request)).await
}

async fn book<M, K, D, C: Clock>(
    app: &AwsApp<M, K, D, C>,
    request: &Request,
) -> Result<Response<Body>> {
    let matched = find_for::<BookEndpoint>(request.method(), request.uri().path())?;
    match matched.endpoint {
        BookEndpoint::CreateBooking => {
            let caller = app.authenticate(authorization(request)).await?;
            let body = json_body(request)?;
            let booking = app
                .book(&caller, &body, header_text(request, "idempotency-key"))
                .await?;
            // A retry with the same key answers exactly as the first request did.
            Ok(json(201, &BookingView::from(&booking)))
        }
    }
}
