//! Signing in and out (ACC-5): `POST /login`, `POST /logout`, `GET /me`; a person's data
//! (PD-2): `GET /me/data`, `DELETE /me`.

use lambda_http::{Body, Request, Response};
use prenota_domain::Result;
use prenota_domain::ports::{Clock, Mailer};
use prenota_platform::AwsApp;
use prenota_platform::http::{answer, authorization, json, json_body, no_content, source_ip};
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
    let matched = find_for(Function::Account, request.method(), request.uri().path())?;
    match matched.endpoint {
        Endpoint::Login => {
            let signed_in = app
                .sign_in(&json_body(request)?, &source_ip(request))
                .await?;
            Ok(json(
                200,
                &json!({
                    "token": signed_in.token.expose(),
                    "expires_at": signed_in.expires_at,
                    "account": app.account_view(&signed_in.account).await?,
                }),
            ))
        }
        Endpoint::Logout => {
            let caller = app.authenticate(authorization(request)).await?;
            app.sign_out(&caller).await?;
            Ok(no_content())
        }
        Endpoint::Me => {
            let caller = app.authenticate(authorization(request)).await?;
            Ok(json(200, &app.account_view(&caller.account).await?))
        }
        Endpoint::MyData => {
            let caller = app.authenticate(authorization(request)).await?;
            Ok(json(200, &app.personal_data(&caller).await?))
        }
        Endpoint::EraseAccount => {
            let caller = app.authenticate(authorization(request)).await?;
            Ok(match app.erase_own_account(&caller).await? {
                Some(_) => no_content(),
                // Many bookings: the rest is erased tonight, and the e-mail says when it is.
                None => json(202, &json!({ "status": "in_progress" })),
            })
        }
        // Not this function's: `find_for` has answered 404 already.
        other => Err(not_served(other)),
    }
}
