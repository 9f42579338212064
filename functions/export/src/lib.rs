//! The nightly export (EX-1, EX-2), on an EventBridge schedule every evening (Europe/Rome):
//! each office gets one e-mail with the day's bookings and its next working day's agenda. The
//! event may name the day (`{"date": "2027-01-12"}`) to send again a day whose e-mail failed; a
//! day already sent is never sent twice.

use prenota_domain::ports::{Clock, Documents, Mailer};
use prenota_platform::AwsApp;
use prenota_platform::responses::ExportDone;
use serde_json::Value;

pub async fn handle<M: Mailer, K, D: Documents, C: Clock>(
    app: &AwsApp<M, K, D, C>,
    event: Value,
) -> Result<Value, lambda_http::Error> {
    let day = prenota_platform::scheduled::day(&event, app.clock.now())?;
    let offices = app.export(day).await.map_err(|e| format!("{e:?}"))?;
    let done = serde_json::to_value(ExportDone {
        date: day,
        offices: &offices,
    })?;
    // A failed office makes the invocation fail, so the scheduler tries again.
    if offices.iter().any(|report| report.outcome == "failed") {
        return Err(format!(
            "export of {day} failed for some office: {}",
            done["offices"]
        )
        .into());
    }
    Ok(done)
}
