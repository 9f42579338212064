//! The notifier: sends the outbox's notices (a booking made, moved or cancelled), each once.
//! - A DynamoDB stream record of a new notice (the table's stream, filtered to `NOTICE#` keys):
//!   the notice is sent at once. A record the store fails on is reported failed, so the stream
//!   retries that record alone (`ReportBatchItemFailures`); a notice not sent is due again
//!   later, and the schedule sends it then.
//! - `{"redrive_dead": true}`, by hand once the cause is fixed: the dead-letter list's notices
//!   are pending again, with all their attempts.
//! - Any other event (the schedule, every minute, or a run by hand with `{}`): the notices due
//!   are sent (retries, and any the stream did not deliver). The local stack, which has no
//!   stream, runs this after each request.

use prenota_domain::ports::{Clock, Documents, Mailer, Signer};
use prenota_platform::AwsApp;
use prenota_platform::dynamo::keys;
use serde_json::{Value, json};
use tracing::warn;

pub async fn handle<M: Mailer, K: Signer, D: Documents, C: Clock>(
    app: &AwsApp<M, K, D, C>,
    event: Value,
) -> Result<Value, lambda_http::Error> {
    // By hand, once the cause of the dead notices is fixed.
    if event.get("redrive_dead") == Some(&Value::Bool(true)) {
        let redriven = app
            .redrive_dead_notices()
            .await
            .map_err(|e| format!("{e:?}"))?;
        return Ok(json!({ "redriven": redriven }));
    }
    let Some(records) = event.get("Records").and_then(Value::as_array) else {
        let delivered = app
            .deliver_due_notices()
            .await
            .map_err(|e| format!("{e:?}"))?;
        return Ok(serde_json::to_value(delivered)?);
    };
    let mut failures = Vec::new();
    for record in records {
        let sequence = record.pointer("/dynamodb/SequenceNumber").cloned();
        let notice = record
            .pointer("/dynamodb/Keys/pk/S")
            .and_then(Value::as_str)
            .and_then(keys::notice_id_of);
        let Some(notice) = notice else {
            // Not a notice (the filter lets none through): nothing to send, nothing to retry.
            warn!(?sequence, "a stream record that is not a notice");
            continue;
        };
        if let Err(error) = app.deliver_notice(&notice).await {
            warn!(subject = %notice.subject, error = ?error, "notice: the store failed");
            if let Some(sequence) = sequence {
                failures.push(json!({ "itemIdentifier": sequence }));
            }
        }
    }
    Ok(json!({ "batchItemFailures": failures }))
}
