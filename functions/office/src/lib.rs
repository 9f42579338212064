//! The office's endpoints (ACC-4's approval, BK-9, EX-1): organisations waiting for a decision,
//! the day's agenda, check-in, moving or cancelling an appointment, extraordinary closures, the
//! reports of a day. Staff act on their own office's data only.

use lambda_http::{Body, Request, Response};
use prenota_domain::Result;
use prenota_domain::accounts::AccountView;
use prenota_domain::bookings::BookingView;
use prenota_domain::office::{Closure, ClosureOutcome, ReportAnswer, staff_office};
use prenota_domain::ports::{Clock, Documents, Mailer, Signer};
use prenota_platform::AwsApp;
use prenota_platform::http::{
    answer, authorization, download, json, json_body, optional_body, query,
};
use prenota_platform::routes::{Endpoint, Function, find_for, not_served};
use serde_json::json;

#[tracing::instrument(skip_all)]
pub async fn handle<M: Mailer, K: Signer, D: Documents, C: Clock>(
    app: &AwsApp<M, K, D, C>,
    request: Request,
) -> Response<Body> {
    answer(&request, dispatch(app, &request)).await
}

async fn dispatch<M: Mailer, K: Signer, D: Documents, C: Clock>(
    app: &AwsApp<M, K, D, C>,
    request: &Request,
) -> Result<Response<Body>> {
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
        Endpoint::Closures => {
            let closure = app.close(&caller, &json_body(request)?).await?;
            Ok(json(200, &closure_view(&closure)))
        }
        Endpoint::OfficeReports => Ok(match app.office_report(&caller, &query(request)?).await? {
            ReportAnswer::Summary(summary) => json(200, &summary),
            ReportAnswer::File(file) => download(file.content, file.content_type, &file.filename),
        }),
        // Not this function's: `find_for` has answered 404 already.
        other => Err(not_served(other)),
    }
}

/// What a closure did: the counts, each appointment it hit (where and when it was, and what it
/// is now: moved to another day, or cancelled), and how many are still to handle.
fn closure_view(closure: &Closure) -> serde_json::Value {
    let appointments: Vec<_> = closure
        .changes
        .iter()
        .map(|change| {
            json!({
                "outcome": match change.outcome {
                    ClosureOutcome::Moved => "moved",
                    ClosureOutcome::Cancelled => "cancelled",
                },
                "site": change.site,
                "time": change.time.format("%H:%M").to_string(),
                "booking": BookingView::from(&change.booking),
            })
        })
        .collect();
    json!({
        "date": closure.date,
        "sites": closure.sites,
        "moved": closure.moved(),
        "cancelled": closure.cancelled(),
        "appointments": appointments,
        "pending": closure.pending,
    })
}
