//! The office's endpoints (ACC-4's approval, BK-9, EX-1): organisations waiting for a decision,
//! the day's agenda, check-in, moving or cancelling an appointment, extraordinary closures, the
//! reports of a day. Staff act on their own office's data only.

use lambda_http::{Body, Request, Response};
use prenota_domain::Result;
use prenota_domain::office::{ReportAnswer, staff_office};
use prenota_domain::ports::{Clock, Documents, Mailer, Signer};
use prenota_platform::AwsApp;
use prenota_platform::http::{
    answer, authorization, download, json, json_body, optional_body, query,
};
use prenota_platform::responses::{
    AccountView, AgendaView, BookingView, ClosureView, OrganisationPage,
};
use prenota_platform::routes::{OfficeEndpoint, find_for};

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
    let matched = find_for::<OfficeEndpoint>(request.method(), request.uri().path())?;
    let caller = app.authenticate(authorization(request)).await?;
    staff_office(&caller)?;
    let id = matched.param("id").unwrap_or_default();
    match matched.endpoint {
        OfficeEndpoint::OfficeOrganisations => {
            let page = app.office_organisations(&caller, &query(request)?).await?;
            Ok(json(200, &OrganisationPage::from(&page)))
        }
        OfficeEndpoint::ApproveOrganisation => {
            let approved = app.approve_organisation(&caller, id).await?;
            Ok(json(200, &AccountView::new(&approved, None)))
        }
        OfficeEndpoint::RejectOrganisation => {
            let rejected = app
                .reject_organisation(&caller, id, &json_body(request)?)
                .await?;
            Ok(json(200, &AccountView::new(&rejected, None)))
        }
        OfficeEndpoint::OfficeAgenda => {
            let agenda = app.office_agenda(&caller, &query(request)?).await?;
            Ok(json(200, &AgendaView::from(&agenda)))
        }
        OfficeEndpoint::CheckIn => Ok(json(
            200,
            &BookingView::from(&app.check_in(&caller, id).await?),
        )),
        OfficeEndpoint::OfficeReschedule => {
            let moved = app
                .reschedule_booking(&caller, id, &json_body(request)?)
                .await?;
            Ok(json(200, &BookingView::from(&moved)))
        }
        OfficeEndpoint::OfficeCancel => Ok(json(
            200,
            &BookingView::from(
                &app.cancel_booking(&caller, id, optional_body(request)?.as_ref())
                    .await?,
            ),
        )),
        // Begun: its job runs off the request path (`functions/closures`).
        OfficeEndpoint::Closures => {
            let closure = app.close(&caller, &json_body(request)?).await?;
            Ok(json(202, &ClosureView::from(&closure)))
        }
        OfficeEndpoint::ClosureProgress => {
            let closure = app.closure(&caller, id).await?;
            Ok(json(200, &ClosureView::from(&closure)))
        }
        OfficeEndpoint::OfficeReports => {
            Ok(match app.office_report(&caller, &query(request)?).await? {
                ReportAnswer::Summary(summary) => json(200, &summary),
                ReportAnswer::File(file) => {
                    download(file.content, file.content_type, &file.filename)
                }
            })
        }
    }
}
