//! `POST /activate` follows an e-mailed activation link (ACC-3); `POST /activate/resend` sends
//! new links for the addresses not yet verified.

use lambda_http::{Body, Request, Response};
use prenota_domain::Result;
use prenota_domain::ports::{Clock, Mailer};
use prenota_platform::AwsApp;
use prenota_platform::http::{answer, json, json_body, source_ip};
use prenota_platform::routes::{Endpoint, Function, find_for, not_served};
use serde_json::json;

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
    let matched = find_for(Function::Activate, request.method(), request.uri().path())?;
    let body = json_body(request)?;
    match matched.endpoint {
        Endpoint::Activate => {
            let status = app.activate(&body).await?;
            Ok(json(200, &json!({ "status": status })))
        }
        Endpoint::ResendActivation => {
            app.resend_activation(&body, &source_ip(request)).await?;
            Ok(json(202, &json!({ "status": "accepted" })))
        }
        // Not this function's: `find_for` has answered 404 already.
        other => Err(not_served(other)),
    }
}
