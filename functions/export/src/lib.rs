//! The nightly export (EX-1, EX-2), on an EventBridge schedule every evening (Europe/Rome):
//! each office gets one e-mail with the day's bookings and its next working day's agenda. The
//! event may name the day (`{"date": "2027-01-12"}`) to send again a day whose e-mail failed; a
//! day already sent is never sent twice.

use prenota_domain::ports::{Clock, Documents, Mailer};
use prenota_platform::AwsApp;
use serde_json::{Value, json};

pub async fn handle<M: Mailer, K, D: Documents, C: Clock>(
    app: &AwsApp<M, K, D, C>,
    event: Value,
) -> Result<Value, lambda_http::Error> {
    let day = prenota_platform::scheduled::day(&event, app.clock.now())?;
    let reports = app.export(day).await.map_err(|e| format!("{e:?}"))?;
    // A failed office makes the invocation fail, so the scheduler tries again.
    if reports.iter().any(|report| report.outcome == "failed") {
        return Err(format!("export of {day} failed for some office: {}", json!(reports)).into());
    }
    Ok(json!({ "date": day, "offices": reports }))
}
