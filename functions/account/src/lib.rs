//! Signing in and out (ACC-5): `POST /login`, `POST /logout`, `GET /me`; a person's data
//! (PD-2): `GET /me/data`, `DELETE /me`.

use lambda_http::{Body, Request, Response};
use prenota_domain::Result;
use prenota_domain::ports::{Clock, Mailer};
use prenota_platform::AwsApp;
use prenota_platform::http::{answer, authorization, json, json_body, no_content, source_ip};
use prenota_platform::responses::{AccountView, ErasureInProgress, PersonalDataView, SignedInView};
use prenota_platform::routes::{AccountEndpoint, find_for};

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
    let matched = find_for::<AccountEndpoint>(request.method(), request.uri().path())?;
    match matched.endpoint {
        AccountEndpoint::Login => {
            let signed_in = app
                .sign_in(&json_body(request)?, &source_ip(request))
                .await?;
            let designated = app.designated(&signed_in.account).await?;
            Ok(json(200, &SignedInView::new(&signed_in, designated)))
        }
        AccountEndpoint::Logout => {
            let caller = app.authenticate(authorization(request)).await?;
            app.sign_out(&caller).await?;
            Ok(no_content())
        }
        AccountEndpoint::Me => {
            let caller = app.authenticate(authorization(request)).await?;
            let designated = app.designated(&caller.account).await?;
            Ok(json(200, &AccountView::new(&caller.account, designated)))
        }
        AccountEndpoint::MyData => {
            let caller = app.authenticate(authorization(request)).await?;
            let data = app.personal_data(&caller).await?;
            Ok(json(200, &PersonalDataView::from(&data)))
        }
        AccountEndpoint::EraseAccount => {
            let caller = app.authenticate(authorization(request)).await?;
            Ok(match app.erase_own_account(&caller).await? {
                Some(_) => no_content(),
                // Many bookings: the rest is erased tonight, and the e-mail says when it is.
                None => json(202, &ErasureInProgress::BODY),
            })
        }
    }
}
