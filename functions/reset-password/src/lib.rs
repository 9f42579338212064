//! Password reset (ACC-6): `POST /password-reset` e-mails a link (the answer never tells whether
//! the account exists); `POST /password-reset/confirm` sets the new password and ends every
//! session.
// The handler's future nests the whole use case (rate limits, the account store, the mailer):
// deeper than rustc's default layout query limit under clippy.
#![recursion_limit = "256"]

use lambda_http::{Body, Request, Response};
use prenota_domain::Result;
use prenota_domain::ports::{Clock, Mailer};
use prenota_platform::AwsApp;
use prenota_platform::http::{answer, json, json_body, source_ip};
use prenota_platform::responses::{Accepted, PasswordChanged};
use prenota_platform::routes::{ResetPasswordEndpoint, find_for};

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
    let matched = find_for::<ResetPasswordEndpoint>(request.method(), request.uri().path())?;
    let body = json_body(request)?;
    match matched.endpoint {
        ResetPasswordEndpoint::RequestPasswordReset => {
            app.request_password_reset(&body, &source_ip(request))
                .await?;
            Ok(json(202, &Accepted::BODY))
        }
        ResetPasswordEndpoint::ConfirmPasswordReset => {
            app.confirm_password_reset(&body).await?;
            Ok(json(200, &PasswordChanged::BODY))
        }
    }
}
