//! `POST /activate` follows an e-mailed activation link (ACC-3); `POST /activate/resend` sends
//! new links for the addresses not yet verified.

use lambda_http::{Body, Request, Response};
use prenota_domain::Result;
use prenota_domain::ports::{Clock, Mailer};
use prenota_platform::AwsApp;
use prenota_platform::http::{answer, json, json_body, source_ip};
use prenota_platform::responses::{Accepted, Activated};
use prenota_platform::routes::{ActivateEndpoint, find_for};

#[tracing::instrument(skip_all)]
pub async fn handle<M: Mailer, K, D, C: Clock>(
    app: &AwsApp<M, K, D, C>,
    request: Request,
) -> Response<Body> {
    answer(&request, dispatch(app, &request)).await
}

async fn dispatch<M: Mailer, K, D, C: Clock>(
    app: &AwsApp<M, K, D, C>,
    request: &Request,
) -> Result<Response<Body>> {
    let matched = find_for::<ActivateEndpoint>(request.method(), request.uri().path())?;
    let body = json_body(request)?;
    match matched.endpoint {
        ActivateEndpoint::Activate => {
            let status = app.activate(&body).await?;
            Ok(json(200, &Activated { status }))
        }
        ActivateEndpoint::ResendActivation => {
            app.resend_activation(&body, &source_ip(request)).await?;
            Ok(json(202, &Accepted::BODY))
        }
    }
}
