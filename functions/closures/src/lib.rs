//! The extraordinary closures' jobs, off the request path (`POST /office/closures` answers 202
//! once the day is closed and the job written):
//! - a DynamoDB stream record of a new job (`CLOSURE#<office>#<id>`, sort key `JOB`): the job
//!   is run at once;
//! - any other event (the schedule, every minute, or a run by hand with `{}`): every job still
//!   open is resumed, once the lease of a run that died has run out.
//!
//! A run moves or cancels the closed day's appointments one at a time, recording each, so a
//! resumed job does only what is left and tells nobody twice.

use prenota_domain::ports::Clock;
use prenota_platform::AwsApp;
use serde_json::{Value, json};
use tracing::warn;

pub async fn handle<M, K, D, C: Clock>(
    app: &AwsApp<M, K, D, C>,
    event: Value,
) -> Result<Value, lambda_http::Error> {
    let Some(records) = event.get("Records").and_then(Value::as_array) else {
        let done = app.resume_closures().await.map_err(|e| format!("{e:?}"))?;
        return Ok(json!({ "done": done }));
    };
    let mut failures = Vec::new();
    for record in records {
        let sequence = record.pointer("/dynamodb/SequenceNumber").cloned();
        let job = record
            .pointer("/dynamodb/Keys/pk/S")
            .and_then(Value::as_str)
            .and_then(job_of);
        let Some((office, id)) = job else {
            // Not a job (the filter lets none through): nothing to run, nothing to retry.
            warn!(?sequence, "a stream record that is not a closure's job");
            continue;
        };
        // A job left open (the store failing on an appointment) is resumed by the schedule.
        if let Err(error) = app.run_closure(office, id).await {
            warn!(office, job = id, error = ?error, "a closure's run failed");
            if let Some(sequence) = sequence {
                failures.push(json!({ "itemIdentifier": sequence }));
            }
        }
    }
    Ok(json!({ "batchItemFailures": failures }))
}

/// The office and id of a job's key (`CLOSURE#<office>#<id>`).
fn job_of(pk: &str) -> Option<(&str, &str)> {
    let (office, id) = pk.strip_prefix("CLOSURE#")?.split_once('#')?;
    (!office.is_empty() && !id.is_empty() && !id.contains('#')).then_some((office, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jobs_key_names_its_office_and_id_and_nothing_else_does() {
        assert_eq!(
            job_of("CLOSURE#milano#4G7K2M9QXW3P"),
            Some(("milano", "4G7K2M9QXW3P"))
        );
        for other in [
            "NOTICE#X#1",
            "CLOSURE#milano",
            "CLOSURE##x",
            "CLOSURE#a#b#c",
            "",
        ] {
            assert_eq!(job_of(other), None, "{other}");
        }
    }
}
