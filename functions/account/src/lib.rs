//! Signing in and out (ACC-5): `POST /login`, `POST /logout`, `GET /me`.

use lambda_http::{Body, Request, Response};
use prenota_domain::Result;
use prenota_domain::account::AccountView;
use prenota_domain::ports::Clock;
use prenota_platform::AwsApp;
use prenota_platform::http::{
    authorization, json, json_body, language, no_content, respond, source_ip,
};
use prenota_platform::routes::{Endpoint, Function, find_for};
use serde_json::json;

#[tracing::instrument(skip_all)]
pub async fn handle<C: Clock>(app: &AwsApp<C>, request: Request) -> Response<Body> {
    respond(dispatch(app, &request).await, language(&request))
}

async fn dispatch<C: Clock>(app: &AwsApp<C>, request: &Request) -> Result<Response<Body>> {
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
                    "account": AccountView::from(&signed_in.account),
                }),
            ))
        }
        Endpoint::Logout => {
            let caller = app.authenticate(authorization(request)).await?;
            app.sign_out(&caller).await?;
            Ok(no_content())
        }
        _ => {
            let caller = app.authenticate(authorization(request)).await?;
            Ok(json(200, &AccountView::from(&caller.account)))
        }
    }
}
