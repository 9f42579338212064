//! The nightly export (EX-1, EX-2), on an EventBridge schedule every evening (Europe/Rome):
//! each office gets one e-mail with the day's bookings and its next working day's agenda, for
//! every day since the last it was sent (a failed, crashed or missed evening is caught up). The
//! event may name one day (`{"date": "2027-01-12"}`) to send it alone; a day already sent is
//! never sent twice.

use prenota_domain::ports::{Clock, Documents, Mailer};
use prenota_platform::AwsApp;
use prenota_platform::responses::ExportDone;
use serde_json::Value;

pub async fn handle<M: Mailer, K, D: Documents, C: Clock>(
    app: &AwsApp<M, K, D, C>,
    event: Value,
) -> Result<Value, lambda_http::Error> {
    let run = prenota_platform::scheduled::run(&event, app.clock.now())?;
    let offices = app.export(run).await.map_err(|e| format!("{e:?}"))?;
    let done = serde_json::to_value(ExportDone { offices: &offices })?;
    // A failed office makes the invocation fail, so that Lambda tries again; so does one whose
    // day another run is sending: if that run was stopped, the retry 2 minutes on finds its
    // claim past the function's timeout, and takes it over.
    if offices
        .iter()
        .any(|report| matches!(report.outcome, "failed" | "in_progress"))
    {
        return Err(format!("the export failed for some office: {}", done["offices"]).into());
    }
    Ok(done)
}
