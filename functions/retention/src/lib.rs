//! The nightly retention pass (PD-1), on an EventBridge schedule (Europe/Rome): bookings whose
//! day is past the retention time keep only their statistics; accounts unused for long are
//! warned, then erased. A missed night is caught up by the next.

use prenota_domain::ports::{Clock, Mailer};
use prenota_platform::AwsApp;
use serde_json::Value;

pub async fn handle<M: Mailer, K, D, C: Clock>(
    app: &AwsApp<M, K, D, C>,
    _event: Value,
) -> Result<Value, lambda_http::Error> {
    let report = app.retention_pass().await.map_err(|e| format!("{e:?}"))?;
    // The domain's report is plain data already: its fields are the result.
    Ok(serde_json::to_value(report)?)
}
