//! `POST /register`: a person (ACC-1) or an organisation (ACC-4) signs up; the e-mail, the
//! identity document or fiscal code are claimed race-free (ACC-2); the activation e-mail(s) go out.

use lambda_http::{Body, Request, Response};
use prenota_domain::Result;
use prenota_domain::ports::{Clock, Mailer};
use prenota_platform::AwsApp;
use prenota_platform::http::{answer, json, json_body, source_ip};
use prenota_platform::responses::AccountCreated;
use prenota_platform::routes::{RegisterEndpoint, find_for};

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
    let matched = find_for::<RegisterEndpoint>(request.method(), request.uri().path())?;
    match matched.endpoint {
        RegisterEndpoint::Register => {
            let body = json_body(request)?;
            let registered = app.register(&body, &source_ip(request)).await?;
            Ok(json(201, &AccountCreated::from(&registered)))
        }
    }
}
