//! `POST /register`: a person (ACC-1) or an organisation (ACC-4) signs up; the e-mail, the
//! identity document or fiscal code are claimed race-free (ACC-2); the activation e-mail(s) go out.

use lambda_http::{Body, Request, Response};
use prenota_domain::Result;
use prenota_domain::ports::{Clock, Mailer};
use prenota_platform::AwsApp;
use prenota_platform::http::{answer, json, json_body, source_ip};
use prenota_platform::routes::{Function, find_for};
use serde_json::json;

#[tracing::instrument(skip_all)]
pub async fn handle<M: Mailer, K, D, C: Clock>(
    app: &AwsApp<M, K, D, C>,
    request: Request,
) -> Response<Body> {
    answer(&request, register(app, &request)).await
}

async fn register<M: Mailer, K, D, C: Clock>(
    app: &AwsApp<M, K, D, C>,
    request: &Request,
) -> Result<Response<Body>> {
    find_for(Function::Register, request.method(), request.uri().path())?;
    let body = json_body(request)?;
    let registered = app.register(&body, &source_ip(request)).await?;
    Ok(json(
        201,
        &json!({ "account_id": registered.account_id, "status": registered.status }),
    ))
}
