//! `DELETE /bookings/{id}` (BK-5): the place is free again at once and the person may book the
//! service again.

use lambda_http::{Body, Request, Response};
use prenota_domain::Result;
use prenota_domain::ports::Clock;
use prenota_platform::AwsApp;
use prenota_platform::http::{answer, authorization, json};
use prenota_platform::responses::BookingView;
use prenota_platform::routes::{CancelEndpoint, find_for};

#[tracing::instrument(skip_all)]
pub async fn handle<M, K, D, C: Clock>(
    app: &AwsApp<M, K, D, C>,
    request: Request,
) -> Response<Body> {
    answer(&request, cancel(app, &request)).await
}

async fn cancel<M, K, D, C: Clock>(
    app: &AwsApp<M, K, D, C>,
    request: &Request,
) -> Result<Response<Body>> {
    let matched = find_for::<CancelEndpoint>(request.method(), request.uri().path())?;
    match matched.endpoint {
        CancelEndpoint::CancelBooking => {
            let caller = app.authenticate(authorization(request)).await?;
            let cancelled = app
                .cancel_booking(&caller, matched.param("id").unwrap_or_default(), None)
                .await?;
            Ok(json(200, &BookingView::from(&cancelled)))
        }
    }
}
