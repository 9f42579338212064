//! The office's endpoints (ACC-4's approval, BK-9): organisations waiting for a decision, the
//! day's agenda, check-in, moving or cancelling an appointment, extraordinary closures. Staff
//! act on their own office's data only.

use lambda_http::{Body, Request, Response};
use prenota_domain::Result;
use prenota_domain::account::AccountView;
use prenota_domain::booking::BookingView;
use prenota_domain::office::staff_office;
use prenota_domain::ports::Clock;
use prenota_platform::AwsApp;
use prenota_platform::http::{answer, authorization, json, json_body, optional_body, query};
use prenota_platform::routes::{Endpoint, Function, find_for, not_served};
use serde_json::json;

#[tracing::instrument(skip_all)]
pub async fn handle<C: Clock>(app: &AwsApp<C>, request: Request) -> Response<Body> {
    answer(&request, dispatch(app, &request)).await
}

async fn dispatch<C: Clock>(app: &AwsApp<C>, request: &Request) -> Result<Response<Body>> {
    let matched = find_for(Function::Office, request.method(), request.uri().path())?;
    let caller = app.authenticate(authorization(request)).await?;
    staff_office(&caller)?;
    let id = matched.param("id").unwrap_or_default();
    match matched.endpoint {
        Endpoint::OfficeOrganisations => {
            let page = app.office_organisations(&caller, &query(request)?).await?;
            Ok(json(
                200,
                &json!({
                    "organisations": page.items.iter().map(AccountView::from).collect::<Vec<_>>(),
                    "next_cursor": page.next.map(|cursor| cursor.encode()),
                }),
            ))
        }
        Endpoint::ApproveOrganisation => {
            let approved = app.approve_organisation(&caller, id).await?;
            Ok(json(200, &AccountView::from(&approved)))
        }
        Endpoint::RejectOrganisation => {
            let rejected = app
                .reject_organisation(&caller, id, &json_body(request)?)
                .await?;
            Ok(json(200, &AccountView::from(&rejected)))
        }
        Endpoint::OfficeAgenda => {
            let agenda = app.office_agenda(&caller, &query(request)?).await?;
            let appointments: Vec<_> = agenda.appointments.iter().map(BookingView::from).collect();
            Ok(json(
                200,
                &json!({ "office": agenda.office, "date": agenda.date, "site": agenda.site,
                    "appointments": appointments, "next_cursor": agenda.next.map(|c| c.encode()) }),
            ))
        }
        Endpoint::CheckIn => Ok(json(
            200,
            &BookingView::from(&app.check_in(&caller, id).await?),
        )),
        Endpoint::OfficeReschedule => {
            let moved = app
                .reschedule_booking(&caller, id, &json_body(request)?)
                .await?;
            Ok(json(200, &BookingView::from(&moved)))
        }
        Endpoint::OfficeCancel => Ok(json(
            200,
            &BookingView::from(
                &app.cancel_booking(&caller, id, optional_body(request)?.as_ref())
                    .await?,
            ),
        )),
        Endpoint::Closures => Ok(json(200, &app.close(&caller, &json_body(request)?).await?)),
        // Not this function's: `find_for` has answered 404 already.
        other => Err(not_served(other)),
    }
}
